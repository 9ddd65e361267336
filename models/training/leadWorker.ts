/**
 * Worker half of leadWorkers.ts: one lead's whole step. The forward runs, the lead feature goes to the
 * main thread, and the worker then blocks until the head's gradient ∂L/∂feature arrives, so the last
 * segments keep their tape through the wait (leadTail) and only the earlier ones are recomputed.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend.ts';
import { WINDOW } from '../preprocess.ts';
import type { LeadReply, LeadRequest } from './leadWorkers.ts';
import { layerSeed, leadBackward, leadBackwardFrom, leadForward, leadTail, releaseTape, type LeadStepContext, type LeadTape } from './segmentedStep.ts';

const port = parentPort!;
/** Bumped by the main thread after it posts a 'gradient' message (see LeadWorkerPool.gradients). */
let signal: Int32Array | null = null;

const post = (reply: LeadReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

/** Blocks this thread until the main thread's 'gradient' message; null means the step was abandoned. */
function awaitGradient(): Float32Array {
  for (;;) {
    const got = receiveMessageOnPort(port) as { message: LeadRequest } | undefined;
    if (got) {
      if (got.message.type !== 'gradient') throw new Error(`lead worker got ${got.message.type} while waiting for a gradient`);
      if (!got.message.df) throw new Error('step abandoned');
      return got.message.df;
    }
    // the timeout only guards against a notify that raced ahead of its message
    Atomics.wait(signal!, 0, Atomics.load(signal!, 0), 50);
  }
}

function step(m: Extract<LeadRequest, { type: 'step' }>): void {
  const params = new Map(m.params.map(([name, shape, data]) => [name, tf.tensor(data, shape)]));
  const c: LeadStepContext = { params, trainable: new Set(m.trainable), seedFor: (o) => layerSeed(m.stepSeed, o) };
  const bnStats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
  const grads = new Map<string, tf.Tensor>();
  let tape: LeadTape | null = null;
  /** Posts the feature and every BN layer's batch statistics, then waits for ∂L/∂feature. */
  const exchange = (feature: tf.Tensor2D): Float32Array => {
    const f = feature.dataSync().slice() as Float32Array;
    const bn: [string, Float32Array, Float32Array][] = [...bnStats].map(([p, s]) => [p, s.mean.dataSync().slice() as Float32Array, s.variance.dataSync().slice() as Float32Array]);
    post({ type: 'forward', feature: f, bn }, [f.buffer as ArrayBuffer, ...bn.flatMap((b) => [b[1].buffer as ArrayBuffer, b[2].buffer as ArrayBuffer])]);
    return awaitGradient();
  };
  try {
    tape = leadForward(c, m.lead, tf.tensor2d(m.x, [m.batch, WINDOW]), bnStats, m.tailSegments);
    if (tape.tail) {
      const { from } = tape.tail;
      leadBackwardFrom(c, tape, from - 1, leadTail(c, tape, bnStats, exchange, grads), grads);
    } else {
      const df = exchange(tape.feature!);
      leadBackward(c, tape, tf.tensor2d(df, tape.feature!.shape), grads);
    }
    const out: [string, Float32Array][] = [...grads].map(([n, g]) => [n, g.dataSync().slice() as Float32Array]);
    post({ type: 'backward', grads: out }, out.map((g) => g[1].buffer as ArrayBuffer));
  } finally {
    tf.dispose([...grads.values(), ...params.values(), ...[...bnStats.values()].flatMap((s) => [s.mean, s.variance])]);
    if (tape) releaseTape(tape); // whatever a failed step left on it
  }
}

port.on('message', (m: LeadRequest) => {
  if (m.type === 'gradient') return; // the answer to a step that already failed here
  try {
    if (m.type === 'init') {
      signal = new Int32Array(m.signal);
      void initBackend(m.backend as BackendName).then(
        (backend) => post({ type: 'ready', backend }),
        (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
      );
      return;
    }
    step(m);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});
