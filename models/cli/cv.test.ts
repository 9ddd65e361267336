import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./cv.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-cv-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function cv(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// one small source, head mode and one epoch: the plumbing, not the figures
const args = ['--task', 'chapman4', '--sources', 'georgia', '--folds', '2', '--epochs', '1', '--mode', 'head', '--pretrain-task', 'cpsc9', '--state', join(tmp, 'state'), '--out', join(tmp, 'cv.json')];

test('cv trains each fold from the other task\'s backbones, prints per-fold and mean macro F1, and a rerun resumes from the kept folds', () => {
  const first = cv(args);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /cv chapman4: 23 records from georgia, 2 folds/);
  assert.match(first.stderr, /fold 1: cpsc9 pretrained on \d+ records/);
  assert.match(first.stdout, /^fold 1: macro F1 0\.\d{4}/m);
  assert.match(first.stdout, /^mean macro F1 0\.\d{4} ± \d\.\d{4}$/m);
  const summary = JSON.parse(readFileSync(join(tmp, 'cv.json'), 'utf8'));
  assert.equal(summary.pretrainTask, 'cpsc9');
  assert.equal(summary.perFold.length, 2);
  assert.equal(summary.perFold.reduce((a: number, f: { n: number }) => a + f.n, 0), 23);
  // every held-out record's probabilities are kept, also as if stored at 100 Hz (georgia is 500 Hz): cvBreakdown reads them
  const records = summary.perFold.flatMap((f: { records: { name: string; probs: number[]; probsAtProbeFs?: number[] }[] }) => f.records);
  assert.equal(new Set(records.map((r: { name: string }) => r.name)).size, 23);
  for (const r of records) {
    assert.match(r.name, /^georgia\//);
    assert.equal(r.probs.length, 4);
    assert.equal(r.probsAtProbeFs?.length, 4);
  }
  assert.equal(summary.breakdown.find((r: { subset: string; scored: string }) => r.subset === 'records stored faster than 100 Hz' && r.scored === 'probsAtProbeFs')?.score.n, 23);
  const b = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../profiling/cvBreakdown.ts', import.meta.url)), join(tmp, 'cv.json'), '--json'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const rows = JSON.parse(b.stdout).rows as { subset: string; scored: string; score: { n: number } }[];
  assert.equal(rows.find((r) => r.subset === 'stored at 500 Hz' && r.scored === 'probs')?.score.n, 23);
  assert.equal(rows.find((r) => r.scored === 'probsAtProbeFs')?.score.n, 23);
  assert.ok(existsSync(join(tmp, 'state', 'fold1', 'pretrain-cpsc9')));
  assert.ok(existsSync(join(tmp, 'state', 'fold1-from-cpsc9.json')));

  const again = cv(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /fold 1\/2: done earlier/);
  assert.match(again.stderr, /fold 2\/2: done earlier/);
  assert.doesNotMatch(again.stderr, /pretraining epoch/);
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'cv.json'), 'utf8')).perFold, summary.perFold);
});

