import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { distilledLoss, softLoss, temperedTargets } from './distillation.ts';

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);

test('tempered targets: T = 1 keeps the teacher, a higher T flattens it and stays a distribution', () => {
  const p = [[0.7, 0.2, 0.1]];
  temperedTargets(p, 1, false)[0].forEach((v, i) => near(v, p[0][i], `T1 class ${i}`));
  const t4 = temperedTargets(p, 4, false)[0];
  near(t4.reduce((a, b) => a + b, 0), 1, 'sum');
  assert.ok(t4[0] < 0.7 && t4[2] > 0.1, `${t4}`);
  // softmax(log p / T): the same as tempering the teacher's logits
  const z = p[0].map((q) => Math.log(q) / 4);
  const e = z.map(Math.exp);
  t4.forEach((v, i) => near(v, e[i] / e.reduce((a, b) => a + b, 0), `T4 class ${i}`));
  // multilabel: sigmoid(logit(p) / T) per class, 0.5 stays 0.5
  const m = temperedTargets([[0.9, 0.5, 0.05]], 2, true)[0];
  near(m[1], 0.5, 'multilabel 0.5');
  near(m[0], 1 / (1 + Math.exp(-Math.log(9) / 2)), 'multilabel 0.9');
  assert.throws(() => temperedTargets(p, 0, false), /temperature must be > 0/);
});

test('soft and distilled losses: cross-entropy at T (softmax) and BCE at T (sigmoid); alpha mixes with T²', () => {
  const logits = tf.tensor2d([[1, 2, 0], [0.5, -1, 3]]);
  const q = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]];
  const T = 2;
  const lsm = (row: number[]) => {
    const m = Math.log(row.reduce((a, v) => a + Math.exp(v / T), 0));
    return row.map((v) => v / T - m);
  };
  const rows = logits.arraySync() as number[][];
  const ce = rows.map((r, b) => -lsm(r).reduce((a, v, c) => a + q[b][c] * v, 0)).reduce((a, b) => a + b, 0) / 2;
  near(softLoss(logits, q, T, false).dataSync()[0], ce, 'softmax soft loss');
  const bce = rows.flatMap((r, b) => r.map((v, c) => Math.log(1 + Math.exp(v / T)) - (q[b][c] * v) / T)).reduce((a, b) => a + b, 0) / 6;
  near(softLoss(logits, q, T, true).dataSync()[0], bce, 'sigmoid soft loss');
  const hard = tf.scalar(0.9);
  near(distilledLoss(hard, logits, q, { alpha: 0, temperature: T }, false).dataSync()[0], 0.9, 'alpha 0');
  near(distilledLoss(hard, logits, q, { alpha: 1, temperature: T }, false).dataSync()[0], 4 * ce, 'alpha 1');
  near(distilledLoss(hard, logits, q, { alpha: 0.5, temperature: T }, false).dataSync()[0], 0.45 + 2 * ce, 'alpha 0.5');
  assert.throws(() => distilledLoss(hard, logits, q, { alpha: 1.5, temperature: T }, false), /alpha must be in \[0, 1\]/);
  tf.dispose([logits, hard]);
});
