/**
 * Runs one exported async function of a TypeScript module in a worker thread, so the main process
 * (the Electron main or the web server) keeps answering while it works. The function receives its
 * params and a context with `progress()` and a cancel `signal`; cancel is cooperative.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startTsWorker } from '../lib/tsWorker.ts';

export interface TaskContext<P> {
  progress(p: P): void;
  signal: { readonly aborted: boolean };
}

type Msg<P> = { type: 'progress'; progress: P } | { type: 'result'; result: unknown } | { type: 'error'; message: string };

export function runWorkerTask<P, R>(
  moduleUrl: string,
  exportName: string,
  params: unknown,
  opts: { onProgress?: (p: P) => void; signal?: AbortSignal } = {},
): Promise<R> {
  const cancel = new SharedArrayBuffer(4);
  // this same file, whose worker half runs the task
  const worker = startTsWorker(new URL(import.meta.url), { workerData: { x3ecgTask: { moduleUrl, exportName, params, cancel } } });
  const onAbort = () => Atomics.store(new Int32Array(cancel), 0, 1);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<R>((ok, fail) => {
    let settled = false;
    worker.on('message', (m: Msg<P>) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else {
        settled = true;
        if (m.type === 'result') ok(m.result as R);
        else fail(new Error(m.message));
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      settled = true;
      fail(e);
    });
    worker.on('exit', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!settled) fail(new Error(`worker exited with code ${code}`));
    });
  });
}

// ---- worker half -----------------------------------------------------------------------------
if (!isMainThread && workerData?.x3ecgTask && parentPort) {
  const { moduleUrl, exportName, params, cancel } = workerData.x3ecgTask as { moduleUrl: string; exportName: string; params: unknown; cancel: SharedArrayBuffer };
  const flag = new Int32Array(cancel);
  const port = parentPort;
  const ctx: TaskContext<unknown> = {
    progress: (progress) => port.postMessage({ type: 'progress', progress }),
    signal: {
      get aborted() {
        return Atomics.load(flag, 0) === 1;
      },
    },
  };
  (async () => {
    try {
      const mod = (await import(moduleUrl)) as Record<string, (p: unknown, c: TaskContext<unknown>) => Promise<unknown>>;
      port.postMessage({ type: 'result', result: await mod[exportName](params, ctx) });
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
}
