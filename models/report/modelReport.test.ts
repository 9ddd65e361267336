import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateMultilabel, evaluateSingleLabel } from '../metrics.ts';
import { taskFor, type ModelConfig } from '../package/modelConfig.ts';
import { configFor } from '../testing/packageConfig.ts';
import { renderModelReport, trustNote, trustSource, type CvSummary } from './modelReport.ts';

const weights = { manifest: 'weights.json', file: 'weights.bin', storage: 'sparse-float16', bytes: 2_990_000, sparsity: 0.8 } as const;
const cv: CvSummary = {
  task: 'chapman4', folds: 2, records: 40, sources: ['cpsc2018', 'georgia'], mode: 'full', epochs: 70, crops: true, pruneEpochs: 10, backend: 'tfjs-wasm',
  perFold: [
    { fold: 1, n: 20, macroF1: 0.6, prunedMacroF1: 0.55, seconds: 600, bestEpoch: 40, perClassF1: { AFIB: 0.9, GSVT: 0.4, SB: 0.2, SR: 0.85 } },
    { fold: 2, n: 20, macroF1: 0.7, prunedMacroF1: 0.65, seconds: 660, bestEpoch: 35, perClassF1: { AFIB: 0.7, GSVT: 0.6, SB: 0.4, SR: 0.95 } },
  ],
  macroF1: { mean: 0.65, sd: 0.0707 },
  prunedMacroF1: { mean: 0.6, sd: 0.0707 },
};

test('the model report states scores, confusion, size, provenance, cross-validation and per-class trust', () => {
  const config: ModelConfig = { ...configFor('chapman4-default', 'train'), formatVersion: 1, weights, metrics: { seconds: 600, epochs: 52, bestEpoch: 37, valMacroF1: 0.61, nTrain: 449, nVal: 113, history: [{ seconds: 3000 }, { seconds: 2400 }] } };
  const truth = [0, 0, 1, 3, 3, 3, 2, 3];
  const probs = truth.map((t, i) => [0, 1, 2, 3].map((c) => (c === (i === 2 ? 3 : t) ? 0.7 : 0.1)));
  const evaluation = evaluateSingleLabel(config.task.classes, truth, probs);
  const heldOut = evaluateSingleLabel(config.task.classes, truth.slice(5), probs.slice(5));
  const md = renderModelReport({ config, evaluation: { ...evaluation, engine: 'onnxruntime-node' }, evaluatedOn: '8 records', inTraining: 5, heldOut, bytesOnDisk: 10_800_000, related: { version: 'chapman4-default-pruned', bytesOnDisk: 2_990_000, sparsity: 0.8 }, cv: [cv] });
  assert.match(md, /Not a medical device/);
  assert.match(md, new RegExp(`macro F1 ${evaluation.macroF1.toFixed(3)}`));
  assert.match(md, /5 of these 8 records were in the model's own training set/);
  assert.match(md, new RegExp(`## Scores on the 3 of these records the model never trained on[^#]*\\*\\*held-out macro F1 ${heldOut.macroF1.toFixed(3)}\\*\\*`));
  assert.ok(md.indexOf('never trained on') < md.indexOf('## Scores on 8 records'), 'the held-out scores come first');
  assert.match(md, /\| GSVT \| 0\.000 \| 0\.000 \| 0\.000 \| [0-9.–]+ \| 1 \|/);
  assert.match(md, /\| AFIB \| 2 \| 0 \| 0 \| 0 \|/, 'confusion row of AFIB');
  assert.match(md, /\| GSVT \| 0 \| 0 \| 0 \| 1 \|/, 'the GSVT record predicted SR');
  assert.match(md, /10\.80 MB \(sparse-float16, sparsity 80\.0 %\); chapman4-default-pruned: 2\.99 MB/);
  assert.match(md, /90\.0 min \(52 epochs, best 37\)/);
  assert.match(md, /mean held-out macro F1 \*\*0\.650 ± 0\.071\*\*; 80 %-pruned \+ 10 epochs: 0\.600 ± 0\.071/);
  // a distilled prune says so
  const distilled = renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, pruneDistill: { alpha: 0.5, temperature: 2 } }] });
  assert.match(distilled, /80 %-pruned \+ 10 epochs distilled from the dense model: 0\.600 ± 0\.071/);
  // so does a run whose folds started from the other task's backbones
  const transferred = renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, pretrainTask: 'cpsc9' }] });
  assert.match(transferred, /10 s crops, backbones from cpsc9 trained on the other folds, /);
  assert.doesNotMatch(md, /backbones from|all run|lead drop|class weights/);
  // and an ablation of our defaults
  const ablated = renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, leadDrop: 0, classWeighting: false }] });
  assert.match(ablated, /10 s crops, lead drop 0, no class weights, /);
  assert.match(renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, lowRate: 0.5 }] }), /shown as if stored at 100 Hz with probability 0\.5/);
  const score = (n: number, f1: number) => ({ n, perFold: [f1], foldMean: f1, foldSd: 0, pooledMacroF1: f1, accuracy: f1, perClass: [{ class: 'SR', f1, recall: f1, support: n }, { class: 'SB', f1: 0, recall: 0, support: 0 }] });
  const broken = renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, breakdown: [
    { subset: 'stored at 100 Hz', scored: 'probs', score: score(30, 1) },
    { subset: 'source georgia', scored: 'probs', score: score(3, 0.5) },
    { subset: 'records stored faster than 100 Hz', scored: 'probsAtProbeFs', score: score(10, 0.42) },
  ] }] });
  assert.match(broken, /\| stored at 100 Hz \| dense \| 30 \| 1\.000 \| 1\.000 \|/);
  assert.match(broken, /\| records stored faster than 100 Hz \| dense, as if stored at 100 Hz \| 10 \| 0\.420 \| 0\.420 \|/);
  assert.match(broken, /Every held-out record stored at 100 Hz is SR/);
  assert.doesNotMatch(broken, /source georgia/, 'per-source rows stay in the cv summary (cvBreakdown prints them)');
  assert.doesNotMatch(renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, leadDrop: 0.5, classWeighting: true }] }), /lead drop|class weights/);
  assert.match(renderModelReport({ config, evaluation, evaluatedOn: '8 records', inTraining: 0, bytesOnDisk: 1, cv: [{ ...cv, patience: 0 }] }), /, 70 epochs \(all run\), 10 s crops/);
  assert.match(md, /\| 2 \| 20 \| 0\.700 \| 0\.650 \| 35 \| 11\.0 \|/);
  assert.match(md, /\*\*SB\*\*: rare here \(1 records\)/);
  assert.doesNotMatch(md, /undefined|NaN/);
});

