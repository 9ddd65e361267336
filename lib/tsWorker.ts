/**
 * A worker thread running a TypeScript module. Node 20 refuses a .ts worker entry, and a worker does not
 * inherit the tsx loader the main thread registered: the worker starts from a one-line script that
 * registers tsx in its own thread, then imports the entry. A failure to load exits with code 70.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); }).catch((e) => { console.error(e); process.exit(70); })`;
  return new Worker(boot, { ...options, eval: true });
}
