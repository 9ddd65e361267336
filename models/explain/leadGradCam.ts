/**
 * Lead-wise Grad-CAM × attention (spec §11), pure TypeScript.
 *
 * The Grad-CAM layer Aᵢ [512, 157] feeds the head only through its time mean fᵢ = mean_t Aᵢ, so
 * ∂y/∂Aᵢ[k,t] = ∂y/∂fᵢ[k] / 157 for every t, and αᵢ[k] = mean_t ∂y/∂Aᵢ[k,t] = ∂y/∂fᵢ[k] / 157.
 * Only the head's gradient is needed (headGradient.ts); the backbones are never differentiated.
 */
import type { NamedWeights } from '../weights.ts';
import { FEATURE_DIM, INPUT_LENGTH, NUM_LEADS, STAGE3_LENGTH } from '../network/architecture.ts';
import { headParams, type HeadParams } from '../onnx/headForward.ts';
import { logitGradient } from './headGradient.ts';
import type { OnnxEngine } from '../onnx/onnxEngine.ts';

export interface LeadGradCam {
  /** Per lead, 5000 values: minmax(|upᵢ|)·sᵢ, the map to display. */
  maps: Float32Array[];
  /** Attention scores sᵢ. */
  attention: number[];
  /** Per lead, αᵢ [512]. */
  alpha: Float32Array[];
  /** Per lead, camᵢ [157], signed, no ReLU. */
  raw: Float32Array[];
  /** Per lead, camᵢ nearest-upsampled to 5000, signed. */
  rawUpsampled: Float32Array[];
  /** The target logit (whole network). */
  logit: number;
}

/** PyTorch legacy nearest: up[n] = v[floor(n·len/outLength)]. */
export function nearestUpsample(v: ArrayLike<number>, outLength: number): Float32Array {
  const up = new Float32Array(outLength);
  for (let n = 0; n < outLength; n++) up[n] = v[Math.floor((n * v.length) / outLength)];
  return up;
}

/** (|v| − min)/(max − min)·weight over |v|; zeros when |v| is constant. */
export function weightedMinMaxOfAbs(v: ArrayLike<number>, weight: number): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < v.length; n++) {
    const a = Math.abs(v[n]);
    if (a < min) min = a;
    if (a > max) max = a;
  }
  const out = new Float32Array(v.length);
  if (!(max > min)) return out;
  const scale = weight / (max - min);
  for (let n = 0; n < v.length; n++) out[n] = (Math.abs(v[n]) - min) * scale;
  return out;
}

/**
 * `stage3[i]` is lead i's stage-3 output for ONE ECG, [512, 157] channel-major (PyTorch NCL).
 * `head` is the network's weights (only the head tensors are read) or prepared HeadParams.
 */
export function leadGradCam(stage3: ArrayLike<number>[], head: NamedWeights | HeadParams, classIndex: number): LeadGradCam {
  if (stage3.length !== NUM_LEADS) throw new Error(`Grad-CAM: expected ${NUM_LEADS} leads of stage-3 activations, got ${stage3.length}`);
  const per = FEATURE_DIM * STAGE3_LENGTH;
  stage3.forEach((a, i) => {
    if (a.length !== per) throw new Error(`Grad-CAM: lead ${i} activations hold ${a.length} values, expected 512×157 = ${per}`);
  });
  const p = head instanceof Map ? headParams(head) : head;

  const z = new Float64Array(NUM_LEADS * FEATURE_DIM);
  stage3.forEach((a, i) => {
    for (let k = 0; k < FEATURE_DIM; k++) {
      let s = 0;
      for (let t = 0; t < STAGE3_LENGTH; t++) s += a[k * STAGE3_LENGTH + t];
      z[i * FEATURE_DIM + k] = s / STAGE3_LENGTH;
    }
  });
  const { grad, trace } = logitGradient(p, z, classIndex);

  const result: LeadGradCam = { maps: [], attention: Array.from(trace.attention), alpha: [], raw: [], rawUpsampled: [], logit: trace.logits[classIndex] };
  stage3.forEach((a, i) => {
    const alpha = new Float64Array(FEATURE_DIM);
    for (let k = 0; k < FEATURE_DIM; k++) alpha[k] = grad[i * FEATURE_DIM + k] / STAGE3_LENGTH;
    const cam = new Float64Array(STAGE3_LENGTH);
    for (let k = 0; k < FEATURE_DIM; k++) {
      const ak = alpha[k];
      const row = k * STAGE3_LENGTH;
      for (let t = 0; t < STAGE3_LENGTH; t++) cam[t] += ak * a[row + t];
    }
    const up = nearestUpsample(cam, INPUT_LENGTH);
    result.alpha.push(Float32Array.from(alpha));
    result.raw.push(Float32Array.from(cam));
    result.rawUpsampled.push(up);
    result.maps.push(weightedMinMaxOfAbs(up, trace.attention[i]));
  });
  return result;
}

/**
 * Grad-CAM for one ECG `x` [3, 5000] (leads I, II, V1) through the ONNX engine's stage-3 outputs.
 * `classIndex` defaults to the predicted class (argmax of the logits).
 */
export async function explainRecord(engine: OnnxEngine, weights: NamedWeights | HeadParams, x: Float32Array, classIndex?: number): Promise<LeadGradCam & { classIndex: number; logits: Float32Array }> {
  const r = await engine.run(x, 1, { stage3: true });
  const c = classIndex ?? r.logits.reduce((best, v, i, all) => (v > all[best] ? i : best), 0);
  return { ...leadGradCam(r.stage3!, weights, c), classIndex: c, logits: r.logits };
}
