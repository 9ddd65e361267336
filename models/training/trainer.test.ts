import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../backend.ts';
import { fixtureWeights } from '../testing/parityFixture.ts';
import { smallChapmanSplit } from '../testing/smallDataset.ts';
import { CancelledError, makeBatches, train, trainingFinished, TRAIN_DEFAULTS, type TrainProgress } from './trainer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-train-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const { train: trainSet, val: valSet } = smallChapmanSplit(10, 3); // 40 train + 12 val real records
const parent = fixtureWeights(4);
const headOpts = { mode: 'head' as const, numClasses: 4, multilabel: false, epochs: 6, batchSize: 16, lr: 3e-3, seed: 7, patience: 0, cacheDir: join(tmp, 'cache') };

test('a trailing batch of one joins the previous batch (attention BN needs two)', () => {
  assert.deepEqual(makeBatches([0, 1, 2, 3, 4], 2), [[0, 1], [2, 3, 4]]);
  assert.deepEqual(makeBatches([0, 1, 2, 3], 2), [[0, 1], [2, 3]]);
});

test('head training on real records: loss falls, features cached once, backbones untouched, parent untouched', async () => {
  await initBackend();
  assert.ok(trainSet.length >= 30 && valSet.length >= 8);
  const parentCopy = new Map([...parent].map(([k, t]) => [k, t.data.slice()]));
  const phases = new Set<string>();
  const r = await train(parent, trainSet, valSet, { ...headOpts, onProgress: (p) => phases.add(p.phase) });
  assert.equal(r.history.length, 6);
  assert.ok(r.history[5].loss < r.history[0].loss, `loss ${r.history.map((h) => h.loss.toFixed(4))}`);
  assert.deepEqual(r.featureCache, { hits: 0, misses: trainSet.length + valSet.length + 1 });
  for (const [k, t] of parent) assert.deepEqual(t.data, parentCopy.get(k), `parent ${k} changed`);
  for (const [k, t] of r.weights) if (k.startsWith('lead')) assert.deepEqual(t.data, parent.get(k)!.data, `${k} moved in head mode`);
  assert.notDeepEqual(r.weights.get('classifier.fc.weight')!.data, parent.get('classifier.fc.weight')!.data);
  assert.ok(['features', 'train', 'epoch', 'done'].every((p) => phases.has(p)));
  // a second run reads every record's features from the disk cache
  const again = await train(parent, trainSet, valSet, { ...headOpts, epochs: 1 });
  assert.equal(again.featureCache!.misses, 0);
});

test('an interrupted run resumes from its last checkpoint and ends exactly like an uninterrupted one', async () => {
  await initBackend();
  const full = await train(parent, trainSet, valSet, { ...headOpts, epochs: 4, checkpointDir: join(tmp, 'ckA') });
  const ac = new AbortController();
  const events: TrainProgress[] = [];
  await assert.rejects(
    train(parent, trainSet, valSet, {
      ...headOpts,
      epochs: 4,
      checkpointDir: join(tmp, 'ckB'),
      signal: ac.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.phase === 'epoch' && p.epoch === 2) ac.abort();
      },
    }),
    CancelledError,
  );
  assert.ok(!events.some((e) => e.epoch === 3 && e.phase === 'epoch'));
  const resumed = await train(parent, trainSet, valSet, { ...headOpts, epochs: 4, checkpointDir: join(tmp, 'ckB') });
  assert.equal(resumed.resumedFrom, 2);
  assert.deepEqual(resumed.history, full.history.map((h, i) => ({ ...h, seconds: resumed.history[i].seconds })));
  for (const [k, t] of full.weights) assert.deepEqual(resumed.weights.get(k)!.data, t.data, k);
  assert.ok(readdirSync(join(tmp, 'ckB')).includes('checkpoint.json'));
});

