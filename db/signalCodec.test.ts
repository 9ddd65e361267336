import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSamples, encodeSamples, encodingOf } from './signalCodec.ts';
import { sameInts } from './testing/archiveTestSupport.ts';

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('round-trips every Int32 edge case exactly', () => {
  const cases: Int32Array[] = [
    new Int32Array(0),
    Int32Array.of(0),
    Int32Array.of(-2147483648, 2147483647, -2147483648, 0, 2147483647),
    Int32Array.of(-32768, 32767, -32768, 32767),
    Int32Array.from({ length: 1000 }, (_, i) => Math.round(1000 * Math.sin(i / 20))),
  ];
  const r = rng(7);
  cases.push(Int32Array.from({ length: 5000 }, () => Math.floor(r() * 2 ** 32) - 2 ** 31));
  cases.push(Int32Array.from({ length: 5000 }, () => Math.floor(r() * 65536) - 32768));
  for (const c of cases) assert.ok(sameInts(decodeSamples(encodeSamples(c)), c), `length ${c.length}`);
});

test('smooth ECG-like data takes about one byte per sample; random data falls back to raw int16 / int32', () => {
  const r = rng(3);
  let x = 0;
  const ecg = Int32Array.from({ length: 5000 }, (_, i) => (x += Math.round((r() - 0.5) * 40 + 300 * Math.sin(i / 15) * 0.1)));
  const enc = encodeSamples(ecg);
  assert.equal(encodingOf(enc), 'delta-varint');
  assert.ok(enc.length < 1.6 * ecg.length, `${enc.length} bytes for ${ecg.length} samples`);
  const noisy16 = Int32Array.from({ length: 5000 }, () => Math.floor(r() * 65536) - 32768);
  assert.equal(encodingOf(encodeSamples(noisy16)), 'int16');
  assert.equal(encodeSamples(noisy16).length, 5 + 2 * 5000);
  const noisy32 = Int32Array.from({ length: 100 }, () => Math.floor(r() * 2 ** 32) - 2 ** 31);
  assert.equal(encodingOf(encodeSamples(noisy32)), 'int32');
});

test('truncated, padded or unknown blobs are errors, never partial data', () => {
  const blob = encodeSamples(Int32Array.from({ length: 100 }, (_, i) => i * 3));
  assert.throws(() => decodeSamples(blob.subarray(0, blob.length - 1)), /ends after/);
  assert.throws(() => decodeSamples(Uint8Array.of(...blob, 0)), /trailing/);
  assert.throws(() => decodeSamples(Uint8Array.of(9, 0, 0, 0, 0)), /unknown encoding/);
  assert.throws(() => decodeSamples(Uint8Array.of(1, 0)), /shorter than its header/);
  const raw = encodeSamples(Int32Array.from({ length: 10 }, (_, i) => (i % 2 ? 30000 : -30000)));
  if (encodingOf(raw) === 'int16') assert.throws(() => decodeSamples(raw.subarray(0, raw.length - 2)), /expected/);
});
