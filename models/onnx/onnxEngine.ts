/**
 * Inference engine on onnxruntime-node: the LightX3ECG graph built in memory from NamedWeights
 * (lightx3ecgGraph.ts), one session per output set, created on first use:
 *   • 'full'      → logits, attention, features
 *   • 'explain'   → the same plus the stage-3 activations per lead (Grad-CAM layer)
 *   • 'backbone'  → lead features only (head-mode feature extraction)
 * Input is float32 [B, 3, 5000], lead-major per ECG (leads I, II, V1), as in spec §1.
 */
import * as ort from 'onnxruntime-node';
import type { NamedWeights } from '../weights.ts';
import { FEATURE_DIM, INPUT_LENGTH, NUM_LEADS, STAGE3_LENGTH } from '../network/architecture.ts';
import { buildLightX3ecgGraph, INPUT_NAME, type GraphLayout, type GraphOptions } from './lightx3ecgGraph.ts';

export const ONNX_BACKEND = 'onnxruntime-node';

export interface OnnxEngineOptions {
  /** Intra-op threads per session (default 2: this product targets 2-core machines). */
  threads?: number;
  /** Graph layout; '2d' by default: 1.5× faster here (bench/onnx.ts measures both). */
  layout?: GraphLayout;
}

export interface OnnxRunResult {
  /** [B, C] */
  logits: Float32Array;
  /** [B, 3] independent sigmoid scores per lead. */
  attention: Float32Array;
  /** [B, 3, 512] pooled lead features fᵢ. */
  features: Float32Array;
  /** Per lead, [B, 512, 157] stage-3 activations (only when asked for). */
  stage3?: Float32Array[];
}

export interface OnnxEngine {
  readonly backend: typeof ONNX_BACKEND;
  readonly numClasses: number;
  run(x: Float32Array, batch: number, want?: { stage3?: boolean }): Promise<OnnxRunResult>;
  /** Lead features [B, 3, 512] from the backbone-only graph. */
  features(x: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

type SessionKind = 'full' | 'explain' | 'backbone';

const GRAPHS: Record<SessionKind, GraphOptions> = {
  full: { variant: 'full', stage3: false },
  explain: { variant: 'full', stage3: true },
  backbone: { variant: 'backbone', stage3: false },
};

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

/**
 * `weights` are read when a session is first needed; do not mutate them while the engine lives
 * (a new model version means a new engine).
 */
export async function createOnnxEngine(weights: NamedWeights, numClasses: number, opts: OnnxEngineOptions = {}): Promise<OnnxEngine> {
  const threads = opts.threads ?? 2;
  const layout = opts.layout ?? '2d';
  const sessions = new Map<SessionKind, Promise<ort.InferenceSession>>();
  const session = (kind: SessionKind) => {
    let s = sessions.get(kind);
    if (!s) {
      const bytes = buildLightX3ecgGraph(weights, numClasses, { ...GRAPHS[kind], layout });
      s = ort.InferenceSession.create(bytes, sessionOptions(threads));
      sessions.set(kind, s);
    }
    return s;
  };
  await session('full');

  const input = (x: Float32Array, batch: number) => {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`onnx engine: batch must be a positive integer, got ${batch}`);
    const want = batch * NUM_LEADS * INPUT_LENGTH;
    if (x.length !== want) throw new Error(`onnx engine: input holds ${x.length} values, expected ${batch}×${NUM_LEADS}×${INPUT_LENGTH} = ${want}`);
    return { [INPUT_NAME]: new ort.Tensor('float32', x, [batch, NUM_LEADS, INPUT_LENGTH]) };
  };
  const data = (t: ort.Tensor) => t.data as Float32Array;

  return {
    backend: ONNX_BACKEND,
    numClasses,
    async run(x, batch, want = {}) {
      const s = await session(want.stage3 ? 'explain' : 'full');
      const out = await s.run(input(x, batch));
      const result: OnnxRunResult = { logits: data(out.logits), attention: data(out.attention), features: data(out.features) };
      if (want.stage3) {
        result.stage3 = Array.from({ length: NUM_LEADS }, (_, i) => {
          const t = out[`stage3_lead${i}`];
          if (t.dims[2] !== STAGE3_LENGTH) throw new Error(`onnx engine: stage-3 length ${t.dims[2]}, expected ${STAGE3_LENGTH}`);
          return data(t);
        });
      }
      return result;
    },
    async features(x, batch) {
      const out = await (await session('backbone')).run(input(x, batch));
      const f = data(out.features);
      if (f.length !== batch * NUM_LEADS * FEATURE_DIM) throw new Error('onnx engine: unexpected feature size');
      return f;
    },
    async dispose() {
      const all = await Promise.all(sessions.values());
      sessions.clear();
      await Promise.all(all.map((s) => s.release()));
    },
  };
}
