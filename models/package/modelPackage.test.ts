import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, truncateSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureWeights } from '../testing/parityFixture.ts';
import { loadModelPackage, ModelPackageError, packageSizeOnDisk, saveModelPackage } from './modelPackage.ts';
import { configFor } from '../testing/packageConfig.ts';

const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-pkg-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const weights = fixtureWeights(4);


test('save then load round-trips every tensor bit for bit, atomically', () => {
  const dir = join(tmp, 'v1');
  const cfg = saveModelPackage(dir, configFor('v1'), weights);
  assert.equal(cfg.weights.bytes, 21_483_964);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('.tmp-')), []);
  const pkg = loadModelPackage(dir);
  assert.equal(pkg.config.version, 'v1');
  assert.deepEqual([...pkg.weights.keys()], [...weights.keys()]);
  for (const [k, t] of weights) assert.deepEqual(pkg.weights.get(k)!.data, t.data, k);
  // the .bin is byte-identical to the fixture's (same format)
  assert.ok(readFileSync(join(dir, 'weights.bin')).equals(readFileSync(new URL('../../../shared/fixtures/parity/lightx3ecg_4class.weights.bin', import.meta.url))));
  assert.throws(() => saveModelPackage(dir, configFor('v1'), weights), /already exists/);
});

test('a truncated weights.bin is refused, naming the file', () => {
  const dir = join(tmp, 'trunc');
  saveModelPackage(dir, configFor('trunc'), weights);
  truncateSync(join(dir, 'weights.bin'), 1_000_000);
  assert.throws(() => loadModelPackage(dir), (e: unknown) => e instanceof ModelPackageError && e.file.endsWith('weights.bin') && /truncated/.test(e.message));
});

test('a weights.bin with a flipped bit is refused by its checksum, naming the file', () => {
  const dir = join(tmp, 'flip');
  const cfg = saveModelPackage(dir, configFor('flip'), weights);
  assert.match(cfg.weights.sha256 ?? '', /^[0-9a-f]{64}$/);
  const bin = readFileSync(join(dir, 'weights.bin'));
  bin[123_457] ^= 0x04;
  writeFileSync(join(dir, 'weights.bin'), bin);
  assert.throws(() => loadModelPackage(dir), (e: unknown) => e instanceof ModelPackageError && e.file.endsWith('weights.bin') && /SHA-256/.test(e.message));
});

test('a manifest with a wrong shape or a missing tensor is refused, naming the manifest', () => {
  const dir = join(tmp, 'shape');
  saveModelPackage(dir, configFor('shape'), weights);
  const mf = join(dir, 'weights.json');
  const m = JSON.parse(readFileSync(mf, 'utf8'));
  const orig = JSON.stringify(m);
  m.tensors[0].shape = [32, 2, 15];
  writeFileSync(mf, JSON.stringify(m));
  assert.throws(() => loadModelPackage(dir), (e: unknown) => e instanceof ModelPackageError && e.file === mf && /lead0\.stem\.conv\.weight.*shape/.test(e.message));
  const m2 = JSON.parse(orig);
  m2.tensors = m2.tensors.filter((t: { name: string }) => t.name !== 'attention.fc2.bias');
  writeFileSync(mf, JSON.stringify(m2));
  assert.throws(() => loadModelPackage(dir), /missing tensor attention\.fc2\.bias/);
});

test('a 9-class weights file under a 4-class config is refused; a broken model.json too', () => {
  const dir = join(tmp, 'mismatch');
  assert.throws(() => saveModelPackage(dir, configFor('m'), fixtureWeights(9)), /shape/);
  assert.ok(!existsSync(dir));
  saveModelPackage(dir, configFor('m'), weights);
  const mj = join(dir, 'model.json');
  const cfg = JSON.parse(readFileSync(mj, 'utf8'));
  cfg.architecture.numClasses = 9;
  writeFileSync(mj, JSON.stringify(cfg));
  assert.throws(() => loadModelPackage(dir), ModelPackageError);
  writeFileSync(mj, '{"formatVersion": 1');
  assert.throws(() => loadModelPackage(dir), (e: unknown) => e instanceof ModelPackageError && e.file === mj);
});

test('fp16 storage halves the size and stays within fp16 rounding', () => {
  const dir = join(tmp, 'half');
  saveModelPackage(dir, configFor('half'), weights, { storage: 'float16' });
  const pkg = loadModelPackage(dir);
  assert.ok(packageSizeOnDisk(dir) < 11_000_000 + 200_000);
  for (const [k, t] of weights) {
    const back = pkg.weights.get(k)!.data;
    for (let i = 0; i < t.data.length; i++) assert.ok(Math.abs(back[i] - t.data[i]) <= Math.abs(t.data[i]) * 1e-3 + 1e-7, k);
  }
});
