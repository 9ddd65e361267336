import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../backend.ts';
import { fixtureInputs, fixtureWeights, maxAbsDiff } from '../testing/parityFixture.ts';
import { smallChapmanSplit } from '../testing/smallDataset.ts';
import { configFor } from '../testing/packageConfig.ts';
import { loadModelPackage, packageSizeOnDisk, saveModelPackage } from '../package/modelPackage.ts';
import { TfjsModel } from '../tfjsModel.ts';
import { globalMagnitudeMasks, gradualSparsity, pooledSparsity } from './magnitude.ts';
import { pruneAndFineTune } from './prune.ts';

const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-prune-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('80 % pruning with a masked fine-tune: target sparsity, masked weights exactly zero, compact package reloads', async () => {
  await initBackend();
  const parent = fixtureWeights(4);
  const { train, val } = smallChapmanSplit(6, 2);
  const out = await pruneAndFineTune(parent, train, val, { sparsity: 0.8, fineTuneEpochs: 2, mode: 'head', numClasses: 4, multilabel: false, batchSize: 8, lr: 1e-3, seed: 5, cacheDir: join(tmp, 'cache') });
  assert.ok(out.fineTune && out.fineTune.history.length === 2);
  const masks = globalMagnitudeMasks(parent, 0.8, 4).masks;
  let movedUnmasked = false;
  for (const [name, m] of masks) {
    const w = out.weights.get(name)!.data;
    for (let i = 0; i < m.length; i++) {
      if (!m[i]) assert.equal(w[i], 0, `${name}[${i}] is not zero`);
      else if (name.startsWith('attention') && w[i] !== parent.get(name)!.data[i]) movedUnmasked = true;
    }
  }
  assert.ok(movedUnmasked, 'fine-tune changed no surviving head weight');
  const sp = pooledSparsity(out.weights, 4);
  assert.ok(sp.sparsity >= 0.8 && sp.sparsity < 0.8001, `sparsity ${sp.sparsity}`);

  const dense = join(tmp, 'dense');
  const sparse32 = join(tmp, 'sparse32');
  const sparse16 = join(tmp, 'sparse16');
  saveModelPackage(dense, configFor('dense'), out.weights);
  saveModelPackage(sparse32, configFor('s32', 'prune'), out.weights, { storage: 'sparse-float32' });
  const cfg16 = saveModelPackage(sparse16, configFor('s16', 'prune'), out.weights, { storage: 'sparse-float16' });
  assert.ok(cfg16.weights.sparsity >= 0.8);
  const [d, s32, s16] = [dense, sparse32, sparse16].map(packageSizeOnDisk);
  assert.ok(s32 < d / 2.5 && s16 < s32 * 0.7, `sizes ${d} ${s32} ${s16}`);

  const x = fixtureInputs();
  const windows = [0, 1, 2].map((i) => x.slice(i * 15000, (i + 1) * 15000));
  const logitsOf = (w: Map<string, { shape: number[]; data: Float32Array }>) => {
    const m = new TfjsModel(w, false);
    try {
      return m.predictWindows(windows, 3).flatMap((p) => p.logits);
    } finally {
      m.dispose();
    }
  };
  const ref = logitsOf(out.weights);
  assert.equal(maxAbsDiff(logitsOf(loadModelPackage(sparse32).weights), ref), 0);
  assert.ok(maxAbsDiff(logitsOf(loadModelPackage(sparse16).weights), ref) < 2e-2);
});

test('gradual pruning ramps the sparsity up over the first half of the fine-tune and keeps an epoch at the target', async () => {
  const ramp = [1, 2, 3, 4].map((e) => gradualSparsity(e, { target: 0.8, rampEpochs: 3 }));
  assert.ok(ramp[0] > 0 && ramp[0] < ramp[1] && ramp[1] < ramp[2], `${ramp}`);
  assert.deepEqual(ramp.slice(2), [0.8, 0.8]);

  await initBackend();
  const parent = fixtureWeights(4);
  const { train, val } = smallChapmanSplit(4, 2);
  const base = { sparsity: 0.8, fineTuneEpochs: 3, numClasses: 4, multilabel: false, batchSize: 4, lr: 1e-3, seed: 5 } as const;
  const out = await pruneAndFineTune(parent, train, val, { ...base, mode: 'last-stage', schedule: 'gradual' });
  const history = out.fineTune!.history;
  assert.equal(history.length, 3);
  assert.ok(history[0].sparsity! < 0.8 && history[1].sparsity === 0.8 && history[2].sparsity === 0.8, JSON.stringify(history.map((h) => h.sparsity)));
  assert.ok(out.fineTune!.bestEpoch >= 2, `best epoch ${out.fineTune!.bestEpoch} was not at the target sparsity`);
  const sp = pooledSparsity(out.weights, 4);
  assert.ok(sp.sparsity >= 0.8 && sp.sparsity < 0.8001, `sparsity ${sp.sparsity}`);
  await assert.rejects(pruneAndFineTune(parent, train, val, { ...base, mode: 'head', schedule: 'gradual' }), /head mode caches features/);
});

test('distilled pruning: the fine-tune follows the dense parent as well as the labels; masks hold', async () => {
  await initBackend();
  const parent = fixtureWeights(4);
  const { train, val } = smallChapmanSplit(4, 2);
  const base = { sparsity: 0.8, fineTuneEpochs: 2, numClasses: 4, multilabel: false, batchSize: 4, lr: 1e-3, seed: 5, mode: 'last-stage' } as const;
  const plain = await pruneAndFineTune(parent, train, val, base);
  const distilled = await pruneAndFineTune(parent, train, val, { ...base, distill: { alpha: 0.5, temperature: 2 } });
  // same data, seed and masks: only the loss differs
  assert.notEqual(distilled.fineTune!.history[0].loss, plain.fineTune!.history[0].loss);
  assert.ok(distilled.fineTune!.history.every((h) => Number.isFinite(h.loss)));
  const masks = globalMagnitudeMasks(parent, 0.8, 4).masks;
  for (const [name, m] of masks) {
    const w = distilled.weights.get(name)!.data;
    for (let i = 0; i < m.length; i++) if (!m[i]) assert.equal(w[i], 0, `${name}[${i}] is masked but ${w[i]}`);
  }
  await assert.rejects(pruneAndFineTune(parent, train, val, { ...base, mode: 'head', distill: { alpha: 0.5, temperature: 2 } }), /distillation needs mode full or last-stage/);
});
