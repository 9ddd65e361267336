import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plateauMiddleThresholds, scoreFold, study } from './selectionStudy.ts';
import { chooseThresholds } from '../metrics.ts';

// two classes, single-label: epoch 1 fits the validation records and misses the held-out ones, epoch 2 the reverse
const single = { task: 'toy', classes: ['a', 'b'], multilabel: false };
const fold = {
  fold: 1,
  valTargets: [[0], [1], [1]],
  heldOutTargets: [[0], [1]],
  epochs: [
    { val: [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]], heldOut: [[0.1, 0.9], [0.8, 0.2]] },
    { val: [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]], heldOut: [[0.9, 0.1], [0.2, 0.8]] },
  ],
};

test('each epoch rule keeps its epoch and the held-out records only score it', () => {
  assert.deepEqual(scoreFold(single, fold, 'best val F1', 'authors'), { macroF1: 0, epoch: 1 });
  assert.deepEqual(scoreFold(single, fold, 'last epoch', 'authors'), { macroF1: 1, epoch: 2 });
  // epoch 1's validation loss is the lower (it is right on all three)
  assert.equal(scoreFold(single, fold, 'lowest val loss', 'authors').epoch, 1);
  const rows = study({ ...single, folds: [fold, { ...fold, fold: 2 }] });
  assert.equal(rows.length, 3, 'single-label: three epoch rules, one threshold rule');
  assert.equal(rows.find((r) => r.epochRule === 'last epoch')!.mean, 1);
});

test('the plateau middle sits inside the range of thresholds that ties the best validation score; the authors take its low end', () => {
  const truth = [[1], [1], [0], [0]];
  const probs = [[0.9], [0.8], [0.2], [0.1]];
  // every threshold in (0.2, 0.8] separates the classes perfectly
  assert.equal(chooseThresholds(truth, probs, 1)[0], 0.25);
  assert.equal(plateauMiddleThresholds(truth, probs, 1)[0], 0.55); // 0.25 … 0.80: twelve grid values
  const multi = { task: 'toy', classes: ['x'], multilabel: true };
  const f = { fold: 1, valTargets: [[0], [0], [], []], heldOutTargets: [[0], []], epochs: [{ val: probs, heldOut: [[0.4], [0.3]] }] };
  assert.equal(scoreFold(multi, f, 'last epoch', 'authors').macroF1, 2 / 3, '0.25 calls the negative positive too');
  assert.equal(scoreFold(multi, f, 'last epoch', 'plateau middle').macroF1, 0, '0.55 misses the positive');
  assert.equal(study({ ...multi, folds: [f] }).length, 9);
});
