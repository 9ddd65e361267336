/**
 * Main-side handle on model jobs: each job runs in its own worker thread (TF.js and onnxruntime keep
 * their memory there and give it back when the job ends). The UI's job registry and the CLI use this.
 */
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../../lib/tsWorker.ts';
import { randomUUID } from 'node:crypto';
import type { JobKind, JobParams, JobProgress, JobResult } from './tasks.ts';
import type { WorkerMessage } from './worker.ts';

export class JobCancelledError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

interface Running {
  worker: Worker;
  cancel: Int32Array;
  listeners: Set<(p: JobProgress) => void>;
  result: Promise<unknown>;
  hardStop?: NodeJS.Timeout;
}

export class JobRunner {
  private readonly jobs = new Map<string, Running>();
  private readonly allListeners = new Set<(jobId: string, p: JobProgress) => void>();

  /** Starts a job in a new worker; returns its id at once. */
  start<K extends JobKind>(kind: K, params: JobParams<K>): string {
    const jobId = `${kind}-${randomUUID().slice(0, 8)}`;
    const cancelBuf = new SharedArrayBuffer(4);
    const worker = startTsWorker(new URL('./worker.ts', import.meta.url), { execArgv: ['--import', 'tsx'], workerData: { kind, params, cancel: cancelBuf } });
    const listeners = new Set<(p: JobProgress) => void>();
    const result = new Promise<unknown>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          for (const l of listeners) l(m.progress);
          for (const l of this.allListeners) l(jobId, m.progress);
        } else if (m.type === 'result') {
          settled = true;
          resolve(m.result);
        } else {
          settled = true;
          reject(m.cancelled ? new JobCancelledError(jobId) : new Error(m.message));
        }
      });
      worker.on('error', (err) => {
        settled = true;
        reject(err);
      });
      worker.on('exit', (code) => {
        const r = this.jobs.get(jobId);
        if (r?.hardStop) clearTimeout(r.hardStop);
        this.jobs.delete(jobId);
        if (!settled) reject(Atomics.load(new Int32Array(cancelBuf), 0) === 1 ? new JobCancelledError(jobId) : new Error(`job ${jobId}: worker exited with code ${code}`));
      });
    });
    result.catch(() => {}); // callers observe it through result(); never an unhandled rejection
    this.jobs.set(jobId, { worker, cancel: new Int32Array(cancelBuf), listeners, result });
    return jobId;
  }

  onProgress(jobId: string, listener: (p: JobProgress) => void): () => void {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`no running job ${jobId}`);
    j.listeners.add(listener);
    return () => j.listeners.delete(listener);
  }

  /** Progress of every job. */
  onAnyProgress(listener: (jobId: string, p: JobProgress) => void): () => void {
    this.allListeners.add(listener);
    return () => this.allListeners.delete(listener);
  }

  result<K extends JobKind>(jobId: string): Promise<JobResult<K>> {
    const j = this.jobs.get(jobId);
    if (!j) return Promise.reject(new Error(`no running job ${jobId}`));
    return j.result as Promise<JobResult<K>>;
  }

  /**
   * Asks the job to stop at its next batch; a job that does not stop within `graceMs` (one long
   * kernel) is terminated. Checkpoints already written stay; parents are never modified.
   */
  cancel(jobId: string, graceMs = 30_000): void {
    const j = this.jobs.get(jobId);
    if (!j) return;
    Atomics.store(j.cancel, 0, 1);
    j.hardStop ??= setTimeout(() => void j.worker.terminate(), graceMs);
    j.hardStop.unref();
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.worker.terminate()));
    this.jobs.clear();
  }
}
