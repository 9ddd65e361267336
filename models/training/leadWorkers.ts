/**
 * Lead-parallel training step. The three lead backbones only meet at the head, so each lead's forward
 * and backward (segmentedStep.ts's leadForward/leadBackward) runs in its own worker thread, and the
 * head's gradient runs here in between. tfjs-wasm is single-threaded in Node: this is how a training step
 * uses every core. The maths is the single-threaded step's, term for term (same dropout seeds, same
 * per-lead BN batch statistics); parameters travel to the workers each step and gradients come back.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism, totalmem } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../../lib/tsWorker.ts';
import { NUM_LEADS } from '../network/architecture.ts';
import { WINDOW } from '../preprocess.ts';
import { headGradients, layerSeed, type SegmentedStepInput } from './segmentedStep.ts';

export type LeadRequest =
  | { type: 'init'; backend: string; signal: SharedArrayBuffer }
  | { type: 'step'; lead: number; params: [string, number[], Float32Array][]; trainable: string[]; x: Float32Array; batch: number; stepSeed: number; tailSegments: number }
  /** ∂L/∂feature for the step the worker is blocked in; null abandons that step. */
  | { type: 'gradient'; df: Float32Array | null };

export type LeadReply =
  | { type: 'ready'; backend: string }
  | { type: 'forward'; feature: Float32Array; bn: [string, Float32Array, Float32Array][] }
  | { type: 'backward'; grads: [string, Float32Array][] }
  | { type: 'error'; message: string };

class LeadWorker {
  private readonly replies: LeadReply[] = [];
  private waiting: { ok: (r: LeadReply) => void; fail: (e: Error) => void } | null = null;
  private dead: Error | null = null;
  /** Bumped after each 'gradient' message: the worker sleeps on it (Atomics.wait) while its step waits. */
  readonly signal = new Int32Array(new SharedArrayBuffer(4));

  constructor(readonly worker: Worker) {
    worker.on('message', (m: LeadReply) => {
      const w = this.waiting;
      this.waiting = null;
      if (!w) this.replies.push(m);
      else if (m.type === 'error') w.fail(new Error(m.message));
      else w.ok(m);
    });
    const die = (e: Error) => {
      this.dead ??= e;
      const w = this.waiting;
      this.waiting = null;
      w?.fail(e);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`lead worker exited (code ${code})`)));
  }

  send(req: LeadRequest, transfer: ArrayBuffer[] = []): void {
    if (this.dead) throw this.dead;
    this.worker.postMessage(req, transfer);
  }

  /** The worker's next reply; an 'error' reply rejects. */
  next(): Promise<LeadReply> {
    const r = this.replies.shift();
    if (r) return r.type === 'error' ? Promise.reject(new Error(r.message)) : Promise.resolve(r);
    if (this.dead) return Promise.reject(this.dead);
    if (this.waiting) return Promise.reject(new Error('lead worker is already awaited'));
    return new Promise((ok, fail) => (this.waiting = { ok, fail }));
  }

  /** Hands the blocked worker its ∂L/∂feature (or null to abandon the step) and wakes it. */
  answer(df: Float32Array | null): void {
    this.send({ type: 'gradient', df }, df ? [df.buffer as ArrayBuffer] : []);
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }
}

/**
 * How many of a lead's last segments keep their tape while the head runs (leadTail) instead of being
 * recomputed. Each kept segment costs memory in proportion to the batch (batch 16, three leads: 1.9 GB
 * peak RSS with none, 2.2 GB with stage 3's two blocks, 3.0 GB with stages 2–3). Off by default: stage 3's
 * tail was ~10 % faster at batch 16 but not at batch 32, where it also passes 3 GB (models/README.md).
 * X3ECG_TAPE_SEGMENTS sets it.
 */
