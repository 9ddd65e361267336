import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInferenceEngine, probabilities } from './inference.ts';
import { fixtureExpected, fixtureInputs, fixtureWeights, maxAbsDiff } from './testing/parityFixture.ts';
import { leadGradCam } from './explain/leadGradCam.ts';

test('TF.js engine: stage-3 activations feed lead-wise Grad-CAM to the reference maps; maps change with the class', async () => {
  const weights = fixtureWeights(4);
  const { expected, tensors } = fixtureExpected(4);
  const eng = await createInferenceEngine(weights, false, 'tfjs');
  try {
    assert.match(eng.name, /^tfjs-/);
    const x = fixtureInputs().slice(0, 15000);
    const r = await eng.stage3(x);
    assert.equal(r.stage3.length, 3);
    assert.equal(r.stage3[0].length, 512 * 157);
    assert.ok(maxAbsDiff(r.stage3[1], tensors.get('activations.input0.lead1.stage3')!.data) < 1e-3);
    assert.ok(maxAbsDiff(r.logits, expected.logits[0]) < 1e-4);
    const cam1 = leadGradCam(r.stage3, weights, 1);
    assert.equal(cam1.maps.length, 3);
    assert.equal(cam1.maps[0].length, 5000);
    const ref = tensors.get('gradcam.weighted_normalised')!.data;
    assert.ok(maxAbsDiff(Float32Array.from(cam1.maps.flatMap((m) => Array.from(m))), ref) < 1e-3);
    const cam3 = leadGradCam(r.stage3, weights, 3);
    assert.ok(maxAbsDiff(cam3.maps[0], cam1.maps[0]) > 1e-2, 'another class gives another map');
  } finally {
    await eng.dispose();
  }
});

test('TF.js and onnxruntime engines agree on predictions and features', async () => {
  const weights = fixtureWeights(9);
  const { expected } = fixtureExpected(9);
  const x = fixtureInputs();
  const windows = [0, 1, 2].map((i) => x.slice(i * 15000, (i + 1) * 15000));
  const tfjs = await createInferenceEngine(weights, true, 'tfjs');
  const onnx = await createInferenceEngine(weights, true, 'auto');
  try {
    const a = await tfjs.predict(windows);
    const b = await onnx.predict(windows);
    a.forEach((p, i) => {
      assert.ok(maxAbsDiff(p.probabilities, expected.probabilities[i]) < 1e-5);
      assert.ok(maxAbsDiff(p.probabilities, b[i].probabilities) < 1e-5);
      assert.ok(maxAbsDiff(p.probabilities, probabilities(p.logits, true)) < 1e-6);
    });
    const fa = await tfjs.features(windows);
    const fb = await onnx.features(windows);
    fa.forEach((f, i) => assert.ok(maxAbsDiff(f, fb[i]) < 1e-4));
  } finally {
    await tfjs.dispose();
    await onnx.dispose();
  }
});
