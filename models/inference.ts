/**
 * One inference interface over the two engines: onnxruntime-node (models/onnx, fastest on CPU) when it
 * loads, else TF.js on the active backend. Predict, evaluate, head-mode feature extraction and explain
 * all go through this; training always uses TF.js (onnxruntime-node has no training API in Node).
 */
import type { NamedWeights } from './weights.ts';
import { FEATURE_DIM, NUM_LEADS, STAGE3_LENGTH } from './network/architecture.ts';
import { numClassesOf } from './network/params.ts';
import { stackWindows, TfjsModel, type WindowPrediction } from './tfjsModel.ts';
import { activeBackendLabel, initBackend } from './backend.ts';

export type EnginePreference = 'auto' | 'onnx' | 'tfjs';

export interface InferenceEngine {
  /** "onnxruntime-node", "tfjs-wasm", … */
  readonly name: string;
  readonly numClasses: number;
  predict(windows: Float32Array[], onBatch?: (done: number) => void): Promise<WindowPrediction[]>;
  /** Lead features per window, [3 × 512] lead-major. */
  features(windows: Float32Array[], onBatch?: (done: number) => void): Promise<Float32Array[]>;
  /** One window with per-lead stage-3 activations, channel-major [512, 157] (PyTorch NCL). */
  stage3(window: Float32Array): Promise<WindowPrediction & { stage3: Float32Array[] }>;
  dispose(): Promise<void>;
}

const BATCH = 16;

export function probabilities(logits: ArrayLike<number>, multilabel: boolean): number[] {
  const l = Array.from(logits);
  if (multilabel) return l.map((v) => 1 / (1 + Math.exp(-v)));
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** NLC [157, 512] → NCL [512, 157]. */
export function toChannelMajor(nlc: Float32Array): Float32Array {
  const out = new Float32Array(nlc.length);
  for (let t = 0; t < STAGE3_LENGTH; t++) for (let c = 0; c < FEATURE_DIM; c++) out[c * STAGE3_LENGTH + t] = nlc[t * FEATURE_DIM + c];
  return out;
}

async function onnxEngine(weights: NamedWeights, multilabel: boolean): Promise<InferenceEngine> {
  const { createOnnxEngine } = await import('./onnx/onnxEngine.ts');
  const numClasses = numClassesOf(weights);
  const eng = await createOnnxEngine(weights, numClasses);
  const rowsOf = (r: { logits: Float32Array; attention: Float32Array }, b: number): WindowPrediction[] =>
    Array.from({ length: b }, (_, i) => {
      const logits = Array.from(r.logits.subarray(i * numClasses, (i + 1) * numClasses));
      return { logits, probabilities: probabilities(logits, multilabel), scores: Array.from(r.attention.subarray(i * NUM_LEADS, (i + 1) * NUM_LEADS)) };
    });
  return {
    name: eng.backend,
    numClasses,
    async predict(windows, onBatch) {
      const out: WindowPrediction[] = [];
      for (let i = 0; i < windows.length; i += BATCH) {
        const chunk = windows.slice(i, i + BATCH);
        out.push(...rowsOf(await eng.run(stackWindows(chunk), chunk.length), chunk.length));
        onBatch?.(Math.min(i + BATCH, windows.length));
      }
      return out;
    },
    async features(windows, onBatch) {
      const out: Float32Array[] = [];
      const n = NUM_LEADS * FEATURE_DIM;
      for (let i = 0; i < windows.length; i += BATCH) {
        const chunk = windows.slice(i, i + BATCH);
        const f = await eng.features(stackWindows(chunk), chunk.length);
        chunk.forEach((_, j) => out.push(f.slice(j * n, (j + 1) * n)));
        onBatch?.(Math.min(i + BATCH, windows.length));
      }
      return out;
    },
    async stage3(window) {
      const r = await eng.run(window, 1, { stage3: true });
      return { ...rowsOf(r, 1)[0], stage3: r.stage3! };
    },
    dispose: () => eng.dispose(),
  };
}

async function tfjsEngine(weights: NamedWeights, multilabel: boolean): Promise<InferenceEngine> {
  await initBackend();
  const m = new TfjsModel(weights, multilabel);
  return {
    name: activeBackendLabel(),
    numClasses: m.numClasses,
    predict: async (windows, onBatch) => m.predictWindows(windows, BATCH, onBatch),
    features: async (windows, onBatch) => m.backboneFeatures(windows, BATCH, onBatch),
    async stage3(window) {
      const r = m.withStage3(window);
      return { logits: r.logits, probabilities: r.probabilities, scores: r.scores, stage3: r.stage3.map(toChannelMajor) };
    },
    dispose: async () => m.dispose(),
  };
}

export async function createInferenceEngine(weights: NamedWeights, multilabel: boolean, prefer: EnginePreference = 'auto'): Promise<InferenceEngine> {
  const forced = (process.env.X3ECG_ENGINE as EnginePreference | undefined) ?? prefer;
  if (forced === 'tfjs') return tfjsEngine(weights, multilabel);
  try {
    return await onnxEngine(weights, multilabel);
  } catch (err) {
    if (forced === 'onnx') throw err;
    return tfjsEngine(weights, multilabel);
  }
}

/** Class probabilities of each window under `weights`, on a throw-away engine (validation during training). */
export async function windowProbabilities(weights: NamedWeights, multilabel: boolean, windows: Float32Array[], prefer: EnginePreference = 'auto'): Promise<number[][]> {
  const engine = await createInferenceEngine(weights, multilabel, prefer);
  try {
    return (await engine.predict(windows)).map((p) => p.probabilities);
  } finally {
    await engine.dispose();
  }
}
