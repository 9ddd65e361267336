import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { batchNorm, type ForwardContext } from './context.ts';
import { batchNormTrain, fusedBatchNormAvailable } from './batchNormTrain.ts';
import { BN_EPS, isBuffer, networkSpecs } from './architecture.ts';
import { registerFastKernels, unregisterFastKernels } from '../native/index.ts';
import { buildAddonForTest } from '../native/addonForTests.ts';
import type { NativeAddon } from '../native/nativeAddon.ts';
import { createParams, disposeParams } from './params.ts';
import { fromLeadMajor } from './lightx3ecg.ts';
import { fixtureInputs, fixtureWeights } from '../testing/parityFixture.ts';
import { layerSeed, segmentedGradients } from '../training/segmentedStep.ts';
import { assertCloseToScale } from '../testing/closeness.ts';

// The network's BN shapes (stem, stage 2, stage 3, the head's [B, C]) and a channel count with a
// SIMD tail (13 = 3·4 + 1), channels-last, statistics over all other axes.
const shapes = [[4, 1250, 64], [4, 313, 256], [4, 157, 512], [3, 37, 13], [8, 36]];

interface Result {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/** Runs f in a tidy scope and reads its tensors out (disposing them). */
function values(f: () => Record<keyof Result, tf.Tensor>): Result {
  const t = tf.tidy(f);
  const out = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync() as Float32Array])) as unknown as Result;
  tf.dispose(Object.values(t));
  return out;
}

/** x [..., C] with an offset mean and a spread scale per channel (centring must be exact, not only for
 * standard-normal data), γ, β and the upstream gradient r. */
function inputs(shape: number[], seed: number): { x: tf.Tensor; gamma: tf.Tensor; beta: tf.Tensor; r: tf.Tensor } {
  const C = shape[shape.length - 1];
  return {
    x: tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), tf.linspace(0.5, 3, C)), tf.linspace(-2, 4, C)),
    gamma: tf.randomUniform([C], 0.5, 1.5, 'float32', seed + 1),
    beta: tf.randomNormal([C], 0, 0.5, 'float32', seed + 2),
    r: tf.randomNormal(shape, 0, 1, 'float32', seed + 3),
  };
}

/** batchNorm (training, optionally then tf.relu) of one shape through context.ts, with its statistics and
 * the gradients of sum(y·r). Without the fused kernels this is the moments formulation. */
function run(shape: number[], seed: number, relu: boolean): Result {
  return values(() => {
    const { x, gamma, beta, r } = inputs(shape, seed);
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const forward = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, s?: ForwardContext['bnBatchStats']) => {
      const ctx: ForwardContext = { params: new Map([['bn.weight', g], ['bn.bias', b]]), training: true, bnBatchStats: s };
      const y = batchNorm(ctx, 'bn', a);
      return relu ? tf.relu(y) : y;
    };
    const y = forward(x, gamma, beta, stats);
    const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(forward(a, g, b), r)))([x, gamma, beta]);
    const s = stats.get('bn')!;
    // the statistics are kept outside tidy scopes (like the step's): tidy adopts them by returning them
    return { y, mean: s.mean, variance: s.variance, dx, dgamma, dbeta };
  });
}

/** The fused op called directly with its ReLU: same result as batchNorm then tf.relu. */
function runFusedRelu(shape: number[], seed: number): Result {
  return values(() => {
    const { x, gamma, beta, r } = inputs(shape, seed);
    const C = shape[shape.length - 1];
    const n = x.size / C;
    const f = batchNormTrain(x, gamma, beta, BN_EPS, true);
    const variance = tf.mul(f.variance, n / (n - 1));
    const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const o = batchNormTrain(a, g, b, BN_EPS, true);
      tf.dispose([o.mean, o.variance]);
      return tf.sum(tf.mul(o.y, r));
    })([x, gamma, beta]);
    f.variance.dispose();
    return { y: f.y, mean: f.mean, variance, dx, dgamma, dbeta };
  });
}

/** Relative to the tensor's scale (dx is small, element ratios would hide nothing). */
const close = (a: Float32Array, b: Float32Array, what: string) => assertCloseToScale(a, b, 1e-5, 0, what);

function compare(fused: Result, reference: Result, what: string): void {
  for (const k of Object.keys(reference) as (keyof Result)[]) close(fused[k], reference[k], `${what} ${k}`);
}

async function checkBackend(backend: string, addon: NativeAddon | null, label: string): Promise<void> {
  assert.ok(await tf.setBackend(backend));
  unregisterFastKernels(tf, backend);
  assert.equal(fusedBatchNormAvailable(), false);
  const reference = shapes.map((s, i) => [run(s, 10 * i + 1, false), run(s, 10 * i + 1, true)]);
  registerFastKernels(tf, backend, { addon, fusedBatchNorm: true });
  try {
    assert.ok(fusedBatchNormAvailable(), `${label}: fused BN kernels registered`);
    shapes.forEach((s, i) => {
      const what = `${label} [${s.join(',')}]`;
      compare(run(s, 10 * i + 1, false), reference[i][0], what);
      compare(run(s, 10 * i + 1, true), reference[i][1], `${what} +relu`);
      compare(runFusedRelu(s, 10 * i + 1), reference[i][1], `${what} fused relu`);
    });
  } finally {
    unregisterFastKernels(tf, backend);
  }
}

