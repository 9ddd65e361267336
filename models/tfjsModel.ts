/**
 * A loaded LightX3ECG on the active TF.js backend: batched inference on [3, 5000] windows, backbone
 * features (head training, caching), the head on features, and the stage-3 activations explain needs.
 * Arrays in, arrays out; tensors stay inside.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedWeights } from './weights.ts';
import { FEATURE_DIM, NUM_LEADS, STAGE3_LENGTH } from './network/architecture.ts';
import { createParams, disposeParams, numClassesOf, readParams, type ParamMap } from './network/params.ts';
import { fromLeadMajor, lightx3ecg, probabilitiesOf } from './network/lightx3ecg.ts';
import { leadAttentionHead } from './network/leadAttention.ts';
import { leadBackbone } from './network/leadBackbone.ts';
import { WINDOW } from './preprocess.ts';

export interface WindowPrediction {
  logits: number[];
  probabilities: number[];
  /** Attention score per lead (I, II, V1). */
  scores: number[];
}

export interface Stage3Output extends WindowPrediction {
  /** Per lead, NLC [157, 512] row-major (time-major). */
  stage3: Float32Array[];
  /** Per lead [512]. */
  features: Float32Array[];
}

/** [3, 5000] windows back to back: the lead-major batch the engines take. */
export function stackWindows(windows: Float32Array[]): Float32Array {
  const out = new Float32Array(windows.length * NUM_LEADS * WINDOW);
  windows.forEach((w, i) => out.set(w, i * NUM_LEADS * WINDOW));
  return out;
}

function rows(t: tf.Tensor2D): number[][] {
  return t.arraySync();
}

export class TfjsModel {
  readonly params: ParamMap;
  readonly numClasses: number;

  constructor(weights: NamedWeights, readonly multilabel: boolean, source = 'weights') {
    this.numClasses = numClassesOf(weights, source);
    this.params = createParams(weights, this.numClasses, source);
  }

  /** Eval-mode predictions per window, `batchSize` windows at a time. */
  predictWindows(windows: Float32Array[], batchSize = 16, onBatch?: (done: number) => void): WindowPrediction[] {
    const out: WindowPrediction[] = [];
    for (let i = 0; i < windows.length; i += batchSize) {
      const chunk = windows.slice(i, i + batchSize);
      const [logits, probs, scores] = tf.tidy(() => {
        const o = lightx3ecg({ params: this.params, training: false }, fromLeadMajor(stackWindows(chunk), chunk.length, WINDOW), { multilabel: this.multilabel });
        return [o.logits, o.probabilities, o.scores];
      });
      const [l, p, s] = [rows(logits), rows(probs), rows(scores)];
      tf.dispose([logits, probs, scores]);
      chunk.forEach((_, j) => out.push({ logits: l[j], probabilities: p[j], scores: s[j] }));
      onBatch?.(Math.min(i + batchSize, windows.length));
    }
    return out;
  }

  /** Lead features per window: [3 × 512] lead-major (eval mode, what head training caches). */
  backboneFeatures(windows: Float32Array[], batchSize = 16, onBatch?: (done: number) => void): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < windows.length; i += batchSize) {
      const chunk = windows.slice(i, i + batchSize);
      const f = tf.tidy(() => {
        const x = fromLeadMajor(stackWindows(chunk), chunk.length, WINDOW);
        const leads = tf.unstack(x, 2) as tf.Tensor2D[];
        const ctx = { params: this.params, training: false };
        return tf.stack(leads.map((l, k) => leadBackbone(ctx, k, l).feature), 1); // [B, 3, 512]
      });
      const data = f.dataSync() as Float32Array;
      f.dispose();
      chunk.forEach((_, j) => out.push(data.slice(j * NUM_LEADS * FEATURE_DIM, (j + 1) * NUM_LEADS * FEATURE_DIM)));
      onBatch?.(Math.min(i + batchSize, windows.length));
    }
    return out;
  }

  /** Eval-mode head on cached features ([3 × 512] each). */
  predictFromFeatures(features: Float32Array[]): WindowPrediction[] {
    if (!features.length) return [];
    const [logits, probs, scores] = tf.tidy(() => {
      const f = tf.tensor3d(stackFeatures(features), [features.length, NUM_LEADS, FEATURE_DIM]);
      const h = leadAttentionHead({ params: this.params, training: false }, tf.unstack(f, 1) as tf.Tensor2D[]);
      return [h.logits, probabilitiesOf(h.logits, this.multilabel), h.scores];
    });
    const [l, p, s] = [rows(logits), rows(probs), rows(scores)];
    tf.dispose([logits, probs, scores]);
    return l.map((_, j) => ({ logits: l[j], probabilities: p[j], scores: s[j] }));
  }

  /** One window with its stage-3 activations, for lead-wise Grad-CAM. */
  withStage3(window: Float32Array): Stage3Output {
    const o = tf.tidy(() => {
      const r = lightx3ecg({ params: this.params, training: false }, fromLeadMajor(window, 1, WINDOW), { multilabel: this.multilabel, keepStage3: true });
      return { logits: r.logits, probabilities: r.probabilities, scores: r.scores, feats: r.leadFeatures, s3: r.stage3! };
    });
    const feats = o.feats.dataSync() as Float32Array;
    const res: Stage3Output = {
      logits: rows(o.logits)[0],
      probabilities: rows(o.probabilities)[0],
      scores: rows(o.scores)[0],
      stage3: o.s3.map((t) => t.dataSync() as Float32Array),
      features: [0, 1, 2].map((k) => feats.slice(k * FEATURE_DIM, (k + 1) * FEATURE_DIM)),
    };
    if (res.stage3[0].length !== STAGE3_LENGTH * FEATURE_DIM) throw new Error('stage-3 activations have an unexpected size');
    tf.dispose([o.logits, o.probabilities, o.scores, o.feats, ...o.s3]);
    return res;
  }

  toWeights(): NamedWeights {
    return readParams(this.params, this.numClasses);
  }

  dispose(): void {
    disposeParams(this.params);
  }
}

export function stackFeatures(features: Float32Array[]): Float32Array {
  const n = NUM_LEADS * FEATURE_DIM;
  const out = new Float32Array(features.length * n);
  features.forEach((f, i) => out.set(f, i * n));
  return out;
}
