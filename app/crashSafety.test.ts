/**
 * Crash safety of the engine's writes: a child running a batch prediction, a training run or a series of
 * model saves is SIGKILLed at a point read from its own progress output. Afterwards the archive opens with
 * integrity_check = ok and holds only whole prediction rows (those of completed runs), the training
 * checkpoint is valid and a rerun resumes from it, and no half-written model package is visible or loads.
 * (Import crash safety and backup/restore are tested in db/crashSafety.test.ts.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openArchive } from '../db/archive.ts';
import { loadModelPackage, ModelPackageError, saveModelPackage } from '../models/package/modelPackage.ts';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../models/training/checkpoint.ts';
import { sharedLabels } from '../models/data/sharedDataset.ts';
import { fixtureWeights } from '../models/testing/parityFixture.ts';
import { configFor } from '../models/testing/packageConfig.ts';
import type { JobProgress, TrainJobResult } from '../models/jobs/tasks.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const CHILD = join(ROOT, 'app/crash/jobChild.ts');
const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-crash-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface ChildRun {
  lines: string[];
  killed: boolean;
  stderr: string;
}

/** Runs the job child; SIGKILLs it as soon as `killWhen` accepts a stdout line (never, when absent). */
function runChild(args: string[], killWhen?: (line: string) => boolean, timeoutMs = 90_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args[0]} timed out; last lines: ${lines.slice(-3).join(' | ')}; stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (!killed && killWhen?.(l)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (killed && signal === 'SIGKILL') resolve({ lines, killed, stderr });
      else if (!killed && code === 0) resolve({ lines, killed, stderr });
      else reject(new Error(`child ${args[0]} exited ${code ?? signal}${killed ? ' (kill requested)' : ''}: ${stderr.slice(-1500)}`));
    });
  });
}

const progressOf = (l: string): JobProgress | null => (l.startsWith('progress ') ? (JSON.parse(l.slice(9)) as JobProgress) : null);
const resultOf = <T>(run: ChildRun): T => JSON.parse(run.lines.find((l) => l.startsWith('result '))!.slice(7)) as T;

let parentDir: string | null = null;
/** A chapman4 package from the parity fixture's weights (the parent / predictor of these tests). */
function parentPackage(): string {
  if (!parentDir) {
    parentDir = join(tmp, 'packages', 'parity4');
    saveModelPackage(parentDir, configFor('parity4'), fixtureWeights(4));
  }
  return parentDir;
}

interface PredRow {
  record_id: number;
  probabilities: string;
  top_class: string;
  confidence: number;
}

function predictionRows(file: string): PredRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT record_id, probabilities, top_class, confidence FROM predictions ORDER BY record_id').all() as PredRow[];
  } finally {
    db.close();
  }
}

function assertWholeRow(r: PredRow): void {
  const p = JSON.parse(r.probabilities) as number[];
  assert.equal(p.length, 4, `record ${r.record_id}: ${p.length} probabilities`);
  assert.ok(p.every((x) => Number.isFinite(x) && x >= 0 && x <= 1), `record ${r.record_id}: ${r.probabilities}`);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4, `record ${r.record_id}: probabilities sum to ${p.reduce((a, b) => a + b, 0)}`);
  assert.equal(r.confidence, Math.max(...p));
  assert.ok(['AFIB', 'GSVT', 'SB', 'SR'].includes(r.top_class));
}

test('SIGKILL mid batch prediction: archive intact, only whole rows of completed runs, a rerun completes', async () => {
  const file = join(tmp, 'predict.x3ecg');
  const a = openArchive(file);
  a.importPaths([join(DATA, 'cpsc2018')]);
  const ids = a.allRecordIds();
  a.close();
  assert.ok(ids.length >= 100, `${ids.length} records imported`);
  const model = parentPackage();
  const params = (recordIds: number[]) => JSON.stringify({ model, source: { kind: 'archive', file, recordIds }, save: true, engine: 'auto' });

  // A completed run over the first 16 records stores 16 rows.
  const first = await runChild(['predict', params(ids.slice(0, 16))]);
  assert.equal(resultOf<{ n: number }>(first).n, 16);
  const before = predictionRows(file);
  assert.equal(before.length, 16);

  // A run over every record, killed once it reports a third of them done.
  const target = Math.ceil(ids.length / 3);
  const killed = await runChild(['predict', params(ids)], (l) => (progressOf(l)?.done ?? 0) >= target);
  assert.ok(killed.killed);
  const lastDone = Math.max(...killed.lines.map((l) => progressOf(l)?.done ?? 0));
  assert.ok(lastDone >= target && lastDone < ids.length, `killed at ${lastDone}/${ids.length}`);

  const b = openArchive(file);
  try {
    assert.equal(b.integrityCheck(), 'ok');
    assert.equal(b.recordCount(), ids.length);
  } finally {
    b.close();
  }
  const after = predictionRows(file);
  // The killed run's rows are all or nothing (one transaction at the end): here nothing, the earlier rows unchanged.
  assert.deepEqual(after, before);
  after.forEach(assertWholeRow);

  // The rerun completes and stores a whole row for every record.
  const rerun = await runChild(['predict', params(ids)]);
  assert.equal(resultOf<{ n: number }>(rerun).n, ids.length);
  const all = predictionRows(file);
  assert.equal(all.length, ids.length);
  all.forEach(assertWholeRow);
  const c = openArchive(file);
  assert.equal(c.integrityCheck(), 'ok');
  c.close();
});

