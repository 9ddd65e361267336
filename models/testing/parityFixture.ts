/** Test helpers: the shared parity fixture (../shared/fixtures/parity) read into typed arrays. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NamedWeights } from '../weights.ts';
import { readWeightsFiles, decodeWeights, type WeightsManifest } from '../weightsFile.ts';

export const sharedDir = fileURLToPath(new URL('../../../shared', import.meta.url));
export const parityDir = `${sharedDir}/fixtures/parity`;

export function fixtureWeights(numClasses: 4 | 9): NamedWeights {
  return readWeightsFiles(`${parityDir}/lightx3ecg_${numClasses}class.weights.json`).weights;
}

/** The three input ECGs, lead-major [3, 3, 5000] flattened. */
export function fixtureInputs(): Float32Array {
  const buf = readFileSync(`${parityDir}/inputs.bin`);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export interface Expected {
  logits: number[][];
  probabilities: number[][];
  attention_scores: number[][];
  lead_features: number[][][];
  merged_features: number[][];
  tolerance: Record<string, number>;
  pruning?: {
    pooled_elements: number;
    pruned_elements: number;
    threshold_abs_weight: number;
    kept_per_tensor: Record<string, number>;
    logits_after_pruning: number[][];
    attention_after_pruning: number[][];
  };
  binary_tensors: WeightsManifest['tensors'];
}

export function fixtureExpected(numClasses: 4 | 9): { expected: Expected; tensors: NamedWeights } {
  const expected = JSON.parse(readFileSync(`${parityDir}/expected_${numClasses}class.json`, 'utf8')) as Expected;
  const bin = readFileSync(`${parityDir}/expected_${numClasses}class.bin`);
  const tensors = decodeWeights({ file: '', tensors: expected.binary_tensors }, bin, 'expected.bin');
  return { expected, tensors };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
