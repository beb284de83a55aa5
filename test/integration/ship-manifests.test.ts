/**
 * Issue 13 items 3–5: the Dockerfile, the Kubernetes manifests, the systemd units and the GitHub
 * composite action parse, and hold what docs/install.md and docs/scale-out.md promise. Docker and
 * Kubernetes are not available here, so this is the check they get.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { EXIT } from '../../src/cli/exit-codes.js';

const REPO = join(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(join(REPO, rel), 'utf8');
const version = (JSON.parse(read('package.json')) as { version: string }).version;

// The docs' promises, written here (not derived from the files under test).
const STATE_DIR = '/var/lib/koodrive-backup';
const DATA_DIR = '/data';
const NON_ROOT_UID = 1000;
const SECRET_NAME = 'koodrive-backup';
/** Exit codes a retry cannot fix (docs/exit-codes.md): the Job fails at once on them. */
const NOT_RETRIED = [EXIT.USAGE, EXIT.AUTH, EXIT.CONFLICT];
const SECRET_VARS = ['KOODRIVE_TOKEN', 'KOODRIVE_APP_SECRET', 'KOODRIVE_APP_ID', 'KOODRIVE_USER_ID'];

/** Fenced code blocks of a Markdown file with the given info string. */
function codeBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** Shell commands of the docs' sh blocks, with `\` continuations joined. */
function shellCommands(markdown: string): string[] {
  return codeBlocks(markdown, 'sh')
    .flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((l) => l.trim());
}

/** MiB in a Kubernetes quantity (Mi, Gi, M, G). */
function mib(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/.exec(quantity);
  if (!m) throw new Error(`unexpected quantity ${quantity}`);
  const n = Number(m[1]);
  return { Mi: n, Gi: n * 1024, M: (n * 1e6) / 2 ** 20, G: (n * 1e9) / 2 ** 20 }[m[2] as 'Mi' | 'Gi' | 'M' | 'G'];
}

describe('Dockerfile (docs/install.md "In a container")', () => {
  const dockerfile: Dockerfile = DockerfileParser.parse(read('Dockerfile'));
  const froms = dockerfile.getFROMs();
  const runtimeStart = froms.at(-1)!.getRange().start.line;
  const runtime = dockerfile.getInstructions().filter((i) => i.getRange().start.line >= runtimeStart);
  const inRuntime = (keyword: string): Instruction[] => runtime.filter((i) => i.getKeyword() === keyword);
  const json = (i: Instruction) =>
    (i as unknown as { getJSONStrings(): Array<{ getJSONValue(): string }> })
      .getJSONStrings()
      .map((s) => s.getJSONValue());

  it('is multi-stage: a build stage packs the tarball, a slim runtime stage installs it from there', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]!.getBuildStage()).toBe('build');
    expect(froms.at(-1)!.getImageName()).toBe('node');
    expect(froms.at(-1)!.getImageTag()).toMatch(/slim$/);
    const buildRuns = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line < runtimeStart);
    expect(buildRuns.map((i) => i.getArgumentsContent()).join('\n')).toContain('npm pack');
    const copied = dockerfile.getCOPYs().filter((c) => c.getRange().start.line >= runtimeStart);
    expect(copied.map((c) => c.getFromFlag()?.getValue())).toContain('build');
    expect(
      inRuntime('RUN')
        .map((i) => i.getArgumentsContent())
        .join('\n'),
    ).toMatch(/npm install --global .*koodrive-backup\.tgz/);
    // No compiler in the final image: it relies on the prebuilt addon.
    expect(
      inRuntime('RUN')
        .map((i) => i.getArgumentsContent())
        .join('\n'),
    ).not.toMatch(/apt-get|build-essential|g\+\+|python/);
  });

  it('runs as a non-root numeric user, keeps the state folder in a volume, and has the CLI as entrypoint', () => {
    const user = inRuntime('USER').at(-1)!.getArgumentsContent()!;
    expect(Number(user.split(':')[0])).toBe(NON_ROOT_UID);
    const env = Object.fromEntries(
      inRuntime('ENV').flatMap((i) =>
        (i as unknown as { getProperties(): Array<{ getName(): string; getValue(): string }> })
          .getProperties()
          .map((p) => [p.getName(), p.getValue()]),
      ),
    );
    expect(env.KOODRIVE_STATE_DIR).toBe(STATE_DIR);
    expect(inRuntime('VOLUME').flatMap(json)).toEqual([STATE_DIR]);
    expect(inRuntime('WORKDIR').at(-1)!.getArgumentsContent()).toBe(DATA_DIR);
    expect(json(inRuntime('ENTRYPOINT').at(-1)!)).toEqual(['koodrive-backup']);
  });

  it('.dockerignore keeps local builds, dependencies, git and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of [
      '.git',
      'node_modules',
      'dist',
      'native/build',
      'native/prebuilds',
      '*.tgz',
      '.koodriverc',
      '*.env',
    ])
      expect(ignored).toContain(entry);
  });

  it(
    'the docs build the image with the package version, and every docker run mounts the volume and passes ' +
      'secrets from the environment',
    () => {
      const commands = shellCommands(read('docs/install.md'));
      expect(commands).toContain(`docker build -t koodrive-backup:${version} .`);
      const runs = commands.filter((c) => c.startsWith('docker run'));
      expect(runs.length).toBeGreaterThanOrEqual(2);
      for (const run of runs) {
        expect(run, run).toMatch(new RegExp(`-v \\S+:${STATE_DIR}(\\s|$)`));
        expect(run, run).toMatch(new RegExp(`-v \\S+:${DATA_DIR}:ro`));
        expect(run, run).toContain(`koodrive-backup:${version}`);
        // only -e NAME or --env-file
        for (const name of SECRET_VARS) expect(run, run).not.toMatch(new RegExp(`${name}=`));
        expect(run, run).toMatch(/--env-file \S+|(-e KOODRIVE_[A-Z_]+ ?)+/);
      }
    },
  );
});

