/**
 * Hostile model packages: seeded mutations of a real package (the parity fixture's 4-class weights) —
 * truncated / extended / garbage files, non-UTF-8 bytes, wrong and huge sizes in the manifest, NaN and
 * Infinity weights, path traversal in names and versions, wrong class counts. Every case must end in a
 * ModelPackageError naming one of the package's own files (nothing else escapes), except value-only
 * mutations that leave a well-formed package, which may load but then hold finite tensors of the right
 * shapes. Memory stays bounded (a declared 2^50-byte tensor must not be allocated).
 * FUZZ_PKG_SEED overrides the seed; FUZZ_VERBOSE=1 lists the refusal reasons.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureWeights } from '../testing/parityFixture.ts';
import { configFor } from '../testing/packageConfig.ts';
import { networkSpecs } from '../network/architecture.ts';
import { loadModelPackage, ModelPackageError, saveModelPackage, type ModelPackage } from './modelPackage.ts';
import { seededRandom as rng } from '../../db/splits.ts';

const SEED = Number(process.env.FUZZ_PKG_SEED ?? 20261126);
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
const FILES = ['model.json', 'weights.json', 'weights.bin'] as const;
type FileName = (typeof FILES)[number];

// Cases rewrite 21 MB weight files hundreds of times: use memory-backed storage where the OS has it.
const tmp = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'x3ecg-pkgfuzz-'));
after(() => rmSync(tmp, { recursive: true, force: true }));


interface Case {
  kind: string;
  /** Files replaced for this case (the rest stay as the valid base). */
  files: Partial<Record<FileName, Buffer>>;
  /** A value-only change that leaves a well-formed package: loading may succeed. */
  mayLoad?: boolean;
}

const HOSTILE_VALUES: unknown[] = [
  null, true, -1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, '', 'x', '../../../../etc/passwd', '..\\..\\win.ini', '/etc/shadow',
  '\u0000', 'NaN', 'Infinity', [], [1, 2], {}, { a: 1 }, 'é'.repeat(3), 'x'.repeat(10_000),
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** Every [path, value] leaf of a JSON value, paths as key lists. */
function leaves(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = [], maxDepth = 6): (string | number)[][] {
  if (path.length >= maxDepth || v === null || typeof v !== 'object') {
    out.push(path);
    return out;
  }
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out, maxDepth));
  else for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out, maxDepth);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

/** Byte-level damage that any parser must survive; byte flips may leave valid JSON (mayLoad). */
function damageBytes(r: () => number, b: Buffer): { bytes: Buffer; mayLoad: boolean } {
  const kind = Math.floor(r() * 6);
  return { bytes: damage(r, b, kind), mayLoad: kind === 1 };
}

function damage(r: () => number, b: Buffer, kind: number): Buffer {
  const at = Math.floor(r() * b.length);
  switch (kind) {
    case 0:
      return b.subarray(0, at); // truncated
    case 1: {
      const c = Buffer.from(b);
      for (let i = 0; i < 1 + Math.floor(r() * 8); i++) c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
      return c;
    }
    case 2:
      return Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80]), b.subarray(at)]); // invalid UTF-8
    case 3:
      return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
    case 4:
      return Buffer.alloc(0);
    default:
      return Buffer.concat([b.subarray(0, at), Buffer.from('{"tensors":[{"name":"x","shape":[1e300]}],'), b.subarray(at)]);
  }
}

interface Base {
  modelJson: Buffer;
  weightsJson: Buffer;
  bin: Buffer;
  config: Record<string, unknown>;
  manifest: { file: string; tensors: Record<string, unknown>[] } & Record<string, unknown>;
}