export function tailSegmentsFor(): number {
  const forced = Number(process.env.X3ECG_TAPE_SEGMENTS);
  return process.env.X3ECG_TAPE_SEGMENTS !== undefined && Number.isInteger(forced) && forced >= 0 ? forced : 0;
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
    const entry = new URL('./leadWorker.ts', import.meta.url);
    const workers = Array.from({ length: NUM_LEADS }, () => new LeadWorker(startTsWorker(entry, { env: { ...process.env, X3ECG_GEMM_THREADS: '1' } })));
    const pool = new LeadWorkerPool(workers);
    try {
      await Promise.all(
        workers.map((w) => {
          w.send({ type: 'init', backend, signal: w.signal.buffer as SharedArrayBuffer });
          return w.next();
        }),
      );
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
  async gradients(
    inp: Omit<SegmentedStepInput, 'x' | 'seedFor'> & { items: Float32Array[]; stepSeed: number; tailSegments?: number },
  ): Promise<{ loss: tf.Scalar; grads: Map<string, tf.Tensor> }> {
    const batch = inp.items.length;
    const trainable = [...inp.trainable];
    const tailSegments = inp.tailSegments ?? tailSegmentsFor();
    this.workers.forEach((w, lead) => {
      const x = new Float32Array(batch * WINDOW);
      inp.items.forEach((it, b) => x.set(it.subarray(lead * WINDOW, (lead + 1) * WINDOW), b * WINDOW));
      // dataSync may hand back the backend's own buffer: send copies and transfer them
      const params: [string, number[], Float32Array][] = [];
      for (const [name, t] of inp.params) if (name.startsWith(`lead${lead}.`)) params.push([name, t.shape, t.dataSync().slice() as Float32Array]);
      const own = trainable.filter((n) => n.startsWith(`lead${lead}.`));
      w.send({ type: 'step', lead, params, trainable: own, x, batch, stepSeed: inp.stepSeed, tailSegments }, [x.buffer as ArrayBuffer, ...params.map((p) => p[2].buffer as ArrayBuffer)]);
    });
    const forwards = await Promise.allSettled(this.workers.map((w) => w.next()));
    const grads = new Map<string, tf.Tensor>();
    const features: tf.Tensor2D[] = [];
    let head: ReturnType<typeof headGradients>;
    try {
      for (const f of forwards) {
        if (f.status === 'rejected') throw f.reason;
        const r = f.value;
        if (r.type !== 'forward') throw new Error(`lead worker answered ${r.type} to a step`);
        features.push(tf.tensor2d(r.feature, [batch, r.feature.length / batch]));
        for (const [prefix, mean, variance] of r.bn) inp.bnBatchStats.set(prefix, { mean: tf.tensor1d(mean), variance: tf.tensor1d(variance) });
      }
      const c = { params: inp.params, trainable: inp.trainable, seedFor: (o: string) => layerSeed(inp.stepSeed, o) };
      head = headGradients(c, features, inp.loss, inp.bnBatchStats, grads);
    } catch (e) {
      // the workers that sent their feature are blocked waiting for a gradient: release them
      await Promise.allSettled(this.workers.map((w, i) => (forwards[i].status === 'fulfilled' ? (w.answer(null), w.next()) : null)));
      tf.dispose([...grads.values()]);
      throw e;
    } finally {
      tf.dispose(features);
    }
    const backs = this.workers.map((w, lead) => {
      const df = head.dFeatures[lead].dataSync().slice() as Float32Array;
      head.dFeatures[lead].dispose();
      w.answer(df);
      return w.next();
    });
    const shapes = new Map([...inp.params].map(([n, t]) => [n, t.shape]));
    // every worker's answer is awaited before any failure is thrown, so none is left queued for the next step
    const settled = await Promise.allSettled(backs);
    for (const b of settled) {
      if (b.status === 'fulfilled' && b.value.type === 'backward') for (const [name, g] of b.value.grads) grads.set(name, tf.tensor(g, shapes.get(name)));
    }
    const failed = settled.find((b) => b.status === 'rejected' || b.value.type !== 'backward');
    if (failed) {
      tf.dispose([head.loss, ...grads.values()]);
      throw failed.status === 'rejected' ? failed.reason : new Error(`lead worker answered ${failed.value.type} to a gradient`);
    }
    return { loss: head.loss, grads };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
