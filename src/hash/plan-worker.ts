import { parentPort } from 'node:worker_threads';
import { backendByName } from './backends.js';
import { planFile } from './plan-file.js';
import { toWireError, type PlanWorkerReply, type PlanWorkerRequest } from './plan-worker-protocol.js';

// Runs planFile for the hash pool (hash-pool.ts), one job at a time per worker.
const port = parentPort;
if (!port)
  throw new Error('plan-worker.js is a worker_threads entry point; use HashPool instead of running it directly');

const running = new Map<number, AbortController>();

port.on('message', (msg: PlanWorkerRequest) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort(new Error('cancelled by the hash pool'));
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  const { backend, ...rest } = msg.opts;
  planFile(msg.file, { ...rest, backend: backendByName(backend), signal: controller.signal })
    .then(
      (plan): PlanWorkerReply => ({ id: msg.id, plan }),
      (err: unknown): PlanWorkerReply => ({ id: msg.id, error: toWireError(err) }),
    )
    .then((reply) => {
      running.delete(msg.id);
      port.postMessage(reply);
    });
});