test('SIGKILL mid training: the checkpoint folder is valid and a rerun resumes from its last completed epoch', async () => {
  // 40 chapman4 records of the shared data (10 per class where there are 10), head mode: epochs are short.
  const labels = sharedLabels(DATA, 'chapman4');
  const names = [0, 1, 2, 3].flatMap((c) => labels.filter((l) => l.classes[0] === c).slice(0, 10).map((l) => l.name));
  const modelsDir = join(tmp, 'train-models');
  const version = 'crash-train';
  const params = JSON.stringify({
    task: 'chapman4', source: { kind: 'shared', dataDir: DATA, names }, parent: parentPackage(), mode: 'head',
    epochs: 6, seed: 5, batchSize: 8, patience: 100, modelsDir, version, valFraction: 0.25,
  });
  const killAfterEpoch = 2;
  const run = await runChild(['train', params], (l) => {
    const p = progressOf(l);
    return p?.phase === 'epoch' && (p.epoch ?? 0) >= killAfterEpoch;
  });
  assert.ok(run.killed);
  const ckDir = join(modelsDir, '.checkpoints', version);
  assert.ok(!existsSync(join(modelsDir, version)), 'no model package before training finished');
  const ck = loadCheckpoint(ckDir);
  assert.ok(ck, `a checkpoint in ${ckDir}`);
  // The kill landed during epoch 3 (or while its checkpoint was written): the checkpoint holds epoch 2 or 3 whole.
  assert.ok(ck.meta.epoch >= killAfterEpoch && ck.meta.epoch <= killAfterEpoch + 1, `checkpoint at epoch ${ck.meta.epoch}`);
  assert.equal(ck.meta.done, false);
  assert.equal(ck.meta.history.length, ck.meta.epoch);
  assert.equal(ck.params.size, fixtureWeights(4).size);
  for (const [name, t] of ck.params) assert.ok(t.data.every(Number.isFinite), name);
  assert.deepEqual(readdirSync(join(modelsDir, '.checkpoints')).filter((f) => f !== version && !f.includes('.tmp-') && !f.includes('.old-')), []);

  const rerun = await runChild(['train', params]);
  const r = resultOf<TrainJobResult>(rerun);
  assert.equal(r.resumedFrom, ck.meta.epoch, 'the rerun starts after the checkpoint\'s epoch');
  assert.equal(r.epochs, 6);
  const epochsRun = rerun.lines.map(progressOf).filter((p) => p?.phase === 'epoch').map((p) => p!.epoch);
  assert.deepEqual(epochsRun, Array.from({ length: 6 - ck.meta.epoch }, (_, i) => ck.meta.epoch + 1 + i));
  const pkg = loadModelPackage(join(modelsDir, version));
  const history = (pkg.config.metrics as { history: { epoch: number; loss: number }[] }).history;
  assert.deepEqual(history.slice(0, ck.meta.epoch), ck.meta.history, 'the epochs before the kill are kept, not redone');
  assert.equal(history.length, 6);
});

test('SIGKILL mid model save: only complete packages are visible, and a leftover temp folder never loads half', async () => {
  const dir = join(tmp, 'save-models');
  const run = await runChild(['save', dir, '40'], (l) => l === 'saved v3');
  assert.ok(run.killed);
  const fixtureBin = createHash('sha256').update(readFileSync(join(fileURLToPath(new URL('../../shared/fixtures/parity/', import.meta.url)), 'lightx3ecg_4class.weights.bin'))).digest('hex');
  const entries = readdirSync(dir);
  const visible = entries.filter((e) => !e.startsWith('.'));
  assert.ok(visible.length >= 3 && visible.length <= 4, `visible: ${visible.join(', ')}`);
  for (const v of visible) {
    const pkg = loadModelPackage(join(dir, v));
    assert.equal(pkg.config.version, v);
    assert.equal(createHash('sha256').update(readFileSync(join(dir, v, 'weights.bin'))).digest('hex'), fixtureBin, `${v} weights complete`);
  }
  // Whatever the kill left behind is a dot-named temp folder (hidden from listings); loading it either
  // refuses with a ModelPackageError or, if every file was already written, yields the complete package.
  const temps = entries.filter((e) => e.startsWith('.'));
  assert.ok(temps.length <= 1, `temps: ${temps.join(', ')}`);
  for (const t of temps) {
    assert.match(t, /^\.v\d+\.tmp-/);
    try {
      const pkg = loadModelPackage(join(dir, t));
      assert.equal(createHash('sha256').update(readFileSync(join(dir, t, 'weights.bin'))).digest('hex'), fixtureBin);
      assert.equal(pkg.weights.size, fixtureWeights(4).size);
    } catch (err) {
      assert.ok(err instanceof ModelPackageError, String(err));
    }
  }
});

test('a kill between the checkpoint\'s two renames leaves the previous checkpoint, which a rerun still finds', () => {
  const dir = join(tmp, 'ck-window', 'run');
  const t = (v: number) => new Map([['w', { shape: [2], data: new Float32Array([v, -v]) }]]);
  const ck = (epoch: number): Checkpoint => ({
    meta: { runKey: 'k', epoch, rngState: 1, adamStep: epoch, bestEpoch: epoch, bestScore: 0.5, epochsSinceBest: 0, history: [], done: false },
    params: t(epoch), best: t(epoch), adamM: t(0), adamV: t(0),
  });
  saveCheckpoint(dir, ck(1));
  saveCheckpoint(dir, ck(2));
  // saveCheckpoint renames the current folder to <dir>.old-<pid> before renaming the new one in: a
  // SIGKILL between the two leaves exactly this state.
  renameSync(dir, `${dir}.old-4242`);
  const found = loadCheckpoint(dir);
  assert.equal(found?.meta.epoch, 2);
  assert.deepEqual([...found!.params.get('w')!.data], [2, -2]);
  saveCheckpoint(dir, ck(3));
  assert.equal(loadCheckpoint(dir)?.meta.epoch, 3, 'a newer checkpoint wins over the leftover');
});
