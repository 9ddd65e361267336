/**
 * Training checkpoints: a folder with `checkpoint.json` (epoch, RNG state, history, best score) and the
 * tensors (parameters, Adam moments, best weights) in the weights-file format. Written to a temporary
 * folder and renamed, so an interrupted write leaves the previous checkpoint intact.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { NamedWeights } from '../weights.ts';
import { decodeWeights, encodeWeights, type WeightsManifest } from '../weightsFile.ts';

export interface CheckpointMeta {
  /** Hash of the options and data that define the run; a checkpoint from another run is ignored. */
  runKey: string;
  /** Last completed epoch (1-based). */
  epoch: number;
  rngState: number;
  adamStep: number;
  bestEpoch: number;
  bestScore: number;
  epochsSinceBest: number;
  history: { epoch: number; lr: number; loss: number; valMacroF1: number; seconds: number; /** gradual pruning: this epoch's sparsity */ sparsity?: number }[];
  done: boolean;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Current parameters (PyTorch layout NamedWeights). */
  params: NamedWeights;
  /** Best-epoch weights. */
  best: NamedWeights;
  /** Adam moments in TF layout, keyed by parameter name. */
  adamM: NamedWeights;
  adamV: NamedWeights;
}

const SECTIONS = ['params', 'best', 'adamM', 'adamV'] as const;

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  const all: NamedWeights = new Map();
  for (const s of SECTIONS) for (const [k, t] of ck[s]) all.set(`${s}/${k}`, t);
  const { manifest, bin } = encodeWeights(all, 'state.bin');
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'state.bin'), bin);
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(manifest));
  writeFileSync(join(tmp, 'checkpoint.json'), JSON.stringify(ck.meta));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** A kill between saveCheckpoint's two renames leaves only `<dir>.old-<pid>`: the last whole checkpoint. */
function previousCheckpoint(dir: string): string | null {
  if (!existsSync(dirname(dir))) return null;
  const prefix = `${basename(dir)}.old-`;
  const old = readdirSync(dirname(dir)).find((f) => f.startsWith(prefix) && existsSync(join(dirname(dir), f, 'checkpoint.json')));
  return old ? join(dirname(dir), old) : null;
}

/**
 * Deletes a run's checkpoint and any leftovers of an interrupted write. Called once the run's model package is
 * saved: a checkpoint only serves resuming (tens of MB: parameters, best weights and both Adam moments).
 */
export function removeCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  if (!existsSync(dirname(dir))) return;
  for (const f of readdirSync(dirname(dir))) {
    if (f.startsWith(`${basename(dir)}.old-`) || f.startsWith(`${basename(dir)}.tmp-`)) rmSync(join(dirname(dir), f), { recursive: true, force: true });
  }
}

export function loadCheckpoint(checkpointDir: string): Checkpoint | null {
  const dir = existsSync(join(checkpointDir, 'checkpoint.json')) ? checkpointDir : previousCheckpoint(checkpointDir);
  if (!dir) return null;
  const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointMeta;
  const manifest = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as WeightsManifest;
  const all = decodeWeights(manifest, readFileSync(join(dir, 'state.bin')), join(dir, 'state.bin'));
  const ck: Checkpoint = { meta, params: new Map(), best: new Map(), adamM: new Map(), adamV: new Map() };
  for (const [k, t] of all) {
    const i = k.indexOf('/');
    ck[k.slice(0, i) as (typeof SECTIONS)[number]].set(k.slice(i + 1), t);
  }
  return ck;
}
