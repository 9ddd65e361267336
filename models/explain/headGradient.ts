/**
 * ∂logit_c/∂z for the LightX3ECG head (spec §5), analytically, where z = concat(f0, f1, f2) are the
 * pooled lead features. Both paths count: the direct one through m = Σ sᵢ fᵢ, and the attention
 * path, since every score sᵢ depends on all three fᵢ through fc1 → BN → ReLU → fc2 → σ.
 * Eval mode: dropout is the identity and BN is an affine map with the running statistics.
 */
import { FEATURE_DIM, NUM_LEADS } from '../network/architecture.ts';
import { headTrace, type HeadParams, type HeadTrace } from '../onnx/headForward.ts';

const Z = NUM_LEADS * FEATURE_DIM;

export function logitGradient(p: HeadParams, z: ArrayLike<number>, classIndex: number): { grad: Float64Array; trace: HeadTrace } {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= p.numClasses) {
    throw new Error(`class index ${classIndex} out of range for a ${p.numClasses}-class model`);
  }
  const trace = headTrace(p, z);
  const w = p.clsW.subarray(classIndex * FEATURE_DIM, (classIndex + 1) * FEATURE_DIM);
  const grad = new Float64Array(Z);

  // Direct path: ∂y/∂fᵢ[k] = sᵢ·W3[c,k]; and ∂y/∂sᵢ = W3[c]·fᵢ.
  const dAct = new Float64Array(NUM_LEADS); // ∂y/∂(pre-sigmoid score)
  for (let i = 0; i < NUM_LEADS; i++) {
    let dS = 0;
    for (let k = 0; k < FEATURE_DIM; k++) {
      grad[i * FEATURE_DIM + k] = trace.attention[i] * w[k];
      dS += w[k] * z[i * FEATURE_DIM + k];
    }
    dAct[i] = dS * trace.attention[i] * (1 - trace.attention[i]);
  }
  // Attention path back to fc1's output: fc2ᵀ, ReLU mask (gradient 0 at 0, as PyTorch), BN scale.
  const dFc1 = new Float64Array(FEATURE_DIM);
  for (let o = 0; o < FEATURE_DIM; o++) {
    if (!(trace.pre[o] > 0)) continue;
    let d = 0;
    for (let i = 0; i < NUM_LEADS; i++) d += dAct[i] * p.fc2W[i * FEATURE_DIM + o];
    dFc1[o] = d * p.bnScale[o];
  }
  for (let o = 0; o < FEATURE_DIM; o++) {
    const d = dFc1[o];
    if (d === 0) continue;
    const row = o * Z;
    for (let j = 0; j < Z; j++) grad[j] += d * p.fc1W[row + j];
  }
  return { grad, trace };
}