test('multilabel reports show thresholds and per-class confusion', () => {
  const task = taskFor('cpsc9');
  const thresholds = task.classes.map((_, i) => 0.3 + i * 0.05);
  const config: ModelConfig = { ...configFor('cpsc9-x', 'prune'), task: { ...task, thresholds }, architecture: { name: 'LightX3ECG', numClasses: 9 }, formatVersion: 1, weights, metrics: { valMacroF1Before: 0.5, valMacroF1After: 0.48, epochs: 5, bestEpoch: 2, history: [{ seconds: 120 }, { seconds: 180 }] } };
  const truth = [[1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0]];
  const probs = [[0.9, 0, 0, 0, 0, 0, 0, 0, 0], [0.2, 0.8, 0, 0, 0.1, 0, 0, 0, 0], [0.1, 0, 0, 0, 0, 0, 0, 0, 0]];
  const md = renderModelReport({ config, evaluation: evaluateMultilabel(task.classes, truth, probs, thresholds), evaluatedOn: '3 records', inTraining: 0, bytesOnDisk: 3e6 });
  assert.match(md, /Normal 0\.30, AF 0\.35/);
  assert.match(md, /\| Normal \| 1 \| 0 \| 1 \| 1 \|/, 'one Normal missed at threshold 0.30');
  assert.match(md, /0\.500 before pruning → 0\.480 after/);
  assert.match(md, /No cross-validation summary[^\n]*\n\n## What each class/);
  assert.match(md, /\*\*fine-tune time\*\*: 5\.0 min \(5 epochs, best 2\)/);
  assert.doesNotMatch(md, /own training set/);
  // how a multilabel cv run set its thresholds: the authors' rule is named, 0.5 (the default) goes unsaid; older summaries used the authors'
  const withCv = (thresholdRule?: '0.5' | 'authors') => renderModelReport({ config, evaluation: evaluateMultilabel(task.classes, truth, probs, thresholds), evaluatedOn: '3 records', inTraining: 0, bytesOnDisk: 3e6, heldOut: evaluateMultilabel(task.classes, truth, probs, thresholds), cv: [{ ...cv, task: 'cpsc9', ...(thresholdRule ? { thresholdRule } : {}) }] });
  assert.match(withCv('authors'), /10 s crops, the authors' per-class thresholds, chosen on each fold's validation part, /);
  assert.match(withCv(), /the authors' per-class thresholds/);
  assert.doesNotMatch(withCv('0.5'), /authors' per-class thresholds/);
  assert.match(withCv('0.5'), /they chose the best epoch \(and the multilabel thresholds\)/, 'thresholds other than 0.5 were chosen on the held-out part');
  const half = renderModelReport({ config: { ...config, task: { ...task, thresholds: task.classes.map(() => 0.5) } }, evaluation: evaluateMultilabel(task.classes, truth, probs, thresholds), evaluatedOn: '3 records', inTraining: 0, bytesOnDisk: 3e6, heldOut: evaluateMultilabel(task.classes, truth, probs, thresholds) });
  assert.match(half, /they chose the best epoch, so they flatter/);
});

test('trust notes follow support and held-out F1', () => {
  const c = { class: 'SR', f1: 0.9, precision: 0.9, recall: 0.9, auroc: 0.95, support: 400 };
  assert.match(trustNote({ ...c, support: 12 }, 0.9), /rare here \(12 records\)/);
  assert.match(trustNote(c, null), /upper bound/);
  assert.match(trustNote(c, 0.85), /useful pre-read/);
  assert.match(trustNote(c, 0.6), /review every call/);
  assert.match(trustNote(c, 0.3), /not reliable/);
});

test('per-class trust comes from one cv run: the widest, and for a pruned version the run pruned its way, scored pruned', () => {
  const dense = configFor('chapman4-default', 'train');
  const pruned = { ...configFor('chapman4-default-pruned', 'prune'), provenance: { ...configFor('x', 'prune').provenance, hyperParameters: { schedule: 'gradual' } } };
  const withPruned = (s: CvSummary, f: number): CvSummary => ({ ...s, perFold: s.perFold.map((p) => ({ ...p, prunedPerClassF1: { AFIB: f, GSVT: f, SB: f, SR: f } })) });
  const oneShot = withPruned({ ...cv, pruneSchedule: 'one-shot' }, 0.1);
  const gradual = withPruned({ ...cv, pruneSchedule: 'gradual' }, 0.3);
  const all = withPruned({ ...cv, records: 80, sources: 'all', pruneSchedule: 'gradual', perFold: cv.perFold.map((p) => ({ ...p, perClassF1: { AFIB: 0.5, GSVT: 0.5, SB: 0.5, SR: 0.5 } })) }, 0.9);
  assert.equal(trustSource(undefined, dense), null);
  // two runs sharing dense folds: one of them, not both counted
  assert.deepEqual(trustSource([oneShot, gradual], dense), { summary: oneShot, pruned: false });
  assert.deepEqual(trustSource([oneShot, gradual], pruned), { summary: gradual, pruned: true });
  assert.deepEqual(trustSource([oneShot, gradual, all], pruned), { summary: all, pruned: true });
  const truth = Array.from({ length: 120 }, (_, i) => i % 4); // 30 of each class: none is rare
  const evaluation = evaluateSingleLabel(dense.task.classes, truth, truth.map((t) => [0, 1, 2, 3].map((c) => (c === t ? 0.7 : 0.1))));
  const md = renderModelReport({ config: { ...pruned, formatVersion: 1, weights, metrics: {} } as ModelConfig, evaluation, evaluatedOn: '120 records', inTraining: 0, bytesOnDisk: 1, cv: [oneShot, gradual, all] });
  assert.match(md, /mean over the 2 folds of the cross-validation on all sources \(80 records\), scored gradual-pruned as this version is/);
  // the trust notes read the pruned figures of the widest run (0.9), not a mean over the runs
  assert.match(md, /- \*\*AFIB\*\*: held-out F1 0\.90/);
});
