/** Counters behind GET /_emulator/stats. */
import type { EmulatorStats, RequestKind } from './types.js';

export class StatsCollector {
  private readonly data: EmulatorStats = {
    putBytes: 0,
    putCount: 0,
    putAccepted: 0,
    getBytes: 0,
    requests: {},
    errors: {},
    extensions: {},
    faults: { status503: 0, status429: 0, resets: 0, stalls: 0, rules: 0 },
    filesCompleted: 0,
    rapidUploads: 0,
    recordsCompleted: 0,
    assembleMs: 0,
    connections: 0,
    tlsHandshakes: 0,
  };

  request(kind: RequestKind | 'other'): void {
    this.data.requests[kind] = (this.data.requests[kind] ?? 0) + 1;
    if (kind === 'put') this.data.putCount++;
  }

  extensionRequest(name: string, operation: string): void {
    const counts = (this.data.extensions[name] ??= {});
    counts[operation] = (counts[operation] ?? 0) + 1;
  }

  error(code: string | number): void {
    const key = String(code);
    this.data.errors[key] = (this.data.errors[key] ?? 0) + 1;
  }

  putBytes(n: number): void {
    this.data.putBytes += n;
  }

  getBytes(n: number): void {
    this.data.getBytes += n;
  }

  fault(type: keyof EmulatorStats['faults']): void {
    this.data.faults[type]++;
  }

  count(
    what: 'putAccepted' | 'filesCompleted' | 'rapidUploads' | 'recordsCompleted' | 'connections' | 'tlsHandshakes',
  ): void {
    this.data[what]++;
  }

  assembled(ms: number): void {
    this.data.assembleMs += Math.round(ms);
  }

  /** A deep copy, safe to hand out. */
  snapshot(): EmulatorStats {
    return structuredClone(this.data);
  }
}
