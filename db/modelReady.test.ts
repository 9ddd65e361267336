import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModelInput, missingModelLeads, toMillivolts, type ChannelForModel } from './modelReady.ts';
import { resample, resampleRatio, resampledLength } from './resample.ts';

const ch = (lead: string | null, fs: number, samples: number[], extra: Partial<ChannelForModel> = {}): ChannelForModel => ({
  lead,
  fs,
  gain: 1000,
  baseline: 0,
  units: 'mV',
  invalidValue: null,
  samples: Int32Array.from(samples),
  ...extra,
});

test('100 → 500 Hz: a 5 Hz sine is reproduced within 0.5 % away from the edges, original samples exactly', () => {
  const n = 1000;
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 5 * i) / 100));
  const r = resampleRatio(100, 500);
  assert.deepEqual(r, { up: 5, down: 1 });
  const y = new Float32Array(resampledLength(n, r));
  resample(x, r, y);
  assert.equal(y.length, 5000);
  for (let i = 200; i < 4800; i++) assert.ok(Math.abs(y[i] - Math.sin((2 * Math.PI * 5 * i) / 500)) < 5e-3, `sample ${i}: ${y[i]}`);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(y[5 * i] - x[i]) < 1e-6);
});

test('1000 → 500 Hz low-passes: a 400 Hz tone (above the new Nyquist) is removed, a 10 Hz tone kept, DC exact', () => {
  const n = 4000;
  const tone = (f: number) => Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / 1000));
  const r = resampleRatio(1000, 500);
  const hi = new Float32Array(resampledLength(n, r));
  resample(tone(400), r, hi);
  const lo = new Float32Array(resampledLength(n, r));
  resample(tone(10), r, lo);
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 100; i < hi.length - 100; i++) {
    maxHi = Math.max(maxHi, Math.abs(hi[i]));
    maxLo = Math.max(maxLo, Math.abs(lo[i]));
  }
  assert.ok(maxHi < 0.01, `alias ${maxHi}`);
  assert.ok(Math.abs(maxLo - 1) < 0.01, `pass band ${maxLo}`);
  const dc = new Float32Array(resampledLength(300, resampleRatio(257, 500)));
  resample(new Float64Array(300).fill(1.25), resampleRatio(257, 500), dc);
  for (const v of dc) assert.ok(Math.abs(v - 1.25) < 1e-6);
});

test('model input: I, II, V1 in mV from any units, invalid samples → 0 mV and counted, missing leads named', () => {
  const mi = buildModelInput('R1', [
    ch('I', 500, [1000, 2000, -32768, 500], { invalidValue: -32768 }),
    ch('V2', 500, [1, 2, 3, 4]),
    ch('II', 500, [10, 20, 30, 40], { gain: 1, units: 'uV' }),
    ch('V1', 500, [5, 6, 7, 8], { baseline: 5, gain: 2 }),
  ]);
  assert.equal(mi.length, 4);
  assert.deepEqual([...mi.data], [1, 2, 0, 0.5, 0.01, 0.02, 0.03, 0.04, 0, 0.5, 1, 1.5].map(Math.fround));
  assert.equal(mi.invalidSamples, 1);
  assert.throws(() => buildModelInput('NOV1', [ch('I', 500, [1]), ch('II', 500, [1])]), /record NOV1 is not model-ready: it has no lead V1/);
  assert.deepEqual(missingModelLeads([{ lead: 'I', units: 'mV' }, { lead: 'II', units: 'degC' }]), ['II', 'V1']);
  assert.equal(toMillivolts('µV'), 1e-3);
  assert.equal(toMillivolts('mv'), 1);
});