describe('Kubernetes CronJob (deploy/kubernetes, docs/scale-out.md)', () => {
  const cronJob = parse(read('deploy/kubernetes/cronjob.yaml'));
  const pvc = parse(read('deploy/kubernetes/pvc.yaml'));
  const kustomization = parse(read('deploy/kubernetes/kustomization.yaml'));
  const job = cronJob.spec.jobTemplate.spec;
  const pod = job.template.spec;
  const container = pod.containers[0];
  const docs = read('docs/scale-out.md');

  it('is a batch/v1 CronJob that never overlaps itself', () => {
    expect(cronJob.apiVersion).toBe('batch/v1');
    expect(cronJob.kind).toBe('CronJob');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(cronJob.spec.schedule).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(kustomization.resources).toEqual(expect.arrayContaining(['pvc.yaml', 'cronjob.yaml']));
  });

  it(
    'treats exit codes as docs/exit-codes.md means them: 2, 3, 5 fail the Job, the rest retry as new pods, ' +
      'evictions do not count',
    () => {
      expect(pod.restartPolicy).toBe('Never'); // podFailurePolicy needs it
      expect(job.backoffLimit).toBeGreaterThanOrEqual(1);
      const rules = job.podFailurePolicy.rules as Array<{
        action: string;
        onExitCodes?: { containerName: string; operator: string; values: number[] };
        onPodConditions?: Array<{ type: string }>;
      }>;
      const failJob = rules.find((r) => r.action === 'FailJob')!;
      expect(failJob.onExitCodes!.operator).toBe('In');
      expect(failJob.onExitCodes!.containerName).toBe(container.name);
      expect([...failJob.onExitCodes!.values].sort()).toEqual([...NOT_RETRIED].sort());
      expect(rules.find((r) => r.action === 'Ignore')?.onPodConditions).toEqual([{ type: 'DisruptionTarget' }]);
      const exitDocs = read('docs/exit-codes.md');
      for (const code of NOT_RETRIED) expect(exitDocs).toMatch(new RegExp(`^\\| ${code} \\| \`[A-Z_]+\` \\|`, 'm'));
      // The grace period lets SIGTERM release the lock (exit 143) before SIGKILL.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    },
  );

  it('takes every credential from the Secret, and the docs create that Secret with those keys', () => {
    expect(container.envFrom).toEqual([{ secretRef: { name: SECRET_NAME } }]);
    for (const e of container.env as Array<{ name: string; value?: string }>)
      expect(SECRET_VARS, `${e.name} has a literal value`).not.toContain(e.name);
    const create = shellCommands(docs).find((c) => c.startsWith('kubectl create secret generic'));
    expect(create).toBeDefined();
    expect(create).toContain(`generic ${SECRET_NAME} `);
    for (const key of ['KOODRIVE_AUTH', 'KOODRIVE_USER_ID', 'KOODRIVE_APP_ID', 'KOODRIVE_APP_SECRET'])
      expect(create).toContain(`--from-literal=${key}=`);
  });

  it("keeps the state folder on the claim from pvc.yaml, at the image's volume, and reads the data read-only", () => {
    const stateMount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === STATE_DIR);
    const stateVolume = pod.volumes.find((v: { name: string }) => v.name === stateMount.name);
    expect(stateVolume.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(container.env).toContainEqual({ name: 'KOODRIVE_STATE_DIR', value: STATE_DIR });
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: DATA_DIR, readOnly: true }));
    expect(container.args.slice(0, 2)).toEqual(['upload', DATA_DIR]);
    expect(container.args).toContain('--wait-lock');
  });

  it("runs as the image's non-root user with a read-only root filesystem and a writable /tmp", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: NON_ROOT_UID, fsGroup: NON_ROOT_UID });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/tmp' }));
    expect(container.image).toMatch(new RegExp(`/koodrive-backup:${version.replace(/\./g, '\\.')}$`));
  });

  it(
    'sets memory from the peak RSS measured in docs/scale-out.md: request above it, limit at least 1.5× it; ' +
      'the docs name both',
    () => {
      const peaks = [...docs.matchAll(/peak RSS (\d+) MiB/g)].map((m) => Number(m[1]));
      expect(peaks.length).toBeGreaterThan(0);
      const peak = Math.max(...peaks);
      const { requests, limits } = container.resources;
      expect(mib(requests.memory)).toBeGreaterThan(peak);
      expect(mib(limits.memory)).toBeGreaterThanOrEqual(1.5 * peak);
      expect(docs).toContain(`requests.memory: ${requests.memory}`);
      expect(docs).toContain(`limits.memory: ${limits.memory}`);
    },
  );
});

