import { test } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels, unregisterFastKernels, FAST_KERNELS } from './index.ts';
import { depthwiseBackpropFilter, depthwiseBackpropInput, depthwiseForward, type DepthwiseGeometry } from './depthwiseKernels.ts';
import { depthwiseWasm } from './depthwiseWasm.ts';
import { buildAddonForTest } from './addonForTests.ts';
import { BN_TRAIN_KERNELS, SCALE_ADD_RELU_KERNELS } from './fusedKernelNames.ts';
import { assertCloseElementwise } from '../testing/closeness.ts';

interface Case {
  x: number[];
  f: number[];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
  dilations?: [number, number];
  /** tfjs has no depthwise gradient with dilations: compare the forward pass only. */
  forwardOnly?: boolean;
}

// The network's shapes (height-1 images, k=7, stride 1 and 2) plus general 2-D geometry.
const cases: Case[] = [
  { x: [3, 1, 50, 64], f: [1, 7, 64, 1], strides: [1, 1], pad: 'valid' },
  { x: [2, 1, 57, 32], f: [1, 7, 32, 1], strides: [1, 2], pad: 'valid' },
  { x: [2, 1, 31, 16], f: [1, 1, 16, 1], strides: [1, 2], pad: 'valid' },
  { x: [2, 5, 9, 8], f: [3, 3, 8, 1], strides: [2, 1], pad: 'same' },
  { x: [1, 6, 11, 4], f: [2, 3, 4, 1], strides: [1, 1], pad: 1, dilations: [1, 2], forwardOnly: true },
];

function random(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Forward output and both gradients of sum(y·r) for one case, on the active backend. */
function run(c: Case, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = random(c.x, seed) as tf.Tensor4D;
    const f = random(c.f, seed + 1) as tf.Tensor4D;
    const dwc = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, c.strides, c.pad, 'NHWC', c.dilations ?? [1, 1]);
    const y = dwc(x, f);
    if (c.forwardOnly) return [y.dataSync() as Float32Array];
    const r = random(y.shape, seed + 2);
    const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(dwc(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, f]);
    return [y, gx, gf].map((t) => t.dataSync() as Float32Array);
  });
}

const close = (a: Float32Array, b: Float32Array, what: string) => assertCloseElementwise(a, b, 1e-5, what);

test('fast depthwise kernels match tfjs cpu kernels: forward, input and filter gradients', async () => {
  await tf.setBackend('cpu');
  const reference = cases.map((c, i) => run(c, 10 * i + 1));
  const { registered } = registerFastKernels(tf, 'cpu', { addon: null, fusedBatchNorm: true, fusedBlockEnd: true });
  try {
    assert.deepEqual(registered, [...FAST_KERNELS, ...BN_TRAIN_KERNELS, ...SCALE_ADD_RELU_KERNELS]);
    cases.forEach((c, i) => {
      const fast = run(c, 10 * i + 1);
      fast.forEach((v, j) => close(v, reference[i][j], `case ${i} ${['forward', 'dx', 'dfilter'][j]}`));
    });
  } finally {
    unregisterFastKernels(tf);
  }
  // Unregistering restores the backend's own kernels.
  close(run(cases[0], 1)[0], reference[0][0], 'restored');
});

