/**
 * A model package is a folder: model.json (config, task, provenance, metrics), weights.json (manifest in
 * the parity fixture's format) and weights.bin. Written to a temporary sibling and renamed into place;
 * loading validates names, shapes and byte lengths and names the offending file when it refuses.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { NamedWeights } from '../weights.ts';
import { decodeWeights, encodeWeights, entryByteLength, type TensorEncoding, type WeightsManifest } from '../weightsFile.ts';
import { isPrunable, networkSpecs } from '../network/architecture.ts';
import { validateWeights } from '../network/params.ts';
import { pooledSparsity } from '../pruning/magnitude.ts';
import { modelConfigSchema, type ModelConfig, type WeightStorage } from './modelConfig.ts';

export class ModelPackageError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ModelPackageError';
  }
}

export interface ModelPackage {
  dir: string;
  config: ModelConfig;
  weights: NamedWeights;
}

export type PackageConfigInput = Omit<ModelConfig, 'formatVersion' | 'weights'>;

/** Per-tensor encoding for a storage mode: sparse encodings apply to conv/linear weights only. */
function encoder(storage: WeightStorage, numClasses: number): (name: string) => TensorEncoding {
  const kinds = new Map(networkSpecs(numClasses).map((s) => [s.name, s.kind]));
  return (name) => {
    if (storage === 'float32' || storage === 'float16') return storage;
    const prunable = isPrunable(kinds.get(name)!);
    if (storage === 'sparse-float16') return prunable ? 'sparse-float16' : 'float16';
    return prunable ? 'sparse-float32' : 'float32';
  };
}

/** Writes a package atomically; replaces an existing folder at `dir` only when `overwrite`. */
export function saveModelPackage(dir: string, input: PackageConfigInput, weights: NamedWeights, opts: { storage?: WeightStorage; overwrite?: boolean } = {}): ModelConfig {
  const numClasses = input.architecture.numClasses;
  validateWeights(weights, numClasses, dir);
  assertFinite(weights, dir);
  if (existsSync(dir) && !opts.overwrite) throw new ModelPackageError(dir, 'already exists (model versions are immutable)');
  const storage = opts.storage ?? 'float32';
  const { manifest, bin } = encodeWeights(weights, 'weights.bin', encoder(storage, numClasses));
  const config: ModelConfig = modelConfigSchema.parse({
    ...input,
    formatVersion: 1,
    weights: { manifest: 'weights.json', file: 'weights.bin', storage, bytes: bin.byteLength, sha256: sha256(bin), sparsity: pooledSparsity(weights, numClasses).sparsity },
  });
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, 'weights.bin'), bin);
    writeFileSync(join(tmp, 'weights.json'), JSON.stringify({ ...manifest, num_classes: numClasses, layout: 'PyTorch: conv [out, in/groups, k], linear [out, in], bn [C]', bn_eps: 1e-5 }));
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(config, null, 1));
    if (existsSync(dir)) {
      const old = `${tmp}-old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return config;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Strict UTF-8: a package file with invalid bytes is damaged, not something to guess at. */
function readUtf8(file: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
}

/** NaN or ±Infinity in a weight poisons every prediction; such a package is refused on save and load. */
function assertFinite(weights: NamedWeights, file: string): void {
  for (const [name, t] of weights) {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new ModelPackageError(file, `tensor ${name}: value ${t.data[i]} at index ${i} is not finite`);
    }
  }
}

export function readModelConfig(dir: string): ModelConfig {
  const file = join(dir, 'model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readUtf8(file));
  } catch (err) {
    throw new ModelPackageError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = modelConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ModelPackageError(file, `invalid model config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function loadModelPackage(dir: string): ModelPackage {
  const config = readModelConfig(dir);
  const manifestFile = join(dir, 'weights.json');
  const binFile = join(dir, 'weights.bin');
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(readUtf8(manifestFile)) as WeightsManifest;
  } catch (err) {
    throw new ModelPackageError(manifestFile, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (manifest === null || typeof manifest !== 'object' || !Array.isArray(manifest.tensors)) throw new ModelPackageError(manifestFile, 'no "tensors" list');
  if (!manifest.tensors.every((e) => e !== null && typeof e === 'object' && Number.isSafeInteger(e.offset) && Number.isSafeInteger(entryByteLength(e)))) {
    throw new ModelPackageError(manifestFile, 'a tensor entry has no integer offset or length');
  }
  const expectedBytes = manifest.tensors.reduce((m, e) => Math.max(m, e.offset + entryByteLength(e)), 0);
  if (!existsSync(binFile)) throw new ModelPackageError(binFile, 'missing');
  const size = statSync(binFile).size;
  if (size < expectedBytes) throw new ModelPackageError(binFile, `truncated: ${size} bytes, the manifest needs ${expectedBytes}`);
  if (size !== config.weights.bytes) throw new ModelPackageError(binFile, `${size} bytes but model.json records ${config.weights.bytes}`);
  const bin = readFileSync(binFile);
  if (config.weights.sha256 && sha256(bin) !== config.weights.sha256) throw new ModelPackageError(binFile, 'damaged: its SHA-256 does not match the one model.json records');
  let weights: NamedWeights;
  try {
    weights = decodeWeights(manifest, bin, binFile);
    validateWeights(weights, config.architecture.numClasses, manifestFile);
    assertFinite(weights, binFile);
  } catch (err) {
    if (err instanceof ModelPackageError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ModelPackageError(manifestFile, msg.startsWith('/') ? msg.slice(msg.indexOf(': ') + 2) : msg);
  }
  if (config.task.classes.length !== config.architecture.numClasses) throw new ModelPackageError(join(dir, 'model.json'), `task has ${config.task.classes.length} classes, the network ${config.architecture.numClasses}`);
  return { dir, config, weights };
}

/** Bytes on disk of a package folder (model.json + manifest + weights). */
export function packageSizeOnDisk(dir: string): number {
  return ['model.json', 'weights.json', 'weights.bin'].reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