describe('systemd units (deploy/systemd, docs/scale-out.md)', () => {
  /** `Key=value` lines of a unit file (systemd's INI dialect: no sections needed for these checks). */
  const settings = (rel: string) =>
    new Map(
      read(rel)
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
  const service = settings('deploy/systemd/koodrive-backup.service');
  const timer = settings('deploy/systemd/koodrive-backup.timer');

  it('the service is a oneshot upload with credentials from a file, retrying all but 2, 3, 5', () => {
    expect(service.get('Type')).toBe('oneshot');
    expect(service.get('EnvironmentFile')).toBe('/etc/koodrive-backup.env');
    expect(service.get('ExecStart')).toMatch(/koodrive-backup upload .*--wait-lock/);
    expect(service.get('Environment')).toBe(`KOODRIVE_STATE_DIR=${STATE_DIR}`);
    expect(service.get('Restart')).toBe('on-failure');
    expect(service.get('RestartPreventExitStatus')!.split(' ').map(Number).sort()).toEqual([...NOT_RETRIED].sort());
  });

  it('the timer catches up after downtime and spreads a fleet', () => {
    expect(timer.get('Persistent')).toBe('true');
    expect(timer.get('RandomizedDelaySec')).toBeDefined();
    expect(timer.get('OnCalendar')).toBeDefined();
  });
});

describe('GitHub composite action (action.yml, docs/scale-out.md)', () => {
  const action = parse(read('action.yml'));
  const steps = action.runs.steps as Array<{
    uses?: string;
    run?: string;
    shell?: string;
    env?: Record<string, string>;
    with?: Record<string, string>;
    if?: string;
    id?: string;
  }>;

  it('is a composite action whose scripts get inputs through the environment, never pasted in', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.paths.required).toBe(true);
    for (const step of steps.filter((s) => s.run)) {
      expect(step.shell).toBe('bash');
      expect(step.run).not.toContain('${{'); // expression injection
    }
  });

  it('installs the tarball, restores and always saves the upload state folder, and exposes the exit code', () => {
    const install = steps.find((s) => s.run?.includes('npm install --global'));
    expect(install).toBeDefined();
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    const backup = steps.find((s) => s.run?.includes('koodrive-backup upload'))!;
    expect(steps.indexOf(restore)).toBeLessThan(steps.indexOf(backup));
    expect(steps.indexOf(save)).toBeGreaterThan(steps.indexOf(backup));
    expect(save.if).toBe('always()');
    expect(restore.with!.path).toBe(backup.env!.KOODRIVE_STATE_DIR);
    expect(save.with!.path).toBe(backup.env!.KOODRIVE_STATE_DIR);
    expect(save.with!.key).toBe(restore.with!.key);
    expect(backup.run).toMatch(/--wait-lock "\$INPUT_WAIT_LOCK"/);
    expect(action.outputs['exit-code'].value).toBe(`\${{ steps.${backup.id}.outputs.exit-code }}`);
  });

  it('every workflow in the docs that uses the action passes only inputs it has, and secrets through env', () => {
    const uses = codeBlocks(read('docs/scale-out.md'), 'yaml')
      .flatMap((block) => parseAllDocuments(block).map((d) => d.toJS()))
      .flatMap((wf) =>
        Object.values(
          (wf?.jobs ?? {}) as Record<
            string,
            { steps?: Array<{ uses?: string; with?: Record<string, string>; env?: Record<string, string> }> }
          >,
        ),
      )
      .flatMap((j) => j.steps ?? [])
      .filter((s) => s.uses?.includes('koodrive-backup'));
    expect(uses.length).toBeGreaterThan(0);
    for (const step of uses) {
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
      expect(step.with?.paths).toBeDefined();
      expect(Object.keys(step.env ?? {}).some((k) => SECRET_VARS.includes(k))).toBe(true);
      for (const [k, v] of Object.entries(step.env ?? {}))
        if (SECRET_VARS.includes(k)) expect(v).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
  });
});
