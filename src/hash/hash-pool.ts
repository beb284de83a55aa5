import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FilePlan } from './file-plan.js';
import type { BackendName } from './backends.js';
import type { PlanFileOptions } from './plan-file.js';
import { fromWireError, type PlanWorkerReply, type PlanWorkerRequest } from './plan-worker-protocol.js';

/** The compiled worker. From src/ (tests run TypeScript) it is the build in dist/, so build first. */
export function defaultPlanWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/hash/plan-worker.js', import.meta.url)
    : new URL('./plan-worker.js', import.meta.url);
}

export interface HashPoolOptions {
  /** Most files hashed at once; capped by os.availableParallelism(). Default: that number. */
  size?: number;
  /** Backend the workers use; default 'auto'. */
  backend?: BackendName;
  /** Worker script; default defaultPlanWorkerUrl(). */
  workerUrl?: URL;
}

/** planFile's options minus what cannot cross to a worker (the backend is chosen per pool). */
export type PooledPlanOptions = Omit<PlanFileOptions, 'backend'>;

interface Job {
  id: number;
  request: Extract<PlanWorkerRequest, { type: 'plan' }>;
  resolve(plan: FilePlan): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  worker?: Worker;
}

/** A bounded set of worker threads running planFile, so several files hash on several cores. */
export class HashPool {
  readonly size: number;
  private readonly backend: BackendName;
  private readonly workerUrl: URL;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: HashPoolOptions = {}) {
    const cores = availableParallelism();
    this.size = Math.max(1, Math.min(opts.size ?? cores, cores));
    this.backend = opts.backend ?? 'auto';
    this.workerUrl = opts.workerUrl ?? defaultPlanWorkerUrl();
    if (!existsSync(this.workerUrl)) {
      throw new Error(
        `the hash worker ${fileURLToPath(this.workerUrl)} does not exist; build the project first (npm run build)`,
      );
    }
  }

  /** planFile on a worker thread; same result and errors as planFile in this thread. */
  planFileInPool(file: { absPath: string; size: number }, opts: PooledPlanOptions): Promise<FilePlan> {
    if (this.closed) return Promise.reject(new Error('the hash pool is closed'));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<FilePlan>((resolve, reject) => {
      const id = this.nextId++;
      const { signal, ...rest } = opts;
      const job: Job = {
        id,
        request: {
          type: 'plan',
          id,
          file: { absPath: file.absPath, size: file.size },
          opts: { ...rest, backend: this.backend },
        },
        resolve,
        reject,
        signal,
      };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('the hash pool was closed before this file was hashed');
    for (const job of this.queue.splice(0)) this.settle(job, err);
    for (const job of [...this.busy.values()]) this.settle(job, err);
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    this.busy.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      job.worker = worker;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.workerUrl);
    worker.on('message', (reply: PlanWorkerReply) => {
      const job = this.busy.get(worker);
      if (!job || job.id !== reply.id) return;
      this.release(worker);
      if ('plan' in reply) this.settle(job, undefined, reply.plan);
      else this.settle(job, fromWireError(reply.error));
    });
    // A worker that dies takes its job with it; the pool spawns a fresh one for the next job.
    worker.on('error', (err) => this.lose(worker, err));
    worker.on('exit', (code) => this.lose(worker, new Error(`hash worker exited with code ${code}`)));
    return worker;
  }

  private lose(worker: Worker, err: Error): void {
    const job = this.busy.get(worker);
    this.busy.delete(worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    if (job) this.settle(job, err);
    if (!this.closed) this.pump();
  }

  private release(worker: Worker): void {
    this.busy.delete(worker);
    // Idle workers must not keep the process alive on their own.
    worker.unref();
    this.idle.push(worker);
    this.pump();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    else job.worker?.postMessage({ type: 'cancel', id: job.id } satisfies PlanWorkerRequest);
    this.settle(job, job.signal?.reason ?? new Error('aborted'));
  }

  private settle(job: Job, err: unknown, plan?: FilePlan): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    if (err !== undefined) job.reject(err);
    else job.resolve(plan!);
  }
}

/** A hash pool; close() it when done. */
export function createHashPool(opts: HashPoolOptions = {}): HashPool {
  return new HashPool(opts);
}