function readBase(dir: string): Base {
  const modelJson = readFileSync(join(dir, 'model.json'));
  const weightsJson = readFileSync(join(dir, 'weights.json'));
  return { modelJson, weightsJson, bin: readFileSync(join(dir, 'weights.bin')), config: JSON.parse(modelJson.toString()), manifest: JSON.parse(weightsJson.toString()) };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** Cheap cases: model.json damaged (refused before the weights are read). */
function modelJsonCase(r: () => number, base: Base): Case {
  const roll = r();
  if (roll < 0.3) {
    const d = damageBytes(r, base.modelJson);
    return { kind: 'model.json bytes', files: { 'model.json': d.bytes }, mayLoad: d.mayLoad };
  }
  const paths = leaves(base.config).filter((p) => p.length > 0);
  // Mostly the validated fields: a free-form change (metrics, provenance) loads 21 MB of weights to pass.
  const validated = paths.filter((p) => !['metrics', 'provenance'].includes(String(p[0])));
  const path = pick(r, r() < 0.8 ? validated : paths);
  if (roll < 0.4) return { kind: `model.json remove ${path.join('.')}`, files: { 'model.json': json(setAt(base.config, path, undefined, true)) }, mayLoad: isOptionalConfigPath(path) };
  const value = pick(r, HOSTILE_VALUES);
  return { kind: `model.json ${path.join('.')}=${JSON.stringify(value)?.slice(0, 30)}`, files: { 'model.json': json(setAt(base.config, path, value)) }, mayLoad: isFreeConfigPath(path, value) };
}

/** Provenance, metrics and hyper-parameters are free-form records; changing them leaves a valid package. */
function isFreeConfigPath(path: (string | number)[], value: unknown): boolean {
  const p = path.join('.');
  if (p.startsWith('metrics') || p.startsWith('provenance.hyperParameters')) return true;
  if (p === 'weights.sparsity') return typeof value === 'number' && value >= 0 && value <= 1; // informational
  if (['provenance.dataset', 'provenance.parent'].includes(p)) return value === null || typeof value === 'string';
  if (['provenance.engine', 'provenance.backend', 'provenance.created', 'provenance.origin'].includes(p)) return typeof value === 'string';
  if (p === 'provenance.seed') return value === null || Number.isInteger(value);
  if (p === 'provenance.splitIds') return value === null || (typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((v) => Array.isArray(v)));
  if (p.startsWith('task.thresholds')) return p === 'task.thresholds' ? value === null || (Array.isArray(value) && value.every((x) => typeof x === 'number')) : typeof value === 'number' && Number.isFinite(value);
  if (p === 'task.labelSet') return typeof value === 'string' && value.length > 0;
  if (p.startsWith('task.classes.')) return typeof value === 'string';
  if (p === 'task.multilabel') return typeof value === 'boolean';
  if (p === 'version') return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/.test(value); // it becomes a folder name
  return false;
}

function isOptionalConfigPath(path: (string | number)[]): boolean {
  const p = path.join('.');
  // weights.sha256 is optional so packages saved before it still load
  return p.startsWith('metrics.') || p.startsWith('provenance.hyperParameters.') || p.startsWith('provenance.splitIds.') || p === 'task.thresholds.0' || p === 'weights.sha256';
}

/** Manifest damage: sizes, offsets, names, encodings; some are caught by size checks, some only on decode. */
function manifestCase(r: () => number, base: Base): Case {
  const roll = r();
  if (roll < 0.25) {
    const d = damageBytes(r, base.weightsJson);
    return { kind: 'weights.json bytes', files: { 'weights.json': d.bytes }, mayLoad: d.mayLoad };
  }
  const i = Math.floor(r() * base.manifest.tensors.length);
  const m = structuredClone(base.manifest);
  const e = m.tensors[i];
  const field = pick(r, ['offset', 'length', 'shape', 'name', 'encoding', 'byteLength', 'dtype', 'nonZero', 'drop', 'duplicate', 'tensors', 'file', 'num_classes'] as const);
  const huge = pick(r, [2 ** 50, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 1e300, -(2 ** 40)]);
  let mayLoad = false;
  switch (field) {
    case 'offset':
      e.offset = pick(r, [huge, -4, 1, 2, 0.5, null, '0', 'x', (e.offset as number) + 4, (e.offset as number) - 4]);
      break;
    case 'length':
      e.length = pick(r, [huge, 0, -1, (e.length as number) + 1, (e.length as number) - 1, null, 'x']);
      break;
    case 'shape': {
      const shape = e.shape as number[];
      e.shape = pick(r, [[huge], [...shape, 1], shape.slice(1), shape.map((d) => d * 2), [e.length, 1], [-1, -(e.length as number)], null, 'x', [0.5, 2 * (e.length as number)]]);
      // A reshaped tensor with the same element count is still the wrong shape for the network.
      break;
    }
    case 'name':
      e.name = pick(r, ['../../../../etc/passwd', '/tmp/x', 'weights.bin', '', 'stem.0.weight\u0000', networkSpecs(4)[(i + 1) % networkSpecs(4).length].name, '__proto__', 'constructor', null, 7]);
      break;
    case 'encoding':
      e.encoding = pick(r, ['float64', 'int8', 'sparse-float16', 'float16', '', null, 3]);
      if (e.encoding === null) mayLoad = true; // treated as absent: plain float32, which it is
      break;
    case 'byteLength':
      e.byteLength = pick(r, [huge, 0, -8, 3, (e.length as number) * 4 + 4, null, 'x']);
      if (e.byteLength === null) mayLoad = true;
      break;
    case 'dtype':
      e.dtype = pick(r, ['float64', 'int32', null, 5]);
      mayLoad = true; // the manifest's dtype is informational; every encoding decodes to float32
      break;
    case 'nonZero':
      e.nonZero = pick(r, [huge, -1, 'x']);
      mayLoad = true; // only read for sparse encodings
      break;
    case 'drop':
      m.tensors.splice(i, 1);
      break;
    case 'duplicate':
      m.tensors.splice(i, 0, structuredClone(e));
      break;
    case 'tensors':
      (m as Record<string, unknown>).tensors = pick(r, [null, {}, 'x', [], [null], [1, 2], [{}]]);
      break;
    case 'file':
      m.file = pick(r, ['../../../../etc/passwd', '/dev/zero', '/dev/urandom', 'model.json']);
      mayLoad = true; // the loader always reads the package's own weights.bin
      break;
    case 'num_classes':
      m.num_classes = pick(r, [9, 0, -1, 'x']);
      mayLoad = true; // informational; the network's class count comes from model.json
      break;
  }
  return { kind: `weights.json ${field}`, files: { 'weights.json': json(m) }, mayLoad };
}

/** Weights damage: truncation, extension, NaN/Infinity floats, random bytes. */
function binCase(r: () => number, base: Base): Case {
  const roll = r();
  const tensors = base.manifest.tensors as { name: string; offset: number; length: number }[];
  if (roll < 0.35) return { kind: 'weights.bin truncated', files: { 'weights.bin': base.bin.subarray(0, Math.floor(r() * base.bin.length)) } };
  if (roll < 0.5) return { kind: 'weights.bin extended', files: { 'weights.bin': Buffer.concat([base.bin, Buffer.alloc(1 + Math.floor(r() * 4096), 0x7f)]) } };
  if (roll < 0.55) return { kind: 'weights.bin empty', files: { 'weights.bin': Buffer.alloc(0) } };
  const c = Buffer.from(base.bin);
  if (roll < 0.9) {
    const t = pick(r, tensors);
    const bad = pick(r, [NaN, Infinity, -Infinity]);
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++) c.writeFloatLE(bad, t.offset + 4 * Math.floor(r() * t.length));
    return { kind: `weights.bin ${bad} in ${t.name.split('.').slice(-2).join('.')}`, files: { 'weights.bin': c } };
  }
  // Random byte flips keep the size: without a checksum they may decode to other finite weights.
  for (let k = 0; k < 1 + Math.floor(r() * 16); k++) c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
  return { kind: 'weights.bin byte flips', files: { 'weights.bin': c }, mayLoad: true };
}

