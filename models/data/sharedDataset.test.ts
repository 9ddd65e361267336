import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSharedRecord, sharedLabels } from './sharedDataset.ts';
import { fixtureInputs, sharedDir } from '../testing/parityFixture.ts';
import { windowsOf } from '../preprocess.ts';

const dataDir = `${sharedDir}/data`;

test('reads the fixture inputs bit for bit from the Challenge .mat files (through db/formats)', () => {
  const inputs = fixtureInputs();
  ['cpsc2018/A0002', 'cpsc2018/A0003', 'cpsc2018/A0001'].forEach((name, i) => {
    const w = windowsOf(readSharedRecord(dataDir, name), 'first')[0];
    assert.deepEqual(w, inputs.subarray(i * 15000, (i + 1) * 15000));
  });
});

test('labels: chapman4 and cpsc9 counts match the data README', () => {
  assert.equal(sharedLabels(dataDir, 'chapman4').length, 562);
  assert.equal(sharedLabels(dataDir, 'cpsc9').length, 486);
});

test('100 Hz native PTB-XL records arrive resampled to 500 Hz, 10 s', () => {
  const r = readSharedRecord(dataDir, 'ptbxl_records100/00011_lr');
  assert.equal(r.fs, 500);
  assert.equal(r.length, 5000);
  const [w] = windowsOf(r, 'first');
  assert.equal(w.length, 15000);
  assert.ok(w.some((v) => v !== 0));
});
