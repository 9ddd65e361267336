/**
 * Runs one exported async function of a TypeScript module in a worker thread, so the main process
 * (the Electron main or the web server) keeps answering while it works. The function receives its
 * params and a context with `progress()` and a cancel `signal`; cancel is cooperative.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

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
  const self = new URL(import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  // A worker does not inherit the tsx loader: register it, then load this file's worker half.
  const boot = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(self)}); }).catch((e) => { console.error(e); process.exit(70); })`;
  const worker = new Worker(boot, { eval: true, workerData: { x3ecgTask: { moduleUrl, exportName, params, cancel } } });
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
