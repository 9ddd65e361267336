/** Worker half of leadWorkers.ts: one lead's forward (kept between messages) and backward. */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend.ts';
import { WINDOW } from '../preprocess.ts';
import type { LeadReply, LeadRequest } from './leadWorkers.ts';
import { layerSeed, leadBackward, leadForward, type LeadStepContext, type LeadTape } from './segmentedStep.ts';

const port = parentPort!;
let step: { c: LeadStepContext; tape: LeadTape; params: tf.Tensor[] } | null = null;

/** Frees a step's parameters, and its tape when no backward consumed it (a failed or abandoned step). */
function release(): void {
  if (!step) return;
  const { tape, params } = step;
  tf.dispose([...tape.boundaries.filter((b): b is tf.Tensor => b !== null), tape.feature, ...params]);
  step = null;
}

async function handle(m: LeadRequest): Promise<{ reply: LeadReply; transfer: ArrayBuffer[] }> {
  if (m.type === 'init') {
    const backend = await initBackend(m.backend as BackendName);
    return { reply: { type: 'ready', backend }, transfer: [] };
  }
  if (m.type === 'forward') {
    release();
    const params = new Map(m.params.map(([name, shape, data]) => [name, tf.tensor(data, shape)]));
    const c: LeadStepContext = { params, trainable: new Set(m.trainable), seedFor: (o) => layerSeed(m.stepSeed, o) };
    const bnStats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const tape = leadForward(c, m.lead, tf.tensor2d(m.x, [m.batch, WINDOW]), bnStats);
    step = { c, tape, params: [...params.values()] };
    const feature = tape.feature.dataSync().slice() as Float32Array;
    const bn: [string, Float32Array, Float32Array][] = [...bnStats].map(([p, s]) => [p, s.mean.dataSync().slice() as Float32Array, s.variance.dataSync().slice() as Float32Array]);
    tf.dispose([...bnStats.values()].flatMap((s) => [s.mean, s.variance]));
    return { reply: { type: 'forward', feature, bn }, transfer: [feature.buffer as ArrayBuffer, ...bn.flatMap((b) => [b[1].buffer as ArrayBuffer, b[2].buffer as ArrayBuffer])] };
  }
  if (!step) throw new Error('backward without a forward');
  const { c, tape } = step;
  const grads = new Map<string, tf.Tensor>();
  leadBackward(c, tape, tf.tensor2d(m.df, [tape.feature.shape[0], tape.feature.shape[1]]), grads);
  const out: [string, Float32Array][] = [...grads].map(([n, g]) => [n, g.dataSync().slice() as Float32Array]);
  tf.dispose([...grads.values()]);
  release();
  return { reply: { type: 'backward', grads: out }, transfer: out.map((g) => g[1].buffer as ArrayBuffer) };
}

port.on('message', (m: LeadRequest) => {
  handle(m).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (e: unknown) => {
      release();
      port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies LeadReply);
    },
  );
});
