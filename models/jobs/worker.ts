/**
 * The model worker: runs one job (predict, evaluate, explain, train, prune) off the main thread, posts
 * progress, and stops at the next batch once the shared cancel flag is set.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JOBS, type JobKind, type JobProgress } from './tasks.ts';

export interface WorkerInput {
  kind: JobKind;
  params: unknown;
  /** Int32Array(1) over a SharedArrayBuffer: 1 = cancel. */
  cancel: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; cancelled: boolean };

const input = workerData as WorkerInput;
const flag = new Int32Array(input.cancel);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

const job = JOBS[input.kind] as (p: unknown, ctx: { progress(p: JobProgress): void; signal: { readonly aborted: boolean } }) => Promise<unknown>;
if (!job) {
  post({ type: 'error', message: `unknown job kind ${String(input.kind)}`, cancelled: false });
} else {
  const signal = {
    get aborted() {
      return Atomics.load(flag, 0) === 1;
    },
  };
  try {
    const result = await job(input.params, { progress: (progress) => post({ type: 'progress', progress }), signal });
    post({ type: 'result', result });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), cancelled: signal.aborted });
  }
}
