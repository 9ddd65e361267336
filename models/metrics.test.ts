import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auroc, chooseThresholds, evaluateMultilabel, evaluateSingleLabel, meanPerGroup, multiHot } from './metrics.ts';

test('single-label metrics: confusion, per-class and macro F1 worked by hand', () => {
  // truth: 0,0,1,1,2 ; predictions: 0,1,1,1,0
  const probs = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.5, 0.2, 0.3]];
  const e = evaluateSingleLabel(['a', 'b', 'c'], [0, 0, 1, 1, 2], probs);
  assert.deepEqual(e.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
  assert.equal(e.perClass[0].f1, 0.5); // tp1 fp1 fn1
  assert.equal(e.perClass[1].f1, 0.8); // tp2 fp1 fn0
  assert.equal(e.perClass[2].f1, 0);
  assert.ok(Math.abs(e.macroF1 - 1.3 / 3) < 1e-12);
  assert.equal(e.n, 5);
});

test('AUROC equals the pairwise definition, ties count one half', () => {
  assert.equal(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  assert.equal(auroc([0.5, 0.5], [false, true]), 0.5);
  assert.equal(auroc([0.1, 0.2], [true, true]), null);
});

test('multilabel thresholds are picked per class on the grid, and used in evaluation', () => {
  const truth = [[1, 0], [1, 1], [0, 1], [0, 0]];
  const probs = [[0.3, 0.1], [0.25, 0.9], [0.2, 0.8], [0.1, 0.05]];
  const th = chooseThresholds(truth, probs, 2);
  assert.ok(th[0] > 0.2 && th[0] <= 0.25);
  const e = evaluateMultilabel(['x', 'y'], truth, probs, th);
  assert.equal(e.perClass[0].f1, 1);
  assert.equal(e.perClass[1].f1, 1);
  assert.deepEqual(e.confusion[0], [[2, 0], [0, 2]]);
});

test('meanPerGroup averages each record over its own windows, in order', () => {
  const rows = [[1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25]];
  assert.deepEqual(meanPerGroup(rows, [2, 1, 3]), [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]);
  assert.deepEqual(meanPerGroup(rows, [3, 3]), [[0.5, 0.5], [0.5, 0.5]]);
  assert.deepEqual(meanPerGroup([[0, 1], [1, 0], [0.5, 0.5], [0.5, 0.5]], [1, 3]), [[0, 1], [2 / 3, 1 / 3]]);
  assert.deepEqual(meanPerGroup(rows, [1, 5])[0], [1, 0]);
});

test('multiHot turns each record\'s class indices into a 0/1 row', () => {
  assert.deepEqual(multiHot([[0, 2], [], [1]], 3), [[1, 0, 1], [0, 0, 0], [0, 1, 0]]);
});
