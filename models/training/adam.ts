/**
 * Adam exactly as PyTorch's `torch.optim.Adam` with `weight_decay` (L2 added to the gradient, not
 * AdamW; spec §12). State is a map of moments per parameter so a checkpoint can carry it.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 5e-5 };

export class Adam {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(readonly cfg: AdamConfig = ADAM_DEFAULTS) {}

  /** One update of every parameter named in `grads` (keys are parameter names). */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const bc1 = 1 - beta1 ** this.step;
    const bc2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, g0] of grads) {
        const p = params.get(name)!;
        const g = weightDecay ? tf.add(g0, tf.mul(p, weightDecay)) : g0;
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (!m) this.m.set(name, (m = tf.variable(tf.zerosLike(p), false)));
        if (!v) this.v.set(name, (v = tf.variable(tf.zerosLike(p), false)));
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  /** Moments as plain arrays (TF layout) for checkpoints. */
  exportState(): { step: number; m: Map<string, { shape: number[]; data: Float32Array }>; v: Map<string, { shape: number[]; data: Float32Array }> } {
    const dump = (src: Map<string, tf.Variable>) => new Map([...src].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    return { step: this.step, m: dump(this.m), v: dump(this.v) };
  }

  importState(s: { step: number; m: Map<string, { shape: number[]; data: Float32Array }>; v: Map<string, { shape: number[]; data: Float32Array }> }): void {
    this.dispose();
    this.step = s.step;
    for (const [k, t] of s.m) this.m.set(k, tf.variable(tf.tensor(t.data, t.shape), false));
    for (const [k, t] of s.v) this.v.set(k, tf.variable(tf.tensor(t.data, t.shape), false));
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Cosine annealing stepped per epoch (spec §12): epoch e (1-based) uses min + (max−min)(1+cos(π(e−1)/T))/2, then min. */
export function cosineLr(epoch: number, lrMax: number, lrMin: number, tMax: number): number {
  if (tMax <= 0) return lrMax;
  const e = Math.min(epoch - 1, tMax);
  return lrMin + ((lrMax - lrMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2;
}
