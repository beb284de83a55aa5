// The benchmark's table and its verdicts against the targets (docs/benchmarks.md).

const find = (run, dataset, key) =>
  run.results.find((r) => r.dataset === dataset && r.contender === key && r.seconds !== undefined);

/** Targets: 1 GiB at ≥ 0.85× the baseline's throughput; small files faster than aws and rclone; < 200 MiB RSS. */
export function verdicts(run) {
  const out = [];
  const ours = find(run, 'big', 'ours');
  const base = find(run, 'big', 'baseline');
  if (ours && base) {
    const ratio = +(base.seconds / ours.seconds).toFixed(2);
    out.push({ target: 'big file: ours ≥ 0.85× sha256sum + curl', value: `${ratio}×`, met: ratio >= 0.85 });
    // For information: the same without the emulator joining 1 GiB of parts at files/complete
    // (the single-PUT baseline has nothing to join; a real server does it off the client's clock).
    if (ours.emulatorJoinSeconds > 0) {
      const net = +(base.seconds / (ours.seconds - ours.emulatorJoinSeconds)).toFixed(2);
      out.push({
        target: '  (same, without the emulator part join)',
        value: `${net}×`,
        met: net >= 0.85,
        informative: true,
      });
    }
  }
  if (ours?.peakRssMiB !== undefined)
    out.push({
      target: 'big file: our peak RSS < 200 MiB',
      value: `${ours.peakRssMiB} MiB`,
      met: ours.peakRssMiB < 200,
    });
  const restored = find(run, 'big-restore', 'ours');
  const curlRestore = find(run, 'big-restore', 'baseline');
  if (restored?.peakRssMiB !== undefined)
    out.push({
      target: 'big file restore: our peak RSS < 200 MiB',
      value: `${restored.peakRssMiB} MiB`,
      met: restored.peakRssMiB < 200,
    });
  if (restored && curlRestore)
    out.push({
      target: 'big file restore: ours vs curl + sha256sum',
      value: `${(curlRestore.seconds / restored.seconds).toFixed(2)}×`,
      met: true,
      informative: true,
    });
  const small = find(run, 'small', 'ours');
  for (const peer of ['aws', 'rclone']) {
    const p = find(run, 'small', peer);
    if (small && p)
      out.push({
        target: `small files: ours faster than ${peer}`,
        value: `${small.seconds.toFixed(1)} s vs ${p.seconds.toFixed(1)} s`,
        met: small.seconds < p.seconds,
      });
  }
  // The WAN profile (issue 11): 40 ms and TLS. Small files ≥ 2× aws-cli and rclone; 1 GiB ≥ 0.9× the baseline.
  const wanSmall = find(run, 'wan-small', 'ours');
  for (const peer of ['aws', 'rclone']) {
    const p = find(run, 'wan-small', peer);
    if (wanSmall && p) {
      const ratio = +(p.seconds / wanSmall.seconds).toFixed(2);
      out.push({
        target: `WAN small files: ours ≥ 2× ${peer}`,
        value: `${ratio}× (${wanSmall.seconds.toFixed(1)} s vs ${p.seconds.toFixed(1)} s)`,
        met: ratio >= 2,
      });
    }
  }
  const wanBig = find(run, 'wan-big', 'ours');
  const wanBase = find(run, 'wan-big', 'baseline');
  if (wanBig && wanBase) {
    const ratio = +(wanBase.seconds / wanBig.seconds).toFixed(2);
    out.push({ target: 'WAN big file (TLS): ours ≥ 0.9× sha256sum + curl', value: `${ratio}×`, met: ratio >= 0.9 });
  }
  for (const r of run.results) {
    if (r.contender === 'ours' && r.dataset.startsWith('wan-') && r.peakRssMiB !== undefined)
      out.push({
        target: `${r.dataset}: our peak RSS < 200 MiB`,
        value: `${r.peakRssMiB} MiB`,
        met: r.peakRssMiB < 200,
      });
  }
  return out;
}

const pad = (v, n, left = false) => (left ? String(v).padEnd(n) : String(v).padStart(n));

export function printTable(run) {
  if (run.hash?.memory) {
    console.log('\nHash engines (in memory, 1 MiB updates):');
    for (const [name, r] of Object.entries(run.hash.memory))
      console.log(`  ${pad(name, 14, true)} ${pad(r.mbPerS, 6)} MB/s  ${r.vsNodeCrypto.toFixed(2)}× node:crypto`);
  }
  console.log(
    '\nEnd to end (wall time from spawn to exit; ratio = baseline time / this time; CPU s = the tool, emu ' +
      'CPU s = the emulator,',
  );
  console.log('join s = emulator time joining parts into whole files):');
  console.log(
    `  ${pad('data set', 40, true)} ${pad('contender', 24, true)} ${pad('seconds', 8)} ${pad('MiB/s', 7)} ` +
      `${pad('ratio', 6)} ${pad('RSS MiB', 8)} ${pad('CPU s', 6)} ${pad('emu CPU s', 9)} ${pad('join s', 6)}`,
  );
  for (const r of run.results) {
    const base = find(run, r.dataset, 'baseline');
    if (r.seconds === undefined) {
      console.log(
        `  ${pad(r.datasetLabel, 40, true)} ${pad(r.name, 24, true)} ` +
          `${r.skipped ? `skipped: ${r.skipped}` : `FAILED: ${r.error?.split('\n')[0]}`}`,
      );
      continue;
    }
    const ratio = base ? (base.seconds / r.seconds).toFixed(2) : '-';
    console.log(
      `  ${pad(r.datasetLabel, 40, true)} ${pad(r.name, 24, true)} ${pad(r.seconds.toFixed(2), 8)} ` +
        `${pad(r.mibPerS, 7)} ${pad(ratio, 6)} ${pad(r.peakRssMiB ?? '?', 8)} ${pad(r.cpuSeconds ?? '?', 6)} ` +
        `${pad(r.emulatorCpuSeconds, 9)} ${pad(r.emulatorJoinSeconds, 6)}`,
    );
  }
  const emuPeaks = [...new Set(run.results.map((r) => r.dataset))].map(
    (d) => `${d} ${run.results.find((r) => r.dataset === d)?.emulatorPeakRssMiB ?? '?'} MiB`,
  );
  console.log(`  emulator peak RSS (whole data set): ${emuPeaks.join(', ')}; peak RSS from ${run.peakRssSource}`);
  if (run.verdicts.length > 0) {
    console.log('\nTargets:');
    for (const v of run.verdicts)
      console.log(`  ${v.informative ? '      ' : v.met ? 'met   ' : 'MISSED'} ${pad(v.target, 44, true)} ${v.value}`);
  }
  console.log(`\nload average at the end: ${run.loadAverageAtEnd} (other work on the machine skews every number)`);
}
