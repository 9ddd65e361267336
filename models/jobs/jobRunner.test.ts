import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobCancelledError, JobRunner } from './jobRunner.ts';
import type { JobProgress } from './tasks.ts';
import { smallChapmanSplit, dataDir } from '../testing/smallDataset.ts';
import { sharedLabels } from '../data/sharedDataset.ts';
import { fixtureWeights } from '../testing/parityFixture.ts';
import { configFor } from '../testing/packageConfig.ts';
import { loadModelPackage, saveModelPackage } from '../package/modelPackage.ts';

const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-jobs-'));
const runner = new JobRunner();
test.after(async () => {
  await runner.shutdown();
  rmSync(tmp, { recursive: true, force: true });
});

const parentDir = join(tmp, 'models', 'parent');
saveModelPackage(parentDir, configFor('parent'), fixtureWeights(4));
const { train, val } = smallChapmanSplit(5, 2);
const names = [...train, ...val].map((e) => e.key);
const source = { kind: 'shared' as const, dataDir, names };

test('a train job in a worker posts progress, writes a new version and leaves the parent alone', async () => {
  const id = runner.start('train', { task: 'chapman4', source, parent: parentDir, mode: 'head', epochs: 3, seed: 1, batchSize: 8, patience: 0, modelsDir: join(tmp, 'models') });
  const events: JobProgress[] = [];
  runner.onProgress(id, (p) => events.push(p));
  const r = await runner.result<'train'>(id);
  assert.ok(events.some((e) => e.phase === 'features'));
  assert.deepEqual(events.filter((e) => e.phase === 'epoch').map((e) => e.epoch), [1, 2, 3]);
  assert.ok(events.filter((e) => e.phase === 'train').every((e) => typeof e.loss === 'number' && e.total > 0));
  assert.equal(r.epochs, 3);
  // the run checkpointed every epoch; once its package is saved the checkpoint has no use and is gone
  assert.deepEqual(readdirSync(join(tmp, 'models', '.checkpoints')), []);
  const pkg = loadModelPackage(r.dir);
  assert.equal(pkg.config.provenance.parent, 'parent');
  assert.equal(pkg.config.provenance.origin, 'train');
  assert.ok((pkg.config.provenance.splitIds!.val as string[]).length >= 4);
  // what it trained on per stored rate (for the caveat on records stored below 500 Hz): every train record, once
  const rates = pkg.config.provenance.trainingRates!;
  assert.equal(rates.reduce((s, r) => s + r.records, 0), pkg.config.provenance.splitIds!.train.length);
  assert.ok(rates.every((r) => [100, 500].includes(r.fs) && Object.values(r.classes).reduce((s, n) => s + n, 0) === r.records));
  assert.ok(typeof r.valMacroF1 === 'number' && /^tfjs-/.test(r.backend));
  const parent = loadModelPackage(parentDir);
  for (const [k, t] of fixtureWeights(4)) assert.deepEqual(parent.weights.get(k)!.data, t.data);

  const pred = runner.start('predict', { model: r.dir, source: { kind: 'shared', dataDir, names: names.slice(0, 3) } });
  const rows = (await runner.result<'predict'>(pred)).rows;
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.equal(row.probabilities.length, 4);
    assert.ok(Math.abs(row.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(row.scores.length, 3);
  }
  // a record shorter than the 10 s window is read zero-padded, and its row says so
  const short = { key: 'short', input: { fs: 500, length: 3000, data: new Float32Array(9000).map((_, i) => Math.sin(i / 50)) } };
  const shortRows = (await runner.result<'predict'>(runner.start('predict', { model: r.dir, source: { kind: 'inline', records: [short] } }))).rows;
  assert.deepEqual(shortRows[0].caveats, ['Only 6.0 s long: the model reads 10 s, so the last 4.0 s of its window are zeros.']);
  assert.equal(rows[0].caveats, undefined, 'a 10 s record at 500 Hz has none');
  const ev = runner.start('evaluate', { model: r.dir, source });
  const e = await runner.result<'evaluate'>(ev);
  assert.equal(e.n, names.length);
  assert.equal((e.confusion as number[][]).flat().reduce((a, b) => a + b, 0), names.length);
});

test('a train job can start from the backbones of another task\'s model: cpsc9 on a chapman4 model keeps its leads, with a fresh 9-class classifier', async () => {
  const rows = sharedLabels(dataDir, 'cpsc9').filter((r) => !r.source.endsWith('records100')).slice(0, 12);
  const cpsc9 = { kind: 'shared' as const, dataDir, names: rows.map((r) => r.name) };
  const params = { task: 'cpsc9', source: cpsc9, mode: 'head' as const, epochs: 1, seed: 3, batchSize: 8, patience: 0, modelsDir: join(tmp, 'transfer') };
  const r = await runner.result<'train'>(runner.start('train', { ...params, backbonesFrom: parentDir }));
  const pkg = loadModelPackage(r.dir);
  assert.equal(pkg.config.task.labelSet, 'cpsc9');
  assert.deepEqual(pkg.weights.get('classifier.fc.weight')!.shape, [9, 512]);
  assert.equal(pkg.config.provenance.parent, null);
  assert.equal((pkg.config.provenance.hyperParameters as { backbonesFrom?: string }).backbonesFrom, 'parent');
  let leads = 0;
  for (const [k, t] of fixtureWeights(4)) {
    if (!k.startsWith('lead')) continue;
    assert.deepEqual(pkg.weights.get(k)!.data, t.data, `${k}: head mode trains on the donor's frozen backbones`);
    leads++;
  }
  assert.ok(leads > 100);
  await assert.rejects(runner.result(runner.start('train', { ...params, parent: parentDir })), /chapman4 model cannot be fine-tuned for cpsc9/);
  await assert.rejects(runner.result(runner.start('train', { ...params, parent: parentDir, backbonesFrom: parentDir })), /not both/);
});

test('cancel stops a running job at the next batch; no version is written', async () => {
  const modelsDir = join(tmp, 'cancel-models');
  const id = runner.start('train', { task: 'chapman4', source, parent: parentDir, mode: 'last-stage', epochs: 50, seed: 2, batchSize: 4, patience: 0, modelsDir });
  let trainEvents = 0;
  let afterCancel = 0;
  runner.onProgress(id, (p) => {
    if (p.phase !== 'train') return;
    if (++trainEvents === 1) runner.cancel(id);
    else afterCancel++;
  });
  await assert.rejects(runner.result(id), JobCancelledError);
  // the flag is read between batches: at most the batch already running when it was set completes
  assert.ok(trainEvents >= 1 && afterCancel <= 1, `${afterCancel} batches after cancel`);
  const versions = existsSync(modelsDir) ? readdirSync(modelsDir).filter((f) => !f.startsWith('.')) : [];
  assert.deepEqual(versions, []);
});
