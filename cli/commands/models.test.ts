import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = fileURLToPath(new URL('../../../shared/data', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-cli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/x3ecg.mjs'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout must be one JSON line, got: ${r.stdout.slice(0, 300)}`);
  return JSON.parse(lines[0]);
}

test('model-info --json: parameter count, backend, layer summary', () => {
  const four = cli(['model-info', '--classes', '4', '--json']);
  assert.equal(four.params, 5_341_167);
  assert.match(four.backend, /^tfjs-(wasm|cpu|node)$/);
  assert.equal(four.layers.length, 12);
  assert.equal(four.layers.reduce((a: number, l: { params: number }) => a + l.params, 0), 5_341_167);
  assert.equal(cli(['model-info', '--classes', '9', '--json']).params, 5_343_732);
});

test('train (head) then evaluate on real records through the CLI, one JSON object each', () => {
  // 8 with a chapman4 label, 4 without (A0005, A0006, A0008, A0010: morphology-only)
  const ids = ['cpsc2018/A0002', 'cpsc2018/A0003', 'cpsc2018/A0004', 'cpsc2018/A0005', 'cpsc2018/A0006', 'cpsc2018/A0007', 'cpsc2018/A0008', 'cpsc2018/A0009', 'cpsc2018/A0010', 'georgia/E00001', 'georgia/E00002', 'ningbo/JS20000'];
  writeFileSync(join(tmp, 'ids.txt'), ids.join('\n'));
  const t = cli(['train', '--data', dataDir, '--ids', 'ids.txt', '--task', 'chapman4', '--mode', 'head', '--epochs', '2', '--seed', '3', '--json']);
  assert.equal(t.epochs, 2);
  assert.ok(typeof t.valMacroF1 === 'number' && typeof t.seconds === 'number');
  assert.match(t.backend, /^tfjs-/);
  assert.ok(existsSync(join(t.dir, 'model.json')));
  const again = cli(['train', '--data', dataDir, '--ids', 'ids.txt', '--task', 'chapman4', '--mode', 'head', '--epochs', '2', '--seed', '3', '--json']);
  assert.equal(again.version, t.version, 'a rerun of the same command finds the finished version');
  const e = cli(['evaluate', '--data', dataDir, '--ids', 'ids.txt', '--task', 'chapman4', '--model', t.version, '--json']);
  assert.equal(e.n, 8, 'only records with ground truth are scored');
  assert.equal(e.perClass.length, 4);
  assert.equal(e.confusion.flat().reduce((a: number, b: number) => a + b, 0), e.n);
  assert.ok(e.macroF1 >= 0 && e.macroF1 <= 1);
});

test('predict --json: a record stored at 100 Hz gets the shipped model\'s rate caveat, a 500 Hz one none', () => {
  // 00128_lr has no chapman4 label: its stored rate still comes from labels.csv
  writeFileSync(join(tmp, 'rates.txt'), 'ptbxl_records100/00011_lr\nptbxl_records100/00128_lr\ngeorgia/E00001\n');
  const p = cli(['predict', '--data', dataDir, '--ids', 'rates.txt', '--task', 'chapman4', '--model', join(root, 'models/defaults/chapman4'), '--json']);
  const byKey = new Map(p.predictions.map((r: { key: string; caveats?: string[] }) => [r.key, r.caveats]));
  assert.match((byKey.get('ptbxl_records100/00011_lr') as string[])[0], /^Stored at 100 Hz.*trained on \(304\) was SR/);
  assert.match((byKey.get('ptbxl_records100/00128_lr') as string[])[0], /^Stored at 100 Hz/);
  assert.equal(byKey.get('georgia/E00001'), undefined);
});

test('with an archive: train registers a version, predict stores predictions, evaluate scores ground truth', () => {
  const archive = join(tmp, 'a.db');
  const imp = spawnSync(process.execPath, [join(root, 'bin/x3ecg.mjs'), 'import', '--archive', archive, '--labels', join(dataDir, 'labels.csv'), join(dataDir, 'georgia'), join(dataDir, 'ningbo'), '--json'], { cwd: tmp, encoding: 'utf8' });
  assert.equal(imp.status, 0, imp.stderr);
  assert.equal(JSON.parse(imp.stdout).imported, 51);
  const t = cli(['train', '--archive', archive, '--task', 'chapman4', '--mode', 'head', '--epochs', '2', '--json']);
  assert.ok(existsSync(join(tmp, 'a.db.models', t.version, 'model.json')));
  const p = cli(['predict', '--archive', archive, '--model', t.version, '--json']);
  assert.equal(p.n, 51);
  assert.ok(p.predictions.every((r: { probabilities: number[] }) => r.probabilities.length === 4));
  const e = cli(['evaluate', '--archive', archive, '--task', 'chapman4', '--model', t.version, '--json']);
  assert.ok(e.n > 20 && e.n < 51);
  assert.equal(e.version, t.version);
});
