/**
 * Privacy at the edges: a real record (Georgia E00001) given a recording date/time and identifying header
 * comments (name, birth date, hospital, MRN, age 93) goes through the CLI (import with a labels CSV,
 * rejected twins, stats, predict, the default export) and through web mode (API error paths on the
 * loopback server). Every stdout/stderr line of those processes is captured: none holds a patient field,
 * a run of the record's sample values, or a long list of numbers. The default export is de-identified
 * (no comments, no date or time, age 93 written as 90).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRecords, readRecord } from '../db/formats/index.ts';
import { saveModelPackage } from '../models/package/modelPackage.ts';
import { fixtureWeights } from '../models/testing/parityFixture.ts';
import { configFor } from '../models/testing/packageConfig.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-privacy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The identifying fields planted in the header; none may reach a log or a default export. */
const PATIENT = ['Jane Quinn Doe', 'Jane', 'Quinn', 'Doe', '1931-02-03', 'Bethesda General', 'MRN-99887766', '14:50:55', '05-May-2020', 'Age: 93'];

function plantRecord(): { dir: string; samples: Int32Array[] } {
  const dir = join(tmp, 'in');
  mkdirSync(dir, { recursive: true });
  const src = join(DATA, 'georgia', 'E00001.hea');
  const lines = readFileSync(src, 'utf8').split(/\r?\n/).filter(Boolean);
  const out = lines
    .filter((l) => !/^#Age/.test(l))
    .concat(['#Age: 93', '#Name: Jane Quinn Doe', '#Date of birth: 1931-02-03', '#Hospital: Bethesda General', '#MRN: MRN-99887766']);
  writeFileSync(join(dir, 'E00001.hea'), `${out.join('\n')}\n`);
  copyFileSync(join(DATA, 'georgia', 'E00001.mat'), join(dir, 'E00001.mat'));
  // Twins that are rejected: a truncated signal file and a header whose first signal's checksum lies.
  writeFileSync(join(dir, 'E00002.hea'), `${out.join('\n').replace(/E00001/g, 'E00002')}\n`);
  writeFileSync(join(dir, 'E00002.mat'), readFileSync(join(DATA, 'georgia', 'E00001.mat')).subarray(0, 5000));
  const lied = out.map((l, i) => (i === 1 ? l.replace(/ -28477 /, ' 12345 ') : l)).join('\n').replace(/E00001/g, 'E00003');
  writeFileSync(join(dir, 'E00003.hea'), `${lied}\n`);
  copyFileSync(join(DATA, 'georgia', 'E00001.mat'), join(dir, 'E00003.mat'));
  writeFileSync(join(dir, 'labels.csv'), 'record_id,chapman4,cpsc9,patient_id\nE00001,SR,Normal,P-1\nE00002,SR,Normal,P-2\nE00404,XYZ,Normal,\n');
  const rec = readRecord(findRecords([join(dir, 'E00001.hea')]).records[0]);
  return { dir, samples: rec.channels.map((c) => c.samples) };
}

/** Everything a process printed must be free of patient fields and signal data. */
function assertClean(where: string, text: string, samples: Int32Array[]): void {
  for (const p of PATIENT) assert.ok(!text.includes(p), `${where} printed the patient field "${p}":\n${text.slice(0, 2000)}`);
  // A run of 4 consecutive raw samples (any separator), from several places in every channel.
  for (const [ci, s] of samples.entries()) {
    for (const start of [0, 100, 1000, 2500, s.length - 8]) {
      const run = Array.from(s.subarray(start, start + 4));
      if (new Set(run).size < 3) continue; // a flat stretch would match unrelated numbers
      const re = new RegExp(`(^|[^\\d.])${run.join('[^\\d-]{1,4}')}([^\\d.]|$)`);
      assert.ok(!re.test(text), `${where} printed samples ${run.join(',')} of channel ${ci}`);
    }
  }
  const numberList = /(-?\d+(\.\d+)?(e-?\d+)?[,\s]+){32,}/;
  assert.ok(!numberList.test(text), `${where} printed a long list of numbers: ${numberList.exec(text)?.[0].slice(0, 200)}`);
}

function cli(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/x3ecg.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const { dir: inDir, samples } = plantRecord();
const archive = join(tmp, 'private.x3ecg');

test('CLI import, stats, predict and export print no patient field and no signal data', () => {
  const imp = cli(['import', inDir, '--archive', archive, '--labels', join(inDir, 'labels.csv')]);
  assert.equal(imp.status, 0, imp.out);
  assert.match(imp.out, /imported 1 records, 0 duplicates, 2 rejected/);
  assertClean('import', imp.out, samples);
  const impJson = cli(['import', inDir, '--archive', archive, '--json']);
  assert.equal(impJson.status, 0, impJson.out);
  assertClean('import --json', impJson.out, samples);
  const stats = cli(['stats', '--archive', archive, '--json']);
  assertClean('stats', stats.out, samples);

  const model = join(tmp, 'models', 'parity4');
  saveModelPackage(model, configFor('parity4'), fixtureWeights(4));
  for (const flags of [[], ['--json']]) {
    const p = cli(['predict', '--archive', archive, '--model', model, ...flags]);
    assert.equal(p.status, 0, p.out);
    assertClean(`predict ${flags.join(' ')}`, p.out, samples);
  }
  const bad = cli(['predict', '--archive', archive, '--model', join(tmp, 'nope')]);
  assert.notEqual(bad.status, 0);
  assertClean('predict (error)', bad.out, samples);

  const outDir = join(tmp, 'export');
  const ex = cli(['export', '--archive', archive, '--out', outDir]);
  assert.equal(ex.status, 0, ex.out);
  assertClean('export', ex.out, samples);
  // The default export is de-identified.
  const hea = readFileSync(join(outDir, 'E00001.hea'), 'utf8');
  for (const p of PATIENT) assert.ok(!hea.includes(p), `exported header holds "${p}"`);
  assert.doesNotMatch(hea.split('\n')[0], /:|2020|May/, 'no recording date or time');
  assert.match(hea, /^#Age: 90$/m);
  assert.match(hea, /^#Sex: Female$/m);
  const csv = readFileSync(join(outDir, 'labels.csv'), 'utf8');
  for (const p of PATIENT) assert.ok(!csv.includes(p));
  assert.deepEqual(readdirSync(outDir).sort(), ['E00001.dat', 'E00001.hea', 'labels.csv']);
});

test('web mode: API error paths and their server log hold no patient field and no signal data', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'bin/x3ecg.mjs'), 'serve', '--archive', archive, '--port', '0', '--no-open'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  try {
    const launch = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not print its URL: ${log}`)), 60_000);
      const poll = setInterval(() => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(log);
        if (m) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(new URL(m[1]));
        }
      }, 50);
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
    });
    const token = launch.searchParams.get('token')!;
    const api = async (method: string, body: unknown) => {
      const res = await fetch(`${launch.origin}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-x3ecg-token': token }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    };
    const list = await api('records.list', {});
    assert.equal(list.status, 200);
    const id = (JSON.parse(list.text) as { result: { rows: { id: number }[] } }).result.rows[0].id;
    const errors = [
      await api('records.get', { id: 987654 }),
      await api('records.signal', { id: 987654 }),
      await api('records.signal', { id, leads: ['XX'] }),
      await api('labels.set', { recordId: id, labelSet: 'chapman4', classes: ['NOPE'], annotator: 'a' }),
      await api('records.import', { paths: [join(inDir, 'E00002.hea')] }),
      await api('models.explain', { task: 'chapman4', recordId: id, version: 'no-such-version' }),
      await api('records.get', '{"id":'),
      await api('records.get', { id: 'E00001' }),
    ];
    for (const e of errors) assert.ok(e.status >= 200, e.text);
    assert.ok(errors.filter((e) => e.status >= 400).length >= 6, errors.map((e) => e.status).join(','));
    // The import job runs in a worker: give it time to log anything it would.
    await new Promise((r) => setTimeout(r, 1500));
    assertClean('serve log', log, samples);
    for (const e of errors) assertClean('API error body', e.status >= 400 ? e.text : '', samples);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
