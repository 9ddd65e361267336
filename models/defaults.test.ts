/**
 * The shipped default models (models/defaults/<name>/, built by `npm run build-default`): each loads,
 * a fresh archive activates the dense ones, and `x3ecg evaluate` on ../shared/data reproduces the
 * numbers shipped beside it (evaluation.json) and written in its REPORT.md and the README.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelPackage } from './package/modelPackage.ts';
import { openArchive } from '../db/archive.ts';
import { registerShippedDefaults, defaultsDir } from '../app/modelRegistry.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('../../shared/data', import.meta.url));
const shipped = existsSync(defaultsDir) ? readdirSync(defaultsDir).filter((d) => existsSync(join(defaultsDir, d, 'model.json'))) : [];
const skip = shipped.length ? false : 'no shipped default models yet (npm run build-default -- --task chapman4|cpsc9)';

interface Shipped {
  n: number;
  macroF1: number;
  perClass: { class: string; f1: number; support: number }[];
  confusion: unknown;
  heldOut?: { n: number; macroF1: number } | null;
}

test('both tasks ship a dense default and its pruned version', { skip }, () => {
  for (const task of ['chapman4', 'cpsc9']) {
    assert.ok(shipped.includes(task), `models/defaults/${task} missing`);
    assert.ok(shipped.includes(`${task}-pruned`), `models/defaults/${task}-pruned missing`);
  }
});

test('a fresh archive registers the shipped defaults and activates the dense ones', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'x3ecg-defaults-'));
  try {
    const a = openArchive(join(dir, 'fresh.sqlite'));
    registerShippedDefaults(a);
    for (const name of shipped) {
      const pkg = loadModelPackage(join(defaultsDir, name));
      assert.ok(a.listModelVersions().some((v) => v.version === pkg.config.version), `${name} not registered`);
      if (!name.endsWith('-pruned')) assert.equal(a.activeModel(pkg.config.task.labelSet)?.version, pkg.config.version);
      else assert.ok(pkg.config.weights.sparsity >= 0.79, `${name}: sparsity ${pkg.config.weights.sparsity}`);
    }
    a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const name of shipped) {
  test(`x3ecg evaluate reproduces the shipped figures of ${name}`, { skip: !existsSync(dataDir) && 'no ../shared/data' }, () => {
    const dir = join(defaultsDir, name);
    const task = loadModelPackage(dir).config.task.labelSet;
    const expected = JSON.parse(readFileSync(join(dir, 'evaluation.json'), 'utf8')) as Shipped;
    // the dense default is what evaluate picks with no --model; the pruned one is named
    const model = name.endsWith('-pruned') ? ['--model', dir] : [];
    const r = spawnSync(process.execPath, [join(root, 'bin/x3ecg.mjs'), 'evaluate', '--data', dataDir, '--task', task, ...model, '--json'], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Shipped;
    assert.equal(got.n, expected.n);
    assert.ok(Math.abs(got.macroF1 - expected.macroF1) < 1e-9, `macro F1 ${got.macroF1} vs shipped ${expected.macroF1}`);
    assert.deepEqual(got.confusion, expected.confusion);
    assert.deepEqual(got.perClass.map((c) => [c.class, c.support, c.f1.toFixed(6)]), expected.perClass.map((c) => [c.class, c.support, c.f1.toFixed(6)]));
    const report = readFileSync(join(dir, 'REPORT.md'), 'utf8');
    assert.ok(report.includes(`**macro F1 ${expected.macroF1.toFixed(3)}**`), `${name}/REPORT.md does not state macro F1 ${expected.macroF1.toFixed(3)}`);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.ok(readme.includes(expected.macroF1.toFixed(3)), `README does not state ${name}'s macro F1 ${expected.macroF1.toFixed(3)}`);
    // the records outside the model's training split, scored on their own: the honest figure
    assert.ok(expected.heldOut, `${name}/evaluation.json has no held-out score`);
    assert.equal(got.heldOut?.n, expected.heldOut.n);
    assert.ok(Math.abs(got.heldOut!.macroF1 - expected.heldOut.macroF1) < 1e-9, `held-out macro F1 ${got.heldOut!.macroF1} vs shipped ${expected.heldOut.macroF1}`);
    assert.ok(report.includes(`**held-out macro F1 ${expected.heldOut.macroF1.toFixed(3)}**`), `${name}/REPORT.md does not state its held-out macro F1`);
    assert.ok(readme.includes(expected.heldOut.macroF1.toFixed(3)), `README does not state ${name}'s held-out macro F1 ${expected.heldOut.macroF1.toFixed(3)}`);
  });
}
