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

type Moments = Map<string, { shape: number[]; data: Float32Array }>;

/** Sets a variable to an array's values. assign() shares the tensor's data, so the tensor itself must go. */
export function assignArray(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape);
  v.assign(t);
  t.dispose();
}

/**
 * The moments live in plain Float32Arrays and the update is one fused loop per parameter: a parameter is
 * read once, its gradient once and the new value written once. As ~10 tfjs ops per tensor it cost
 * ~150 ms per step on the main thread, where the lead workers wait for it.
 */
export class Adam {
  step = 0;
  readonly m: Moments = new Map();
  readonly v: Moments = new Map();

  constructor(readonly cfg: AdamConfig = ADAM_DEFAULTS) {}

  /**
   * One update of every parameter named in `grads` (keys are parameter names). A parameter with a mask
   * (TF layout, 0 = pruned) has its pruned weights set back to exactly 0 in the same pass.
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number, masks?: ReadonlyMap<string, Uint8Array>): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const stepSize = lr / (1 - beta1 ** this.step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    for (const [name, gt] of grads) {
      const p = params.get(name)!;
      // a copy: on the cpu backend dataSync hands out the variable's own storage
      const w = (p.dataSync() as Float32Array).slice();
      const g = gt.dataSync() as Float32Array;
      const m = this.moment(this.m, name, p.shape).data;
      const v = this.moment(this.v, name, p.shape).data;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + weightDecay * w[i];
        const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
        w[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
      }
      const mask = masks?.get(name);
      if (mask) for (let i = 0; i < w.length; i++) if (!mask[i]) w[i] = 0;
      assignArray(p, w);
    }
  }

  private moment(src: Moments, name: string, shape: number[]) {
    let t = src.get(name);
    if (!t) src.set(name, (t = { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
    return t;
  }

  /** Moments as plain arrays (TF layout) for checkpoints. */
  exportState(): { step: number; m: Moments; v: Moments } {
    return { step: this.step, m: this.m, v: this.v };
  }

  importState(s: { step: number; m: Moments; v: Moments }): void {
    this.dispose();
    this.step = s.step;
    for (const [k, t] of s.m) this.m.set(k, { shape: t.shape, data: t.data.slice() });
    for (const [k, t] of s.v) this.v.set(k, { shape: t.shape, data: t.data.slice() });
  }

  dispose(): void {
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
