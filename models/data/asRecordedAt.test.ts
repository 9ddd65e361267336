import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asRecordedAt } from './asRecordedAt.ts';
import type { ModelInput } from '../preprocess.ts';

const sine = (hz: number, n = 5000): ModelInput => {
  const data = new Float32Array(3 * n);
  for (let lead = 0; lead < 3; lead++) for (let i = 0; i < n; i++) data[lead * n + i] = Math.sin((2 * Math.PI * hz * i) / 500 + lead);
  return { fs: 500, length: n, data };
};
const rms = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
const middle = (r: ModelInput, lead: number) => r.data.subarray(lead * r.length + 500, (lead + 1) * r.length - 500);

test('a 100 Hz round trip keeps what 100 Hz can hold (10 Hz passes) and loses the rest (80 Hz is gone)', () => {
  const slow = sine(10);
  const kept = asRecordedAt(slow, 100);
  assert.equal(kept.fs, 500);
  assert.equal(kept.length, 5000);
  for (let lead = 0; lead < 3; lead++) {
    const a = middle(slow, lead);
    const b = middle(kept, lead);
    assert.ok(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) < 0.01, `lead ${lead}: 10 Hz survives`);
  }
  const fast = asRecordedAt(sine(80), 100);
  assert.ok(rms(middle(fast, 1)) < 0.01, `80 Hz is above 100 Hz's Nyquist: rms ${rms(middle(fast, 1))}`);
});

test('refuses a rate that is not below the record\'s', () => {
  assert.throws(() => asRecordedAt(sine(10), 500), /not below/);
  assert.throws(() => asRecordedAt(sine(10), 0), /not below/);
});
