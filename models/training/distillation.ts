/**
 * Knowledge distillation from a teacher's class probabilities (Hinton et al. 2015), for fine-tuning a
 * pruned network towards its dense parent: small data gives few hard labels; the parent's probabilities on
 * the same augmented windows say more per record (which classes it confuses, and how sure it is).
 *
 *   loss = (1 − alpha)·hard + alpha·T²·soft
 *   soft = cross-entropy of softmax(logits/T) against the teacher's softmax at T (single-label), or the
 *          mean BCE of sigmoid(logits/T) against the teacher's sigmoid at T per class (multilabel)
 */
import * as tf from '@tensorflow/tfjs';

export interface Distillation {
  /** The teacher's class probabilities for a batch's windows, as the student sees them. */
  teacher: (windows: Float32Array[]) => Promise<number[][]>;
  alpha: number;
  temperature: number;
}

export const DISTILL_DEFAULTS = { alpha: 0.5, temperature: 2 } as const;

const EPS = 1e-7;

/** The teacher's targets at temperature T, from its probabilities (T = 1 returns them unchanged). */
export function temperedTargets(probs: number[][], temperature: number, multilabel: boolean): number[][] {
  if (!(temperature > 0)) throw new Error(`distillation temperature must be > 0 (got ${temperature})`);
  return probs.map((p) => {
    if (multilabel) {
      // sigmoid(logit(p)/T)
      return p.map((q) => {
        const c = Math.min(1 - EPS, Math.max(EPS, q));
        return 1 / (1 + Math.exp(-Math.log(c / (1 - c)) / temperature));
      });
    }
    // softmax(z/T) ∝ exp(z)^(1/T) = p^(1/T)
    const w = p.map((q) => Math.max(EPS, q) ** (1 / temperature));
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / s);
  });
}

/** The soft term (without T²), mean over the batch (and classes when multilabel). */
export function softLoss(logits: tf.Tensor2D, targets: number[][], temperature: number, multilabel: boolean): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.tensor2d(targets, logits.shape);
    const z = tf.div(logits, temperature);
    if (multilabel) return tf.mean(tf.sub(tf.softplus(z), tf.mul(q, z))) as tf.Scalar;
    return tf.mean(tf.neg(tf.sum(tf.mul(q, tf.logSoftmax(z)), 1))) as tf.Scalar;
  });
}

/** (1 − alpha)·hard + alpha·T²·soft. */
export function distilledLoss(hard: tf.Scalar, logits: tf.Tensor2D, targets: number[][], d: Pick<Distillation, 'alpha' | 'temperature'>, multilabel: boolean): tf.Scalar {
  if (!(d.alpha >= 0 && d.alpha <= 1)) throw new Error(`distillation alpha must be in [0, 1] (got ${d.alpha})`);
  const soft = softLoss(logits, targets, d.temperature, multilabel);
  return tf.add(tf.mul(hard, 1 - d.alpha), tf.mul(soft, d.alpha * d.temperature ** 2)) as tf.Scalar;
}
