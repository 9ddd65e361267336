import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { Adam } from './adam.ts';

test('Adam with weight decay matches torch.optim.Adam step for step, and resumes from exported moments', async () => {
  await initBackend();
  // expected: torch 1.13, Adam(lr=1e-2, weight_decay=0.1) — decay large enough that L2-in-the-gradient and
  // AdamW's decoupled decay differ well beyond the tolerance — over the same three gradients
  const torchParams = [0.4754493832588196, -1.2419456243515015, 1.974244475364685, -0.013169745914638042, -0.004335027653723955];
  const torchM = [0.04689349606633186, 0.016117878258228302, 0.057214293628931046, 0.01792558655142784, 0.05005837604403496];
  const torchV = [0.00014379326603375375, 0.00021249982819426805, 0.0003492071118671447, 3.996055602328852e-05, 0.0002502062707208097];
  const grads = [
    [0.1, -0.2, 0.3, 0.0, 1e-4],
    [-0.05, 0.4, 0.1, 0.2, -1e-4],
    [0.3, 0.3, -0.3, 0.0, 0.5],
  ];
  const run = (resumeAfter: number | null) => {
    const p = tf.variable(tf.tensor1d([0.5, -1.25, 2.0, 0.0, -0.003]));
    let adam = new Adam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    const tensorsBefore = tf.memory().numTensors;
    grads.forEach((g, i) => {
      if (i === resumeAfter) {
        const s = adam.exportState();
        const fresh = new Adam(adam.cfg);
        fresh.importState(s);
        adam = fresh;
      }
      const gt = tf.tensor1d(g);
      adam.apply(new Map([['w', p]]), new Map([['w', gt]]), 1e-2);
      gt.dispose();
    });
    // every step replaces the variable's data and leaves no tensor behind (a leak here filled the wasm heap in 8 epochs)
    assert.equal(tf.memory().numTensors, tensorsBefore, 'Adam leaked tensors');
    const out = { p: [...p.dataSync()], m: [...adam.m.get('w')!.data], v: [...adam.v.get('w')!.data], step: adam.step };
    p.dispose();
    return out;
  };
  for (const resumeAfter of [null, 2]) {
    const r = run(resumeAfter);
    assert.equal(r.step, 3);
    r.p.forEach((x, i) => assert.ok(Math.abs(x - torchParams[i]) < 1e-6, `param ${i}: ${x} vs ${torchParams[i]}`));
    r.m.forEach((x, i) => assert.ok(Math.abs(x - torchM[i]) < 1e-7, `m ${i}`));
    r.v.forEach((x, i) => assert.ok(Math.abs(x - torchV[i]) < 1e-9, `v ${i}`));
  }
});
