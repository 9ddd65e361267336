import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakdown, predicted, subsetScore } from './heldOutBreakdown.ts';
import type { CvFold } from './cli/cv.ts';
import type { LabelledRecord } from './data/sharedDataset.ts';

// chapman4 classes: AFIB, GSVT, SB, SR. Two folds; the 500 Hz AFIB record turns SR when seen at 100 Hz.
const labels: LabelledRecord[] = [
  { name: 'a/af', source: 'a', fs: 500, patientId: null, classes: [0] },
  { name: 'a/sr', source: 'a', fs: 500, patientId: null, classes: [3] },
  { name: 'b/sr', source: 'b', fs: 100, patientId: null, classes: [3] },
  { name: 'a/sb', source: 'a', fs: 500, patientId: null, classes: [2] },
];
const fold = (n: number, records: CvFold['records']): CvFold => ({ fold: n, n: records!.length, macroF1: 0, seconds: 0, bestEpoch: 1, perClassF1: {}, records });
const folds = [
  fold(1, [
    { name: 'a/af', probs: [0.7, 0.1, 0.1, 0.1], prunedProbs: [0.1, 0.1, 0.1, 0.7], probsAtProbeFs: [0.2, 0.1, 0.1, 0.6] },
    { name: 'b/sr', probs: [0, 0, 0, 1], prunedProbs: [0, 0, 0, 1] },
  ]),
  fold(2, [
    { name: 'a/sr', probs: [0, 0, 0, 1], prunedProbs: [0, 0, 0, 1], probsAtProbeFs: [0, 0, 0, 1] },
    { name: 'a/sb', probs: [0, 0, 0.9, 0.1], prunedProbs: [0, 0, 0.9, 0.1], probsAtProbeFs: [0, 0, 0.9, 0.1] },
  ]),
];

test('breaks held-out records down by stored rate and source, pooled and per fold; the probe shows the rate shortcut', () => {
  const b = breakdown({ task: 'chapman4', perFold: folds }, labels, ['a']);
  const row = (subset: string, scored: string) => b.rows.find((r) => r.subset === subset && r.scored === scored)?.score;
  assert.equal(row('all held-out records', 'probs')!.accuracy, 1);
  assert.equal(row('all held-out records', 'probs')!.n, 4);
  // pruned calls the AFIB record SR: AFIB F1 0, SR 2/3 (2 right, 1 false positive), SB 1
  assert.equal(row('all held-out records', 'prunedProbs')!.accuracy, 0.75);
  assert.ok(Math.abs(row('all held-out records', 'prunedProbs')!.pooledMacroF1 - (0 + 0.8 + 1) / 3) < 1e-9);
  assert.equal(row('stored at 100 Hz', 'probs')!.n, 1);
  assert.deepEqual(row('stored at 100 Hz', 'probs')!.perFold, [1], 'one class present: macro F1 over it alone');
  assert.equal(row('sources a', 'probs')!.n, 3);
  assert.equal(row('source b', 'probs')!.n, 1);
  const asStored = row('records stored faster than 100 Hz', 'probs')!;
  const at100 = row('records stored faster than 100 Hz', 'probsAtProbeFs')!;
  assert.equal(asStored.n, 3);
  assert.equal(at100.n, 3);
  assert.equal(asStored.accuracy, 1);
  assert.ok(Math.abs(at100.accuracy - 2 / 3) < 1e-9);
  assert.equal(at100.perClass.find((c) => c.class === 'AFIB')!.recall, 0);
});

test('multilabel predictions use each fold\'s own thresholds', () => {
  assert.deepEqual(predicted([0.3, 0.6], true, [0.25, 0.7]), [1, 0]);
  assert.deepEqual(predicted([0.3, 0.6], true, null), [0, 1]);
  assert.deepEqual(predicted([0.3, 0.6, 0.1], false, null), [0, 1, 0]);
  const f: CvFold = { ...fold(1, [{ name: 'x', probs: [0.3, 0.6] }]), thresholds: [0.25, 0.7] };
  const s = subsetScore(['p', 'q'], true, [f], () => [0], () => true, 'probs')!;
  assert.equal(s.accuracy, 1, 'class p is called at 0.3 because the fold chose 0.25');
});

test('a summary written before cv kept held-out records is refused with the reason', () => {
  assert.throws(() => breakdown({ task: 'chapman4', perFold: [{ ...fold(1, []), records: undefined }] }, labels, null), /keeps no held-out records/);
});
