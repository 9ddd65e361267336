/**
 * Lead-parallel training step. The three lead backbones only meet at the head, so each lead's forward
 * and backward (segmentedStep.ts's leadForward/leadBackward) runs in its own worker thread, and the
 * head's gradient runs here in between. tfjs-wasm is single-threaded in Node: this is how a training step
 * uses every core. The maths is the single-threaded step's, term for term (same dropout seeds, same
 * per-lead BN batch statistics); parameters travel to the workers each step and gradients come back.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { NUM_LEADS } from '../network/architecture.ts';
import { WINDOW } from '../preprocess.ts';
import { headGradients, layerSeed, type SegmentedStepInput } from './segmentedStep.ts';

export type LeadRequest =
  | { type: 'init'; backend: string }
  | { type: 'forward'; lead: number; params: [string, number[], Float32Array][]; trainable: string[]; x: Float32Array; batch: number; stepSeed: number }
  | { type: 'backward'; df: Float32Array };

export type LeadReply =
  | { type: 'ready'; backend: string }
  | { type: 'forward'; feature: Float32Array; bn: [string, Float32Array, Float32Array][] }
  | { type: 'backward'; grads: [string, Float32Array][] }
  | { type: 'error'; message: string };

class LeadWorker {
  private pending: { ok: (r: LeadReply) => void; fail: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: LeadReply) => this.settle(m.type === 'error' ? new Error(m.message) : null, m));
    worker.on('error', (e) => this.settle(e, null));
    worker.on('exit', (code) => this.settle(new Error(`lead worker exited (code ${code})`), null));
  }

  private settle(err: Error | null, reply: LeadReply | null): void {
    if (err) this.dead ??= err;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    if (err) p.fail(err);
    else p.ok(reply!);
  }

  call(req: LeadRequest, transfer: ArrayBuffer[] = []): Promise<LeadReply> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error('lead worker is busy'));
    return new Promise((ok, fail) => {
      this.pending = { ok, fail };
      this.worker.postMessage(req, transfer);
    });
  }
}

/**
 * Whether a step should go lead-parallel here: a backend that runs on one thread, more than one core,
 * and memory for three wasm heaps (a batch-32 step peaks at ~2.8 GB RSS this way, ~1.4 GB serially).
 * X3ECG_LEAD_WORKERS=0|1 decides instead.
 */
export function leadParallelUseful(backend = tf.getBackend()): boolean {
  const forced = process.env.X3ECG_LEAD_WORKERS;
  if (forced === '0') return false;
  if (backend !== 'wasm' && backend !== 'cpu') return false;
  return forced === '1' || (availableParallelism() > 1 && totalmem() >= 8 * 2 ** 30);
}

export class LeadWorkerPool {
  private constructor(private readonly workers: LeadWorker[]) {}

  /** One worker per lead on the active backend; the native GEMM runs single-threaded in each. */
  static async start(backend = tf.getBackend()): Promise<LeadWorkerPool> {
    const entry = new URL('./leadWorker.ts', import.meta.url).href;
    const tsxApi = import.meta.resolve('tsx/esm/api');
    // A worker does not inherit the tsx loader: register it in the worker's thread, then load the entry.
    const boot = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); }).catch((e) => { console.error(e); process.exit(70); })`;
    const workers = Array.from({ length: NUM_LEADS }, () => new LeadWorker(new Worker(boot, { eval: true, env: { ...process.env, X3ECG_GEMM_THREADS: '1' } })));
    const pool = new LeadWorkerPool(workers);
    try {
      await Promise.all(workers.map((w) => w.call({ type: 'init', backend })));
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * One step's loss and gradients, as segmentedGradients returns them. `items` are lead-major windows
   * [3 × 5000]; `bnBatchStats` receives every BN layer's batch statistics (leads' and the head's).
   */
  async gradients(inp: Omit<SegmentedStepInput, 'x' | 'seedFor'> & { items: Float32Array[]; stepSeed: number }): Promise<{ loss: tf.Scalar; grads: Map<string, tf.Tensor> }> {
    const batch = inp.items.length;
    const trainable = [...inp.trainable];
    const forwards = this.workers.map((w, lead) => {
      const x = new Float32Array(batch * WINDOW);
      inp.items.forEach((it, b) => x.set(it.subarray(lead * WINDOW, (lead + 1) * WINDOW), b * WINDOW));
      // dataSync may hand back the backend's own buffer: send copies and transfer them
      const params: [string, number[], Float32Array][] = [];
      for (const [name, t] of inp.params) if (name.startsWith(`lead${lead}.`)) params.push([name, t.shape, t.dataSync().slice() as Float32Array]);
      const own = trainable.filter((n) => n.startsWith(`lead${lead}.`));
      const transfer = [x.buffer as ArrayBuffer, ...params.map((p) => p[2].buffer as ArrayBuffer)];
      return w.call({ type: 'forward', lead, params, trainable: own, x, batch, stepSeed: inp.stepSeed }, transfer);
    });
    const replies = await Promise.all(forwards);
    const features: tf.Tensor2D[] = [];
    for (const r of replies) {
      if (r.type !== 'forward') throw new Error(`lead worker answered ${r.type} to forward`);
      features.push(tf.tensor2d(r.feature, [batch, r.feature.length / batch]));
      for (const [prefix, mean, variance] of r.bn) inp.bnBatchStats.set(prefix, { mean: tf.tensor1d(mean), variance: tf.tensor1d(variance) });
    }
    const grads = new Map<string, tf.Tensor>();
    const c = { params: inp.params, trainable: inp.trainable, seedFor: (o: string) => layerSeed(inp.stepSeed, o) };
    const { loss, dFeatures } = headGradients(c, features, inp.loss, inp.bnBatchStats, grads);
    tf.dispose(features);
    const backs = this.workers.map((w, lead) => {
      const df = dFeatures[lead].dataSync().slice() as Float32Array;
      dFeatures[lead].dispose();
      return w.call({ type: 'backward', df }, [df.buffer as ArrayBuffer]);
    });
    const shapes = new Map([...inp.params].map(([n, t]) => [n, t.shape]));
    for (const r of await Promise.all(backs)) {
      if (r.type !== 'backward') throw new Error(`lead worker answered ${r.type} to backward`);
      for (const [name, g] of r.grads) grads.set(name, tf.tensor(g, shapes.get(name)));
    }
    return { loss, grads };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