/** Whole-package structural lies: wrong class counts, parts from another package. */
function classCountCase(r: () => number, base: Base, nine: Base): Case {
  const roll = Math.floor(r() * 5);
  const cfg = structuredClone(base.config) as { architecture: { numClasses: number }; task: { classes: string[]; thresholds: number[] | null } };
  switch (roll) {
    case 0:
      cfg.architecture.numClasses = 9;
      return { kind: 'numClasses 9 on 4-class weights', files: { 'model.json': json(cfg) } };
    case 1:
      cfg.task.classes = cfg.task.classes.slice(0, 3);
      return { kind: 'task lists 3 classes', files: { 'model.json': json(cfg) } };
    case 2:
      cfg.task.classes = [...cfg.task.classes, 'X'];
      return { kind: 'task lists 5 classes', files: { 'model.json': json(cfg) } };
    case 3:
      return { kind: '9-class weights under a 4-class model.json', files: { 'weights.json': nine.weightsJson, 'weights.bin': nine.bin } };
    default:
      cfg.architecture.numClasses = pick(r, [0, -4, 1e9, 2 ** 31]);
      return { kind: `numClasses ${cfg.architecture.numClasses}`, files: { 'model.json': json(cfg) } };
  }
}

function checkLoaded(pkg: ModelPackage, c: Case): void {
  assert.ok(c.mayLoad, `${c.kind}: a damaged package loaded without error`);
  const specs = networkSpecs(pkg.config.architecture.numClasses);
  assert.equal(pkg.weights.size, specs.length, c.kind);
  for (const s of specs) {
    const t = pkg.weights.get(s.name)!;
    assert.equal(t.data.length, s.shape.reduce((a, b) => a * b, 1), `${c.kind}: ${s.name} data length`);
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) assert.fail(`${c.kind}: ${s.name}[${i}] = ${t.data[i]} loaded`);
  }
  assert.equal(pkg.config.task.classes.length, pkg.config.architecture.numClasses, c.kind);
}