test('cv refuses to pretrain on its own task, saying why', () => {
  const r = cv(['--task', 'cpsc9', '--pretrain-task', 'cpsc9', '--state', join(tmp, 'refused')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--pretrain-task names the other task/);
});

test('cv --trace records every epoch\'s validation and held-out probabilities, also across a stopped and resumed fold, and the selection study reads them', async () => {
  const trace = join(tmp, 'trace.json');
  const traced = ['--task', 'chapman4', '--sources', 'georgia', '--folds', '2', '--epochs', '2', '--mode', 'last-stage'];
  const r = cv([...traced, '--state', join(tmp, 'traced'), '--trace', trace]);
  assert.equal(r.status, 0, r.stderr);
  const t = JSON.parse(readFileSync(trace, 'utf8'));
  assert.equal(t.task, 'chapman4');
  assert.equal(t.folds.length, 2);
  for (const f of t.folds) {
    assert.equal(f.epochs.length, 2);
    for (const e of f.epochs) {
      assert.equal(e.val.length, f.valTargets.length);
      assert.equal(e.heldOut.length, f.heldOutTargets.length);
      for (const p of [...e.val, ...e.heldOut]) assert.ok(Math.abs(p.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-4, 'softmax rows');
    }
  }
  assert.equal(t.folds[0].heldOutTargets.length + t.folds[1].heldOutTargets.length, 23);
  const s = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../profiling/selectionStudy.ts', import.meta.url)), trace, '--json'], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  const rows = JSON.parse(s.stdout).rows as { epochRule: string; perFold: { epoch: number }[] }[];
  assert.deepEqual(rows.map((x) => x.epochRule), ['best val F1', 'lowest val loss', 'last epoch']);
  assert.deepEqual(rows[2].perFold.map((f) => f.epoch), [2, 2]);
  const head = cv(['--task', 'chapman4', '--mode', 'head', '--trace', trace, '--state', join(tmp, 'head')]);
  assert.notEqual(head.status, 0);
  assert.match(head.stderr, /--trace needs mode full or last-stage/);
  const state = join(tmp, 'stopped');
  const resumedTrace = join(tmp, 'resumed.json');
  // killed without warning once fold 1's first epoch is checkpointed, as a session's end would stop it
  await new Promise<void>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...traced, '--state', state, '--trace', resumedTrace]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/fold 1 epoch 1:/.test(err)) child.kill('SIGKILL');
    });
    child.on('exit', () => done());
  });
  assert.ok(!existsSync(resumedTrace), 'the first run was stopped before it wrote the trace');
  assert.ok(existsSync(join(state, 'fold1-trace.partial.json')), 'the epoch already scored is kept');
  const resumed = cv([...traced, '--state', state, '--trace', resumedTrace]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /not traced/);
  assert.doesNotMatch(resumed.stderr, /fold 1 epoch 1:/, 'epoch 1 was not trained again');
  const b = JSON.parse(readFileSync(resumedTrace, 'utf8'));
  assert.equal(b.folds.length, 2);
  assert.equal(b.folds[0].epochs.length, 2);
  assert.deepEqual(b, t, 'training is deterministic, so resuming changes nothing in the trace');
  assert.ok(!existsSync(join(state, 'fold1-trace.partial.json')), 'the partial trace is removed once the fold is traced');
});

test('cv --lead-drop and --unweighted ablate our two defaults in folds of their own, named in the summary', () => {
  const state = join(tmp, 'ablation');
  const r = cv(['--task', 'chapman4', '--sources', 'georgia', '--folds', '2', '--epochs', '1', '--mode', 'head', '--lead-drop', '0', '--unweighted', '--state', state, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.leadDrop, 0);
  assert.equal(summary.classWeighting, false);
  assert.ok(existsSync(join(state, 'fold1-leaddrop0-unweighted.json')));
  assert.ok(!existsSync(join(state, 'fold1.json')), 'the ablation never overwrites the default run\'s folds');
  const bad = cv(['--task', 'chapman4', '--lead-drop', '1', '--state', join(tmp, 'bad')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--lead-drop is a probability in \[0, 1\)/);
  const badRate = cv(['--task', 'chapman4', '--low-rate', '1.5', '--state', join(tmp, 'bad')]);
  assert.notEqual(badRate.status, 0);
  assert.match(badRate.stderr, /--low-rate is a probability in \[0, 1\]/);
});

test('cv scores multilabel folds at 0.5 by default; --thresholds authors rescores the same trained folds with thresholds chosen on validation', () => {
  const state = join(tmp, 'thresholds');
  const args = ['--task', 'cpsc9', '--sources', 'georgia', '--folds', '2', '--epochs', '1', '--mode', 'head', '--state', state];
  const half = cv([...args, '--json']);
  assert.equal(half.status, 0, half.stderr);
  const a = JSON.parse(half.stdout);
  assert.equal(a.thresholdRule, '0.5');
  for (const f of a.perFold) assert.deepEqual(f.thresholds, Array(9).fill(0.5));
  const authors = cv([...args, '--thresholds', 'authors', '--json']);
  assert.equal(authors.status, 0, authors.stderr);
  assert.doesNotMatch(authors.stderr, /fold 1 epoch 1:/, 'the fold\'s training is reused, not run again');
  const b = JSON.parse(authors.stdout);
  assert.equal(b.thresholdRule, 'authors');
  assert.ok(b.perFold.some((f: { thresholds: number[] }) => f.thresholds.some((t) => t !== 0.5)));
  assert.ok(existsSync(join(state, 'fold1-authors.json')) && existsSync(join(state, 'fold1.json')), 'each rule keeps its own fold results');
  const bad = cv(['--task', 'cpsc9', '--thresholds', 'tuned', '--state', join(tmp, 'bad')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--thresholds is 0\.5 or authors/);
});