test('on wasm (which has no depthwise backprop) the fast kernels give the cpu gradients', async () => {
  await tf.setBackend('cpu');
  const reference = cases.map((c, i) => run(c, 10 * i + 1));
  assert.ok(await tf.setBackend('wasm'));
  assert.equal(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm'), undefined);
  registerFastKernels(tf, 'wasm', { addon: null });
  try {
    cases.forEach((c, i) => {
      const fast = run(c, 10 * i + 1);
      fast.forEach((v, j) => close(v, reference[i][j], `wasm case ${i} ${['forward', 'dx', 'dfilter'][j]}`));
    });
  } finally {
    unregisterFastKernels(tf);
    await tf.setBackend('cpu');
  }
});

/** 1-D geometries with padding, stride 2, 1-wide filters, and channel counts off the kernels' blocks. */
const oneDCases = [[16, 40, 7, 2, 3], [13, 25, 7, 1, 3], [64, 30, 1, 2, 0], [8, 9, 15, 2, 7], [70, 33, 7, 1, 3], [130, 20, 7, 2, 3]];

function oneD([C, L, K, s, pad]: number[]) {
  const OL = Math.floor((L + 2 * pad - K) / s) + 1;
  const g: DepthwiseGeometry = { batchSize: 3, inHeight: 1, inWidth: L, channels: C, outHeight: 1, outWidth: OL, filterHeight: 1, filterWidth: K, strideHeight: 1, strideWidth: s, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: pad };
  const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
  return { g, x: rand(3 * L * C, 1), w: rand(K * C, 2), dy: rand(3 * OL * C, 3), what: `C${C} K${K} s${s} pad${pad}` };
}

test('WASM SIMD 1-D kernels equal the JS kernels, with padding, stride 2 and a channel tail', () => {
  const simd = depthwiseWasm();
  assert.ok(simd, 'WebAssembly SIMD is available in Node 20');
  for (const c of oneDCases) {
    const { g, x, w, dy, what } = oneD(c);
    close(simd.forward(g, x, w), depthwiseForward(g, x, w), `${what} forward`);
    close(simd.backpropInput(g, dy, w), depthwiseBackpropInput(g, dy, w), `${what} dx`);
    close(simd.backpropFilter(g, x, dy), depthwiseBackpropFilter(g, x, dy), `${what} dfilter`);
  }
});

test('native 1-D depthwise kernels (optional addon) equal the JS kernels, and serve the wasm backend', async (t) => {
  const addon = buildAddonForTest('default');
  if (!addon) return t.skip('no g++ or Node headers here: the addon is optional');
  const { depthwiseForward: nf, depthwiseBackpropInput: ni, depthwiseBackpropFilter: nb } = addon;
  assert.ok(nf && ni && nb, 'the addon exports the depthwise kernels');
  for (const c of oneDCases) {
    const { g, x, w, dy, what } = oneD(c);
    const call = (k: typeof nf, a: Float32Array, b: Float32Array, n: number) => {
      const out = new Float32Array(n).fill(Number.NaN); // every value must be written
      k(a, b, out, g.batchSize, g.inWidth, g.channels, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
      return out;
    };
    close(call(nf, x, w, dy.length), depthwiseForward(g, x, w), `native ${what} forward`);
    close(call(ni, dy, w, x.length), depthwiseBackpropInput(g, dy, w), `native ${what} dx`);
    close(call(nb, x, dy, w.length), depthwiseBackpropFilter(g, x, dy), `native ${what} dfilter`);
  }
  assert.throws(() => nf(new Float32Array(10), new Float32Array(7), new Float32Array(10), 1, 10, 2, 5, 7, 1, 3), /too short/);
  assert.throws(() => nf(new Float32Array(10), new Float32Array(7), new Float32Array(10), 1, 10, 1, 5, 7, 0, 3), /invalid geometry/);

  await tf.setBackend('cpu');
  const reference = cases.map((c, i) => run(c, 10 * i + 1));
  assert.ok(await tf.setBackend('wasm'));
  registerFastKernels(tf, 'wasm', { addon });
  try {
    cases.forEach((c, i) => run(c, 10 * i + 1).forEach((v, j) => close(v, reference[i][j], `native on wasm, case ${i} ${['forward', 'dx', 'dfilter'][j]}`)));
  } finally {
    unregisterFastKernels(tf);
    await tf.setBackend('cpu');
  }
});

test('native BatchMatMul (optional addon, built-in and oneDNN GEMM) equals the backend kernels: transposes, batch broadcast, 2-D', async (t) => {
  const addons = [buildAddonForTest('builtin'), buildAddonForTest('default')].filter((a): a is NonNullable<typeof a> => a !== undefined);
  if (!addons.length) return t.skip('no g++ or Node headers here: the addon is optional');
  assert.equal(addons[0].gemm, 'builtin');
  if (existsSync('/usr/include/oneapi/dnnl/dnnl.h')) assert.equal(addons[1].gemm, 'onednn', 'libdnnl-dev is installed: the install build links oneDNN');
  const shapes: [number[], number[], boolean, boolean][] = [
    [[37, 19], [19, 23], false, false],
    [[3, 19, 37], [3, 23, 19], true, true],
    [[2, 40, 64], [64, 33], false, false],
    [[1, 50, 8], [4, 8, 50], false, false],
    [[130, 70], [130, 45], true, false],
  ];
  const product = () =>
    shapes.map(([sa, sb, ta, tb], i) =>
      tf.tidy(() => tf.matMul(random(sa, 7 * i + 1), random(sb, 7 * i + 2), ta, tb).dataSync() as Float32Array),
    );
  for (const addon of addons) {
    for (const backend of ['cpu', 'wasm']) {
      assert.ok(await tf.setBackend(backend));
      const reference = product();
      const { registered } = registerFastKernels(tf, backend, { addon });
      try {
        assert.ok(registered.includes('BatchMatMul'));
        product().forEach((v, i) => close(v, reference[i], `${addon.gemm ?? 'builtin'} GEMM, ${backend} matMul case ${i}`));
      } finally {
        unregisterFastKernels(tf, backend);
      }
    }
  }
  await tf.setBackend('cpu');
});

test('wasm Sum and Mean over middle axes equal the cpu kernels; other axes fall back', async () => {
  const calls: [number[], number | number[], boolean][] = [
    [[4, 50, 16], [0, 1], false],
    [[4, 50, 16], 1, true],
    [[3, 7, 5, 6], [1, 2], false],
    [[2, 300, 13], [0, 1], true],
    [[4, 50, 16], -1, false],
    [[4, 50, 16], [0, 2], false],
    [[6, 9], 0, false],
  ];
  const reduce = () =>
    calls.flatMap(([shape, axis, keep], i) =>
      tf.tidy(() => {
        const x = random(shape, 5 * i + 1);
        return [tf.sum(x, axis, keep), tf.mean(x, axis, keep)].map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
      }),
    );
  await tf.setBackend('cpu');
  const reference = reduce();
  assert.ok(await tf.setBackend('wasm'));
  const { registered } = registerFastKernels(tf, 'wasm', { addon: null });
  try {
    assert.ok(registered.includes('Sum') && registered.includes('Mean'));
    reduce().forEach((r, i) => {
      assert.deepEqual(r.shape, reference[i].shape, `call ${i} shape`);
      close(r.data, reference[i].data, `call ${i}`);
    });
  } finally {
    unregisterFastKernels(tf, 'wasm');
    await tf.setBackend('cpu');
  }
});

test('1-D MaxPoolGrad routes each gradient to the first maximum, as cpu and PyTorch do, on cpu and wasm, JS and native (ties, padding, 2-D falls back)', async () => {
  type Pad = 'valid' | 'same' | [[0, 0], [0, 0], [number, number], [0, 0]];
  const poolCases: { x: number[]; k: [number, number]; s: [number, number]; pad: Pad; ties: boolean }[] = [
    { x: [3, 1, 41, 16], k: [1, 3], s: [1, 2], pad: 'valid', ties: true },
    { x: [2, 1, 40, 8], k: [1, 3], s: [1, 2], pad: [[0, 0], [0, 0], [1, 1], [0, 0]], ties: true },
    { x: [2, 1, 17, 5], k: [1, 4], s: [1, 3], pad: 'same', ties: true },
    // 2-D goes to the backend's own kernel (compared with itself: wasm's disagrees with cpu's here)
    { x: [2, 5, 6, 3], k: [2, 2], s: [2, 2], pad: 'valid', ties: false },
  ];
  // ties: few distinct values, many zeros (as after a ReLU), so ties decide where gradients go
  const grads = (c: (typeof poolCases)[number], i: number) =>
    tf.tidy(() => {
      const x = c.ties ? tf.relu(tf.round(tf.mul(random(c.x, 100 + i), 2))) : random(c.x, 100 + i);
      const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad);
      const r = random(pool(x).shape, 200 + i);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), r)))(x).dataSync() as Float32Array;
    });
  // the reference is cpu's kernel (first maximum, as PyTorch); wasm's own sends a tie elsewhere
  await tf.setBackend('cpu');
  const reference = poolCases.map(grads);
  const native = buildAddonForTest('default');
  for (const [backend, addon] of [['cpu', null], ['wasm', null], ['wasm', native ?? null]] as const) {
    assert.ok(await tf.setBackend(backend));
    const own = grads(poolCases[3], 3);
    registerFastKernels(tf, backend, { addon });
    try {
      poolCases.forEach((c, i) => close(grads(c, i), i === 3 ? own : reference[i], `${backend}${addon ? ' (native)' : ''} maxPool case ${i}`));
    } finally {
      unregisterFastKernels(tf);
    }
  }
  await tf.setBackend('cpu');
});