test('fused BN training (WASM SIMD kernels) equals the moments formulation on cpu and wasm: y, stats, dx, dγ, dβ', async () => {
  for (const backend of ['cpu', 'wasm']) await checkBackend(backend, null, `${backend} simd`);
  await tf.setBackend('cpu');
});

test('fused BN training on the native addon equals the moments formulation on cpu and wasm', async (t) => {
  const addon = buildAddonForTest();
  if (!addon) return t.skip('no g++ or Node headers here: the addon is optional');
  assert.equal(typeof addon.bnTrainForward, 'function');
  for (const backend of ['cpu', 'wasm']) await checkBackend(backend, addon, `${backend} addon`);
  await tf.setBackend('cpu');
});

test('fused BN kernels leave no tensors behind, with and without statistics requested', async () => {
  assert.ok(await tf.setBackend('wasm'));
  registerFastKernels(tf, 'wasm', { addon: null, fusedBatchNorm: true });
  try {
    const x = tf.randomNormal([2, 20, 8], 0, 1, 'float32', 3);
    const params = new Map([['bn.weight', tf.ones([8])], ['bn.bias', tf.zeros([8])]]);
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => batchNorm({ params, training: true }, 'bn', x)));
    tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(batchNorm({ params, training: true }, 'bn', a)))([x]));
    assert.equal(tf.memory().numTensors, before);
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    tf.dispose(tf.tidy(() => batchNorm({ params, training: true, bnBatchStats: stats }, 'bn', x)));
    assert.equal(tf.memory().numTensors, before + 2);
    tf.dispose([stats.get('bn')!.mean, stats.get('bn')!.variance, x, ...params.values()]);
  } finally {
    unregisterFastKernels(tf, 'wasm');
    await tf.setBackend('cpu');
  }
});

test('a whole LightX3ECG training step (3 real ECGs, fixture weights, wasm) gives the same loss, gradients and BN statistics with fused BN and block ends', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const params = createParams(fixtureWeights(4));
  const trainable = new Set(networkSpecs(4).filter((s) => !isBuffer(s.kind)).map((s) => s.name));
  const x = fromLeadMajor(fixtureInputs(), 3, 5000);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 4);
  const loss = (logits: tf.Tensor2D) => tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  const step = (fused: boolean) => {
    unregisterFastKernels(tf, 'wasm');
    registerFastKernels(tf, 'wasm', { fusedBatchNorm: fused, fusedBlockEnd: fused });
    assert.equal(fusedBatchNormAvailable(), fused);
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const r = segmentedGradients({ params, trainable, x, loss, seedFor: (o) => layerSeed(7, o), bnBatchStats: stats });
    const read = (m: Map<string, tf.Tensor>) => new Map([...m].map(([k, t]) => [k, t.dataSync() as Float32Array]));
    const out = {
      loss: r.loss.dataSync()[0],
      grads: read(r.grads),
      means: read(new Map([...stats].map(([k, v]) => [k, v.mean]))),
      variances: read(new Map([...stats].map(([k, v]) => [k, v.variance]))),
    };
    tf.dispose([r.loss, ...r.grads.values(), ...[...stats.values()].flatMap((v) => [v.mean, v.variance])]);
    return out;
  };
  try {
    const reference = step(false);
    const fused = step(true);
    assert.ok(Math.abs(fused.loss - reference.loss) <= 1e-5 * Math.abs(reference.loss), `loss ${fused.loss} vs ${reference.loss}`);
    // Statistics are forward values: tight. Gradients of a whole step carry the step's own float noise:
    // swapping only the matmul kernel (addon vs XNNPACK) in the unfused step already moves some of them by
    // up to 1e-2 of their scale (measured: bn2 biases, pointwise weights), so 2e-2 here — a wrong BN
    // gradient moves every lead's gradients by O(1). The per-layer tests above are the strict ones.
    const tolerance = { grads: 2e-2, means: 1e-4, variances: 1e-4 };
    for (const part of ['grads', 'means', 'variances'] as const) {
      assert.deepEqual([...fused[part].keys()].sort(), [...reference[part].keys()].sort(), part);
      for (const [k, v] of reference[part]) {
        // + 1e-6: a bias followed by BN has a true gradient of 0; both sides are rounding noise there
        assertCloseToScale(fused[part].get(k)!, v, tolerance[part], 1e-6, `${part} ${k}`);
      }
    }
    assert.equal(reference.means.size, 3 * 20 + 1, 'every BN records its statistics (per lead: stem, 8 blocks × 2, 3 shortcuts; the head)');
  } finally {
    unregisterFastKernels(tf, 'wasm');
    registerFastKernels(tf, 'wasm');
    disposeParams(params);
    tf.dispose([x, labels]);
    await tf.setBackend('cpu');
  }
});
