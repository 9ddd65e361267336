import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOnnxEngine } from './onnxEngine.ts';
import { headForward, headParams } from './headForward.ts';
import { fixtureExpected, fixtureInputs, fixtureWeights, maxAbsDiff } from '../testing/parityFixture.ts';
import { applyMasks, globalMagnitudeMasks } from '../pruning/magnitude.ts';
import { STAGE3_LENGTH } from '../network/architecture.ts';

const x = fixtureInputs();

for (const numClasses of [4, 9] as const) {
  test(`onnx engine reproduces the ${numClasses}-class parity fixture (logits, attention, features, both layouts)`, async () => {
    const weights = fixtureWeights(numClasses);
    const { expected } = fixtureExpected(numClasses);
    for (const layout of ['1d', '2d'] as const) {
      const engine = await createOnnxEngine(weights, numClasses, { layout });
      try {
        const r = await engine.run(x, 3);
        assert.equal(r.logits.length, 3 * numClasses);
        assert.ok(maxAbsDiff(r.logits, expected.logits.flat()) < 1e-4, `${layout} logits`);
        assert.ok(maxAbsDiff(r.attention, expected.attention_scores.flat()) < 1e-5, `${layout} attention`);
        assert.ok(maxAbsDiff(r.features, expected.lead_features.flat(2)) < 1e-4, `${layout} features`);
        const f = await engine.features(x, 3);
        assert.ok(maxAbsDiff(f, expected.lead_features.flat(2)) < 1e-4, `${layout} backbone-only features`);
      } finally {
        await engine.dispose();
      }
    }
  });
}

test('TS head over the fixture lead features reproduces logits and attention', () => {
  const weights = fixtureWeights(9);
  const { expected } = fixtureExpected(9);
  const h = headForward(headParams(weights), Float32Array.from(expected.lead_features.flat(2)), 3);
  assert.ok(maxAbsDiff(h.logits, expected.logits.flat()) < 1e-5);
  assert.ok(maxAbsDiff(h.attention, expected.attention_scores.flat()) < 1e-6);
});

test('stage-3 outputs for input 0 match the fixture activations of all three leads', async () => {
  const weights = fixtureWeights(4);
  const { tensors, expected } = fixtureExpected(4);
  const engine = await createOnnxEngine(weights, 4);
  try {
    const r = await engine.run(x, 3, { stage3: true });
    assert.ok(r.stage3);
    const per = 512 * STAGE3_LENGTH;
    for (let lead = 0; lead < 3; lead++) {
      assert.equal(r.stage3[lead].length, 3 * per);
      const want = tensors.get(`activations.input0.lead${lead}.stage3`)!.data;
      assert.ok(maxAbsDiff(r.stage3[lead].subarray(0, per), want) < 1e-3, `lead ${lead}`);
    }
    // The explain session computes the same head outputs as the plain one.
    assert.ok(maxAbsDiff(r.logits, expected.logits.flat()) < 1e-4);
  } finally {
    await engine.dispose();
  }
});

test('pruned fixture weights (global L1, 80 %) give the fixture logits after pruning', async () => {
  const weights = fixtureWeights(4);
  const { expected } = fixtureExpected(4);
  const pruning = expected.pruning!;
  const result = globalMagnitudeMasks(weights, 0.8, 4);
  assert.equal(result.pruned, pruning.pruned_elements);
  const engine = await createOnnxEngine(applyMasks(weights, result.masks), 4);
  try {
    const r = await engine.run(x, 3);
    assert.ok(maxAbsDiff(r.logits, pruning.logits_after_pruning.flat()) < 1e-4);
    assert.ok(maxAbsDiff(r.attention, pruning.attention_after_pruning.flat()) < 1e-5);
  } finally {
    await engine.dispose();
  }
});

test('weights of the wrong class count are refused naming the tensor', async () => {
  await assert.rejects(createOnnxEngine(fixtureWeights(9), 4), /classifier\.fc\.weight has shape \[9,512\]/);
});

test('bad input is refused with the reason', async () => {
  const engine = await createOnnxEngine(fixtureWeights(4), 4);
  try {
    await assert.rejects(engine.run(x.subarray(0, 14999), 1), /expected 1×3×5000/);
    await assert.rejects(engine.run(x, 0), /positive integer/);
  } finally {
    await engine.dispose();
  }
});
