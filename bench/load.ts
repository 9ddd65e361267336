/**
 * Load: does the API keep answering while a full training job runs? Starts web mode (`x3ecg serve`, a
 * child process, as a user would) on a temporary archive, imports the shared data (719 records, with
 * labels.csv) through the API, then measures records.list filter queries over loopback HTTP — first on an
 * idle server (the baseline), then while a full-network training job (chapman4, from scratch) keeps the
 * CPU busy in its worker. Prints p50/p95/max and the ratio to the baseline. Goal: p95 < 100 ms under load.
 * LOAD_QUERIES overrides the number of queries per phase.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const QUERIES = Number(process.env.LOAD_QUERIES ?? 300);

interface Job {
  jobId: string;
  kind: string;
  state: string;
  error?: string;
  progress?: { phase?: string; done?: number; total?: number; epoch?: number };
}

/** A mix of the record list's filters, sorts and pages (what the Archive view sends). */
const FILTERS: Record<string, unknown>[] = [
  { limit: 100 },
  { labelSet: 'chapman4', label: 'SR', limit: 100 },
  { labelSet: 'cpsc9', label: 'AF', sort: 'duration', desc: true },
  { search: 'A0', limit: 50 },
  { search: '00', sort: 'name', offset: 200, limit: 100 },
  { labelSet: 'chapman4', sort: 'confidence', desc: true, limit: 200 },
  { labelSet: 'cpsc9', reviewed: false, sort: 'rate' },
  { labelSet: 'chapman4', disagreement: false, sort: 'imported', offset: 400, limit: 100 },
  { origin: 'ptbxl_records100', limit: 100 },
  { labelSet: 'cpsc9', label: 'RBBB', minConfidence: 0, maxConfidence: 1 },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startServe(archive: string): Promise<{ origin: string; token: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/x3ecg.mjs'), 'serve', '--archive', archive, '--port', '0', '--no-open'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<URL>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(new URL(m[1]));
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`serve exited ${code}: ${out}`));
    });
  });
  return {
    origin: url.origin,
    token: url.searchParams.get('token')!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function run(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-load-'));
  const server = await startServe(join(tmp, 'load.x3ecg'));
  const api = async <T>(method: string, input: unknown): Promise<T> => {
    const res = await fetch(`${server.origin}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-x3ecg-token': server.token }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (!res.ok) throw new Error(`${method}: ${res.status} ${body.error?.message}`);
    return body.result as T;
  };
  const job = async (jobId: string) => (await api<Job[]>('jobs.list', {})).find((j) => j.jobId === jobId)!;
  const perFilter = FILTERS.map(() => [] as number[]);
  const measure = async (n: number): Promise<number[]> => {
    const ms: number[] = [];
    perFilter.forEach((f) => (f.length = 0));
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await api('records.list', FILTERS[i % FILTERS.length]);
      ms.push(performance.now() - t);
      perFilter[i % FILTERS.length].push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b);
  };
  const byFilter = () =>
    FILTERS.map((f, i) => `  ${JSON.stringify(f).padEnd(90)} p50 ${percentile(perFilter[i].sort((a, b) => a - b), 50).toFixed(1)} ms`).join('\n');
  const line = (label: string, ms: number[]) =>
    `${label}: p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms (${ms.length} records.list queries)`;
  try {
    const t0 = performance.now();
    const imp = await api<{ jobId: string }>('records.import', { paths: [DATA], labelsCsv: join(DATA, 'labels.csv') });
    let j = await job(imp.jobId);
    while (j.state === 'running' || j.state === 'queued') {
      await new Promise((r) => setTimeout(r, 250));
      j = await job(imp.jobId);
    }
    if (j.state !== 'done') throw new Error(`import ${j.state}: ${j.error}`);
    const info = await api<{ records: number }>('app.info', {});
    console.log(`archive: ${info.records} records imported through the API in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    await measure(20); // warm the statement cache
    const idle = await measure(QUERIES);
    console.log(line('idle server', idle));
    console.log(byFilter());

    const train = await api<{ jobId: string }>('models.train', { task: 'chapman4', mode: 'full', epochs: 50, labelSource: 'ground-truth' });
    // Wait until the worker is inside a training epoch (records loaded, the network stepping).
    const t1 = performance.now();
    for (j = await job(train.jobId); j.state === 'running' || j.state === 'queued'; j = await job(train.jobId)) {
      if (j.progress?.phase === 'train') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (j.progress?.phase !== 'train') throw new Error(`training did not start: ${j.state} ${j.error ?? ''}`);
    console.log(`full training job in its worker: stepping after ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const busy = await measure(QUERIES);
    const after = await job(train.jobId);
    console.log(line('during full training', busy));
    console.log(byFilter());
    console.log(`training still running after the measurement: ${after.state === 'running'} (epoch ${after.progress?.epoch ?? '?'}, batch ${after.progress?.done ?? '?'}/${after.progress?.total ?? '?'})`);
    const p95 = percentile(busy, 95);
    console.log(`p95 under load / idle: ${(p95 / percentile(idle, 95)).toFixed(2)}x; goal p95 < 100 ms: ${p95 < 100 ? 'met' : 'NOT met'}`);
    await api('jobs.cancel', { jobId: train.jobId });
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
