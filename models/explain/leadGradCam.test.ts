import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainRecord, leadGradCam, nearestUpsample, weightedMinMaxOfAbs } from './leadGradCam.ts';
import { logitGradient } from './headGradient.ts';
import { headParams, headTrace } from '../onnx/headForward.ts';
import { createOnnxEngine } from '../onnx/onnxEngine.ts';
import { fixtureExpected, fixtureInputs, fixtureWeights, maxAbsDiff } from '../testing/parityFixture.ts';
import type { NamedWeights } from '../weights.ts';

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const row = (t: NamedWeights, name: string, i: number, len: number) => t.get(name)!.data.subarray(i * len, (i + 1) * len);

/** Compares one Grad-CAM result with the fixture's gradcam.* tensors at the README's tolerances. */
function assertMatchesFixture(cam: ReturnType<typeof leadGradCam>, tensors: NamedWeights, attention: number[]) {
  for (let i = 0; i < 3; i++) {
    const alpha = row(tensors, 'gradcam.channel_weights', i, 512);
    const raw = row(tensors, 'gradcam.raw_native', i, 157);
    const up = row(tensors, 'gradcam.raw_upsampled', i, 5000);
    const map = row(tensors, 'gradcam.weighted_normalised', i, 5000);
    assert.ok(maxAbsDiff(cam.alpha[i], alpha) <= 1e-3 * maxAbs(alpha), `lead ${i} alpha`);
    assert.ok(maxAbsDiff(cam.raw[i], raw) <= 1e-3 * maxAbs(raw), `lead ${i} raw`);
    assert.ok(maxAbsDiff(cam.rawUpsampled[i], up) <= 1e-3 * maxAbs(up), `lead ${i} raw upsampled`);
    assert.ok(maxAbsDiff(cam.maps[i], map) <= 1e-3, `lead ${i} map`);
    assert.ok(Math.abs(cam.attention[i] - attention[i]) < 1e-5, `lead ${i} attention`);
  }
}

test('head gradient equals central finite differences of the head (both paths)', () => {
  const p = headParams(fixtureWeights(4));
  const { expected } = fixtureExpected(4);
  const z = Float64Array.from(expected.lead_features[1].flat());
  const { grad } = logitGradient(p, z, 2);
  const h = 1e-4;
  for (const j of [0, 7, 511, 512, 900, 1024, 1535]) {
    const zp = z.slice();
    const zm = z.slice();
    zp[j] += h;
    zm[j] -= h;
    const fd = (headTrace(p, zp).logits[2] - headTrace(p, zm).logits[2]) / (2 * h);
    assert.ok(Math.abs(fd - grad[j]) < 1e-6 + 1e-4 * Math.abs(grad[j]), `index ${j}: fd ${fd} vs ${grad[j]}`);
  }
});

test('Grad-CAM from the fixture stage-3 activations reproduces gradcam.* (4-class)', () => {
  const { expected, tensors } = fixtureExpected(4);
  const meta = (expected as unknown as { gradcam: { target_class: number; attention_scores: number[] } }).gradcam;
  const stage3 = [0, 1, 2].map((i) => tensors.get(`activations.input0.lead${i}.stage3`)!.data);
  const cam = leadGradCam(stage3, fixtureWeights(4), meta.target_class);
  assert.deepEqual(cam.maps.map((m) => m.length), [5000, 5000, 5000]);
  assertMatchesFixture(cam, tensors, meta.attention_scores);
});

for (const numClasses of [4, 9] as const) {
  test(`explainRecord through the ONNX engine reproduces gradcam.* (${numClasses}-class) and maps change with the class`, async () => {
    const weights = fixtureWeights(numClasses);
    const { expected, tensors } = fixtureExpected(numClasses);
    const meta = (expected as unknown as { gradcam: { target_class: number; attention_scores: number[] } }).gradcam;
    const engine = await createOnnxEngine(weights, numClasses);
    try {
      const x0 = fixtureInputs().subarray(0, 15000);
      const predicted = await explainRecord(engine, weights, x0);
      assert.equal(predicted.classIndex, meta.target_class);
      assertMatchesFixture(predicted, tensors, meta.attention_scores);
      const other = await explainRecord(engine, weights, x0, (meta.target_class + 1) % numClasses);
      const change = Math.max(...[0, 1, 2].map((i) => maxAbsDiff(other.maps[i], predicted.maps[i])));
      assert.ok(change > 0.05, `maps barely changed with the class (${change})`);
      assert.deepEqual(other.attention, predicted.attention);
    } finally {
      await engine.dispose();
    }
  });
}

test('upsampling uses the floor rule and a constant map normalises to zeros', () => {
  const up = nearestUpsample([1, 2, 3], 7);
  assert.deepEqual(Array.from(up), [1, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(Array.from(weightedMinMaxOfAbs([-2, 2, 2], 0.5)), [0, 0, 0]);
  assert.deepEqual(Array.from(weightedMinMaxOfAbs([-4, 2, 0], 0.5)), [0.5, 0.25, 0]);
});
