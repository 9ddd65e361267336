import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTrainingRates, predictionCaveats, rateCaveat, shortRecordCaveat, trainingRates } from './predictionCaveats.ts';
import { defaultPreprocessing, type ModelConfig, type TrainingRate } from './modelConfig.ts';

const classes = ['AFIB', 'GSVT', 'SB', 'SR'];

function config(rates?: TrainingRate[]): Pick<ModelConfig, 'preprocessing' | 'provenance'> {
  return {
    preprocessing: defaultPreprocessing('mean'),
    provenance: { parent: null, dataset: null, splitIds: null, hyperParameters: {}, seed: 1, engine: 'tfjs', backend: 'tfjs-cpu', created: '', origin: 'train', ...(rates ? { trainingRates: rates } : {}) },
  };
}

test('trainingRates counts records and their classes per stored rate, ascending; records without a rate are left out', () => {
  const rows = trainingRates(
    [
      { storedFs: 500, target: [0] },
      { storedFs: 100, target: [3] },
      { storedFs: 500, target: [3] },
      { storedFs: 100, target: [3] },
      { target: [2] },
      { storedFs: 257, target: [0, 2] },
    ],
    classes,
  );
  assert.deepEqual(rows, [
    { fs: 100, records: 2, classes: { SR: 2 } },
    { fs: 257, records: 1, classes: { AFIB: 1, SB: 1 } },
    { fs: 500, records: 2, classes: { AFIB: 1, SR: 1 } },
  ]);
  assert.equal(trainingRates([{ target: [1] }], classes), undefined);
});

test('mergeTrainingRates sums a parent\'s table and a fine-tune\'s, without touching either', () => {
  const parent: TrainingRate[] = [{ fs: 100, records: 3, classes: { SR: 3 } }];
  const own: TrainingRate[] = [
    { fs: 100, records: 1, classes: { SB: 1 } },
    { fs: 500, records: 2, classes: { AFIB: 2 } },
  ];
  assert.deepEqual(mergeTrainingRates(parent, own), [
    { fs: 100, records: 4, classes: { SR: 3, SB: 1 } },
    { fs: 500, records: 2, classes: { AFIB: 2 } },
  ]);
  assert.deepEqual(parent, [{ fs: 100, records: 3, classes: { SR: 3 } }]);
  assert.deepEqual(mergeTrainingRates(undefined, own), own);
  assert.equal(mergeTrainingRates(undefined, undefined), undefined);
});

test('rateCaveat: none at or above the model rate; below it, what the model saw at that rate decides the text', () => {
  const oneClass = config([
    { fs: 100, records: 377, classes: { SR: 377 } },
    { fs: 500, records: 185, classes: { AFIB: 46, GSVT: 31, SB: 17, SR: 91 } },
  ]);
  assert.equal(rateCaveat(oneClass, 500), null);
  assert.equal(rateCaveat(oneClass, 1000), null);
  assert.equal(rateCaveat(oneClass, 0), null);

  const at100 = rateCaveat(oneClass, 100)!;
  assert.match(at100, /Stored at 100 Hz, read by the model at 500 Hz: nothing above 50 Hz/);
  assert.match(at100, /Every record stored at 100 Hz this model trained on \(377\) was SR/);
  assert.match(at100, /a call of SR here is weak evidence/);

  const unseen = rateCaveat(oneClass, 250)!;
  assert.match(unseen, /trained on no record stored at 250 Hz/);

  const mixed = config([{ fs: 100, records: 5, classes: { SR: 3, AFIB: 2 } }]);
  assert.equal(rateCaveat(mixed, 100), 'Stored at 100 Hz, read by the model at 500 Hz: nothing above 50 Hz is in the signal.');
  // a package from before the table: only what the rate itself says
  assert.equal(rateCaveat(config(), 100), 'Stored at 100 Hz, read by the model at 500 Hz: nothing above 50 Hz is in the signal.');
  assert.match(rateCaveat(config(), 128.5)!, /Stored at 128\.5 Hz.*above 64\.3 Hz/);
});

test('a record shorter than the window gets the zero-padding caveat; predictionCaveats lists what applies', () => {
  const c = config([{ fs: 100, records: 3, classes: { SR: 3 } }]);
  assert.equal(shortRecordCaveat(c, 10), null);
  assert.equal(shortRecordCaveat(c, 30), null);
  assert.equal(shortRecordCaveat(c, 6.5), 'Only 6.5 s long: the model reads 10 s, so the last 3.5 s of its window are zeros.');
  assert.deepEqual(predictionCaveats(c, { fs: 500, seconds: 10 }), []);
  assert.deepEqual(predictionCaveats(c, {}), []);
  const both = predictionCaveats(c, { fs: 100, seconds: 4 });
  assert.equal(both.length, 2);
  assert.match(both[0], /^Stored at 100 Hz.*was SR/);
  assert.match(both[1], /^Only 4\.0 s long/);
});