test('fuzz: damaged and hostile model packages end in a ModelPackageError naming the file', () => {
  const weights = fixtureWeights(4);
  saveModelPackage(join(tmp, 'base4'), configFor('base4'), weights);
  const nineDir = join(tmp, 'base9');
  saveModelPackage(nineDir, { ...configFor('base9'), architecture: { name: 'LightX3ECG', numClasses: 9 }, task: { labelSet: 'cpsc9', classes: ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'], multilabel: true, thresholds: Array(9).fill(0.5) } }, fixtureWeights(9));
  const base = readBase(join(tmp, 'base4'));
  const nine = readBase(nineDir);
  const dir = join(tmp, 'case');
  saveModelPackage(dir, configFor('base4'), weights);
  const r = rng(SEED);
  // Case mix: cheap refusals are many; the ones that read and decode 21 MB of weights are fewer.
  const plan: [number, (r: () => number) => Case][] = [
    [2000, (x) => modelJsonCase(x, base)],
    [250, (x) => manifestCase(x, base)],
    [60, (x) => binCase(x, base)],
    [20, (x) => classCountCase(x, base, nine)],
  ];
  const reasons = new Map<string, number>();
  const rssStart = process.memoryUsage().rss;
  let rssMax = rssStart;
  let total = 0;
  let loaded = 0;
  const failures: string[] = [];
  const t0 = performance.now();
  const groupSeconds: string[] = [];
  for (const [count, make] of plan) {
    const g0 = performance.now();
    for (let k = 0; k < count; k++) {
      const c = make(r);
      total++;
      for (const f of Object.keys(c.files) as FileName[]) writeFileSync(join(dir, f), c.files[f]!);
      try {
        const pkg = loadModelPackage(dir);
        checkLoaded(pkg, c);
        loaded++;
      } catch (err) {
        if (err instanceof assert.AssertionError) {
          failures.push(err.message);
          continue;
        }
        if (!(err instanceof ModelPackageError)) {
          failures.push(`${c.kind}: threw ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)} instead of a ModelPackageError`);
          continue;
        }
        if (!FILES.some((f) => err.file === join(dir, f))) failures.push(`${c.kind}: the error names ${err.file}, not a file of the package`);
        const reason = err.message.slice(err.file.length + 2).replace(/\d+/g, 'N').replace(/tensor \S+/g, 'tensor T').slice(0, 70);
        reasons.set(`${err.file.slice(dir.length + 1)}: ${reason}`, (reasons.get(`${err.file.slice(dir.length + 1)}: ${reason}`) ?? 0) + 1);
      } finally {
        // Restore the valid base for the next case.
        for (const f of Object.keys(c.files) as FileName[]) writeFileSync(join(dir, f), f === 'model.json' ? base.modelJson : f === 'weights.json' ? base.weightsJson : base.bin);
      }
      if (total % 50 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }
    groupSeconds.push(`${count} in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  }
  const seconds = (performance.now() - t0) / 1000;
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  console.log(`model package fuzz: ${total} cases (seed ${SEED}) in ${seconds.toFixed(1)} s: ${total - loaded} refused with a ModelPackageError, ${loaded} value-only changes loaded valid; ${reasons.size} distinct reasons; peak RSS +${((rssMax - rssStart) / 2 ** 20).toFixed(0)} MiB (model.json, weights.json, weights.bin, class-count cases: ${groupSeconds.join(', ')})`);
  if (VERBOSE) for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${k}`);
  const grouped = new Map<string, number>();
  for (const f of failures) grouped.set(f.slice(0, 160), (grouped.get(f.slice(0, 160)) ?? 0) + 1);
  assert.deepEqual([...grouped], [], `${failures.length} of ${total} cases misbehaved`);
  // The base package still loads (the harness restored it) and no case allocated a declared huge size.
  assert.equal(loadModelPackage(dir).weights.size, weights.size);
  assert.ok(rssMax - rssStart < 1024 * 2 ** 20, `RSS grew by ${(rssMax - rssStart) / 2 ** 20} MiB`);
  assert.ok(total >= 2000);
});
