/**
 * One engine measurement in a fresh process (so peak RSS belongs to it), for bench/engine.ts:
 *   node --import tsx models/profiling/engineProbe.ts <backend> <what> <batch> [reps]
 * what: infer | train | train-parallel | train-tape | head-epoch | layers | kernels-infer | kernels-train | onnx-infer
 * Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../backend.ts';
import { initialWeights, createParams } from '../network/params.ts';
import { networkSpecs, isBuffer, NUM_LEADS, FEATURE_DIM } from '../network/architecture.ts';
import { fromLeadMajor, lightx3ecg } from '../network/lightx3ecg.ts';
import { backboneSegments } from '../network/segments.ts';
import { leadAttentionHead } from '../network/leadAttention.ts';
import { TfjsModel } from '../tfjsModel.ts';
import { Adam } from '../training/adam.ts';
import { layerSeed, segmentedGradients } from '../training/segmentedStep.ts';
import { LeadWorkerPool } from '../training/leadWorkers.ts';

const [backend, what, batchS, repsS] = process.argv.slice(2);
const batch = Number(batchS ?? 1);
const reps = Number(repsS ?? 3);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const peak = () => process.resourceUsage().maxRSS * 1024;
const randomWindows = (n: number) => Array.from({ length: n }, (_, i) => Float32Array.from({ length: 15000 }, (_, j) => Math.sin(j * 0.01 * (i + 1)) * 0.5));
const weights = initialWeights(4, 1);
const out: Record<string, unknown> = { backend, what, batch };

async function main() {
  if (what === 'onnx-infer') {
    const { createInferenceEngine } = await import('../inference.ts');
    const eng = await createInferenceEngine(weights, false, 'onnx');
    const w = randomWindows(batch);
    await eng.predict(w);
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      await eng.predict(w);
      times.push((performance.now() - t) / batch);
    }
    await eng.dispose();
    Object.assign(out, { backend: 'onnxruntime-node', msPerEcg: median(times), peakRssBytes: peak() });
    return;
  }
  out.backend = `tfjs-${await initBackend(backend as BackendName)}`;
  if (what === 'infer') {
    const m = new TfjsModel(weights, false);
    const w = randomWindows(batch);
    m.predictWindows(w, batch);
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      m.predictWindows(w, batch);
      times.push((performance.now() - t) / batch);
    }
    Object.assign(out, { msPerEcg: median(times), peakRssBytes: peak() });
  } else if (what === 'train' || what === 'train-tape' || what === 'train-parallel') {
    const params = createParams(weights);
    const trainable = new Set(networkSpecs(4).filter((s) => !isBuffer(s.kind)).map((s) => s.name));
    const adam = new Adam();
    const x = fromLeadMajor(Float32Array.from({ length: batch * 15000 }, (_, i) => Math.sin(i * 0.013)), batch, 5000);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 4), 'int32'), 4);
    const loss = (logits: tf.Tensor2D) => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    const pool = what === 'train-parallel' ? await LeadWorkerPool.start() : null;
    const items = Array.from({ length: batch }, (_, b) => Float32Array.from({ length: 15000 }, (_, i) => Math.sin((b * 15000 + i) * 0.013)));
    const times: number[] = [];
    for (let r = 0; r < reps + 1; r++) {
      const t = performance.now();
      const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
      const seedFor = (o: string) => layerSeed(r, o);
      let value: tf.Scalar;
      let grads: Map<string, tf.Tensor>;
      if (pool) ({ loss: value, grads } = await pool.gradients({ params, trainable, items, loss, stepSeed: r, bnBatchStats: stats }));
      else if (what === 'train') ({ loss: value, grads } = segmentedGradients({ params, trainable, x, loss, seedFor, bnBatchStats: stats }));
      else {
        const g = tf.variableGrads(() => loss(lightx3ecg({ params, training: true, bnBatchStats: stats, seedFor }, x).logits), [...trainable].map((n) => params.get(n)!));
        value = g.value;
        const byVar = new Map([...trainable].map((n) => [params.get(n)!.name, n]));
        grads = new Map(Object.entries(g.grads).map(([k, v]) => [byVar.get(k)!, v]));
      }
      adam.apply(params, grads, 1e-3);
      await value.data();
      tf.dispose([value, ...grads.values(), ...[...stats.values()].flatMap((s) => [s.mean, s.variance])]);
      if (r > 0) times.push((performance.now() - t) / batch);
    }
    await pool?.dispose();
    // resourceUsage().maxRSS is the whole process's, worker threads included
    Object.assign(out, { msPerEcg: median(times), peakRssBytes: peak(), ...(pool ? { leadWorkers: 3 } : {}) });
  } else if (what === 'head-epoch') {
    // one head-mode epoch over `batch` records of cached features (batches of 64)
    const params = createParams(weights);
    const head = [...params.keys()].filter((n) => !n.startsWith('lead') && params.get(n)!.trainable);
    const adam = new Adam();
    const feats = tf.randomNormal([batch, NUM_LEADS, FEATURE_DIM]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 4), 'int32'), 4);
    const t = performance.now();
    for (let i = 0; i < batch; i += 64) {
      const n = Math.min(64, batch - i);
      const f = feats.slice([i, 0, 0], [n, -1, -1]);
      const y = labels.slice([i, 0], [n, -1]);
      const { value, grads } = tf.variableGrads(() => {
        const logits = leadAttentionHead({ params, training: true, seedFor: (o) => layerSeed(i, o) }, tf.unstack(f, 1) as tf.Tensor2D[]).logits;
        return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      }, head.map((h) => params.get(h)!));
      const byVar = new Map(head.map((h) => [params.get(h)!.name, h]));
      adam.apply(params, new Map(Object.entries(grads).map(([k, v]) => [byVar.get(k)!, v])), 1e-3);
      await value.data();
      tf.dispose([value, f, y, ...Object.values(grads)]);
    }
    Object.assign(out, { msPerEpoch: performance.now() - t, records: batch, peakRssBytes: peak() });
  } else if (what === 'layers') {
    // per-segment cost of one lead: forward (eval) and forward+backward (train), ms per ECG
    const params = createParams(weights);
    const segs = backboneSegments(0);
    let h: tf.Tensor = tf.tensor2d(Float32Array.from({ length: batch * 5000 }, (_, i) => Math.sin(i * 0.013)), [batch, 5000]);
    const rows: { segment: string; inferMs: number; trainMs: number }[] = [];
    for (const s of segs) {
      const fwd = () => tf.tidy(() => s.run({ params, training: false }, h));
      tf.dispose(fwd());
      let t = performance.now();
      const next = fwd();
      await next.data();
      const inferMs = (performance.now() - t) / batch;
      const ctx = (p: Map<string, tf.Tensor>) => ({ params: p, training: true, seedFor: (o: string) => layerSeed(1, o) });
      const gradFn = tf.grads((...args: tf.Tensor[]) => {
        const m = new Map<string, tf.Tensor>(params);
        s.paramNames.forEach((n, i) => m.set(n, args[i + 1]));
        return tf.sum(s.run(ctx(m), args[0])) as tf.Scalar;
      });
      tf.dispose(gradFn([h, ...s.paramNames.map((n) => params.get(n)!)]));
      t = performance.now();
      const g = gradFn([h, ...s.paramNames.map((n) => params.get(n)!)]);
      await g[0].data();
      const trainMs = (performance.now() - t) / batch;
      tf.dispose(g);
      rows.push({ segment: s.prefix.replace('lead0.', ''), inferMs, trainMs });
      h.dispose();
      h = next;
    }
    Object.assign(out, { perLead: rows, peakRssBytes: peak() });
  } else if (what === 'kernels-infer' || what === 'kernels-train') {
    const params = createParams(weights);
    const x = fromLeadMajor(Float32Array.from({ length: batch * 15000 }, (_, i) => Math.sin(i * 0.013)), batch, 5000);
    const trainable = new Set(networkSpecs(4).filter((s) => !isBuffer(s.kind)).map((s) => s.name));
    const run = () => {
      if (what === 'kernels-infer') return tf.tidy(() => lightx3ecg({ params, training: false }, x).logits);
      const r = segmentedGradients({ params, trainable, x, loss: (l) => tf.sum(l) as tf.Scalar, seedFor: (o) => layerSeed(2, o), bnBatchStats: new Map() });
      tf.dispose([...r.grads.values()]);
      return r.loss;
    };
    tf.dispose(run());
    const prof = await tf.profile(() => run());
    const by = new Map<string, number>();
    for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    Object.assign(out, { kernels: [...by].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([name, ms]) => ({ name, msPerEcg: ms / batch, share: ms / total })), peakRssBytes: peak() });
  } else throw new Error(`unknown probe ${what}`);
}

await main();
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