test('last-stage fine-tune moves stage 3 and the head only', async () => {
  await initBackend();
  const small = { train: trainSet.filter((_, i) => i % 5 === 0), val: valSet.filter((_, i) => i % 3 === 0) };
  const tensorsBefore = tf.memory().numTensors;
  const r = await train(parent, small.train, small.val, { mode: 'last-stage', numClasses: 4, multilabel: false, epochs: 1, batchSize: 4, lr: 1e-3, seed: 3, patience: 0 });
  // a tensor left per step fills the wasm heap over a long run: a run must leave none behind
  assert.equal(tf.memory().numTensors - tensorsBefore, 0, 'training left tensors behind');
  assert.equal(r.history.length, 1);
  assert.ok(Number.isFinite(r.history[0].loss));
  for (const [k, t] of r.weights) {
    const moved = t.data.some((v, i) => v !== parent.get(k)!.data[i]);
    if (/^lead\d\.stage[012]\./.test(k) || k.includes('.stem.')) assert.ok(!moved, `${k} moved`);
    if (/^lead0\.stage3\.block1\.conv2\.pw\.weight$/.test(k) || k === 'lead2.stage3.block0.bn1.running_mean' || k === 'attention.fc1.weight') assert.ok(moved, `${k} did not move`);
  }
});

test('low-rate augmentation shows training windows as if stored at 100 Hz; off, it leaves the random stream as it was', async () => {
  await initBackend();
  const small = { train: trainSet.filter((_, i) => i % 5 === 0), val: valSet.filter((_, i) => i % 3 === 0) };
  const opts = { mode: 'last-stage' as const, numClasses: 4, multilabel: false, epochs: 1, batchSize: 4, lr: 1e-3, seed: 3, patience: 0 };
  const plain = await train(parent, small.train, small.val, opts);
  const off = await train(parent, small.train, small.val, { ...opts, lowRate: 0 });
  const low = await train(parent, small.train, small.val, { ...opts, lowRate: 1 });
  assert.equal(off.history[0].loss, plain.history[0].loss, 'lowRate 0 is the run without it');
  assert.notEqual(low.history[0].loss, plain.history[0].loss, 'band-limited windows give another loss');
  await assert.rejects(train(parent, small.train, small.val, { ...headOpts, epochs: 1, lowRate: 0.5 }), /low-rate augmentation needs mode full or last-stage/);
  await assert.rejects(train(parent, small.train, small.val, { ...opts, lowRate: 2 }), /lowRate is a probability/);
});

test('multilabel thresholds are 0.5 by default; the authors\' rule chooses them on validation from the same finished run', async () => {
  await initBackend();
  const opts = { ...headOpts, multilabel: true, epochs: 2, checkpointDir: join(tmp, 'ckThresholds') };
  const half = await train(parent, trainSet, valSet, opts);
  assert.deepEqual(half.thresholds, [0.5, 0.5, 0.5, 0.5]);
  assert.equal(half.valMacroF1, Math.max(...half.history.map((h) => h.valMacroF1)), 'the best epoch\'s own score, taken at 0.5');
  const authors = await train(parent, trainSet, valSet, { ...opts, thresholdRule: 'authors' });
  assert.equal(authors.resumedFrom, 2, 'the rule acts after the last epoch, so the finished run is reused');
  for (const [k, t] of half.weights) assert.deepEqual(authors.weights.get(k)!.data, t.data, k);
  assert.equal(authors.thresholds!.length, 4);
  assert.ok(authors.thresholds!.some((t) => t !== 0.5), `chosen on validation: ${authors.thresholds}`);
  const single = await train(parent, trainSet, valSet, { ...headOpts, epochs: 1 });
  assert.equal(single.thresholds, null, 'single-label: argmax');
});

test('early stopping waits for the cosine schedule to reach its floor, then stops after `patience` epochs without a better score', () => {
  const o = { epochs: 70, patience: 15, cosine: true, tMax: 40 };
  assert.equal(trainingFinished({ epoch: 22, epochsSinceBest: 15 }, o), false, 'an early spike does not end a run mid-anneal');
  assert.equal(trainingFinished({ epoch: 39, epochsSinceBest: 32 }, o), false);
  assert.equal(trainingFinished({ epoch: 40, epochsSinceBest: 33 }, o), true);
  assert.equal(trainingFinished({ epoch: 55, epochsSinceBest: 14 }, o), false);
  assert.equal(trainingFinished({ epoch: 55, epochsSinceBest: 15 }, o), true);
  assert.equal(trainingFinished({ epoch: 70, epochsSinceBest: 0 }, o), true, 'the last epoch ends it');
  assert.equal(trainingFinished({ epoch: 22, epochsSinceBest: 15 }, { ...o, cosine: false }), true, 'a constant learning rate stops on patience alone');
  assert.equal(trainingFinished({ epoch: 60, epochsSinceBest: 60 }, { ...o, patience: 0 }), false, 'patience 0 never stops early');
  assert.equal(TRAIN_DEFAULTS.tMax, 40);
});
