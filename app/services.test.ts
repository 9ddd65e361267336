import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiEvent, JobInfo } from '../api/contract.ts';
import { createDispatch } from './dispatch.ts';
import { createServices, type Services } from './services.ts';

const dir = mkdtempSync(join(tmpdir(), 'x3ecg-services-'));
const shared = new URL('../../shared/data', import.meta.url).pathname;
let services: Services;
const events: ApiEvent[] = [];
let call: ReturnType<typeof createDispatch>;

before(async () => {
  services = await createServices({ archivePath: join(dir, 'archive.sqlite'), transport: 'web', emit: (e) => events.push(e) });
  call = createDispatch(services.handlers);
});
after(async () => {
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

async function finished(jobId: string): Promise<JobInfo> {
  const job = await services.jobs.wait(jobId);
  assert.equal(job.state, 'done', `job ${jobId} ${job.state}: ${job.error ?? ''}`);
  return job;
}

test('the demo archive imports in a worker with progress events, then lists with labels', async () => {
  const { jobId } = (await call('app.loadDemo', {})) as { jobId: string };
  const job = await finished(jobId);
  const summary = job.result as { imported: number; rejected: unknown[] };
  assert.ok(summary.imported >= 10, `imported ${summary.imported}`);
  assert.deepEqual(summary.rejected, []);
  assert.ok(events.some((e) => e.type === 'job' && e.job.jobId === jobId && e.job.progress?.phase === 'import'));
  const list = (await call('records.list', { limit: 5 })) as { total: number; rows: { labels: Record<string, string[]> }[] };
  assert.equal(list.total, summary.imported);
  assert.ok(list.rows.some((r) => Object.keys(r.labels).length > 0));
  const info = (await call('app.info', {})) as { records: number };
  assert.equal(info.records, summary.imported);
});

test('a record reads back in physical units with its channel metadata', async () => {
  const { rows } = (await call('records.list', { limit: 1 })) as { rows: { id: number }[] };
  const detail = (await call('records.get', { id: rows[0].id })) as { channels: { name: string; gain: number; baseline: number; samples: number }[] };
  const signal = (await call('records.signal', { id: rows[0].id })) as { leads: { name: string; values: number[]; units: string }[] };
  assert.equal(signal.leads.length, detail.channels.length);
  const raw = services.archive.channels(rows[0].id)[0];
  assert.equal(signal.leads[0].values.length, raw.samples.length);
  assert.ok(Math.abs(signal.leads[0].values[100] - (raw.samples[100] - raw.baseline) / raw.gain) < 1e-6);
  const only = (await call('records.signal', { id: rows[0].id, leads: ['II', 'V1'] })) as { leads: { name: string }[] };
  assert.deepEqual(only.leads.map((l) => l.name), ['II', 'V1']);
  await assert.rejects(call('records.get', { id: 999_999 }));
});

test('labels: set, history with provenance, undo as a new event', async () => {
  const { rows } = (await call('records.list', { limit: 2 })) as { rows: { id: number }[] };
  const id = rows[0].id;
  const e1 = (await call('labels.set', { recordId: id, labelSet: 'chapman4', classes: ['SB'], annotator: 'dr a' })) as { id: number; kind: string; source: string };
  assert.equal(e1.kind, 'annotator');
  assert.equal(e1.source, 'dr a');
  const undo = (await call('labels.undo', { annotator: 'dr a' })) as { kind: string } | null;
  assert.equal(undo?.kind, 'undo');
  const history = (await call('labels.history', { recordId: id })) as { id: number; kind: string }[];
  assert.ok(history.some((h) => h.id === e1.id));
  assert.ok(history.some((h) => h.kind === 'undo'));
  await assert.rejects(call('labels.set', { recordId: id, labelSet: 'chapman4', classes: ['NOT-A-CLASS'], annotator: 'dr a' }));
});

test('a prediction on a record stored at 100 Hz carries the rate caveat of the shipped model; one at 500 Hz none', { timeout: 120_000 }, async () => {
  const { rows } = (await call('records.list', { limit: 100 })) as { rows: { id: number; name: string; fs: number }[] };
  const low = rows.find((r) => r.fs === 100);
  const full = rows.find((r) => r.fs === 500);
  assert.ok(low && full, 'the demo set has a 100 Hz and a 500 Hz record');
  const { jobId } = (await call('models.predict', { task: 'chapman4', recordIds: [low.id, full.id] })) as { jobId: string };
  await finished(jobId);
  const atLow = (await call('models.prediction', { task: 'chapman4', recordId: low.id })) as { caveats?: string[]; probabilities: number[] };
  assert.equal(atLow.probabilities.length, 4);
  assert.equal(atLow.caveats?.length, 1, `caveats on ${low.name}: ${JSON.stringify(atLow.caveats)}`);
  // the shipped chapman4 model trained on 304 records stored at 100 Hz, every one SR
  assert.match(atLow.caveats![0], /Stored at 100 Hz.*Every record stored at 100 Hz this model trained on \(304\) was SR/);
  const atFull = (await call('models.prediction', { task: 'chapman4', recordId: full.id })) as { caveats?: string[] };
  assert.equal(atFull.caveats, undefined);
  // the registry shows the same table the caveat is written from
  const versions = (await call('models.list', { task: 'chapman4' })) as { active: boolean; data?: { rates?: { fs: number; records: number; classes: Record<string, number> }[] } }[];
  const rates = versions.find((v) => v.active)!.data!.rates!;
  assert.deepEqual(rates.find((r) => r.fs === 100), { fs: 100, records: 304, classes: { SR: 304 } });
});

test('the review queue lists model-ready records of the label set', async () => {
  const q = (await call('review.queue', { labelSet: 'chapman4', order: 'margin', limit: 50 })) as { recordIds: number[]; scores: number[] };
  assert.ok(q.recordIds.length > 0);
  assert.equal(q.recordIds.length, q.scores.length);
});

test('an import lists each rejected file with its reason while it runs, and the good records still go in', async () => {
  const folder = join(dir, 'mixed');
  mkdirSync(folder);
  writeFileSync(join(folder, 'broken.hea'), 'broken 12 500 5000\nbroken.dat 16 200/mV 16 0 0 0 0 I\n'); // signal file missing
  writeFileSync(join(folder, 'empty.hea'), '');
  const before = services.archive.recordCount();
  const { jobId } = (await call('records.import', { paths: [folder, join(shared, 'georgia', 'E00001.hea')] })) as { jobId: string };
  const job = await finished(jobId);
  const summary = job.result as { imported: number; duplicates: number; rejected: { file: string; reason: string }[] };
  assert.equal(summary.rejected.length, 2);
  const live = events.filter((e) => e.type === 'job' && e.job.jobId === jobId).flatMap((e) => (e.type === 'job' ? e.job.progress?.errors ?? [] : []));
  for (const r of summary.rejected) {
    assert.ok(live.some((l) => l.file === r.file && l.reason === r.reason), `progress events carry ${r.file}`);
    assert.match(r.file, /(broken|empty)\.hea$/);
    assert.ok(r.reason.length > 5);
  }
  assert.equal(services.archive.recordCount(), before + summary.imported);
  assert.equal(summary.imported + summary.duplicates, 1);
});
