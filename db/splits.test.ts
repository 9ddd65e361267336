/** Splits on the real data: stratified, patient-aware, reproducible from a seed; explicit lists. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openArchive, type Archive } from './archive.ts';
import { stratifiedSplit } from './splits.ts';
import { DATA, LABELS, tempDir } from './testing/archiveTestSupport.ts';
import { join } from 'node:path';

const tmp = tempDir();
let a: Archive;
before(() => {
  a = openArchive(tmp.path('splits.x3ecg'));
  // The PTB-XL folders carry patient ids (25 patients have several ECGs) and both label sets.
  const res = a.importPaths([join(DATA, 'ptbxl_records500'), join(DATA, 'ptbxl_records100'), join(DATA, 'cpsc2018')], { labelsCsv: LABELS });
  assert.equal(res.imported, 640);
});
after(() => {
  a.close();
  tmp.remove();
});

test('patient-aware: no patient in two parts; every labelled record assigned once', () => {
  const s = a.createSplit({ name: 'cpsc9-seed1', labelSet: 'cpsc9', seed: 1 });
  const partOf = new Map<number, string>();
  for (const [part, ids] of Object.entries(s.parts)) for (const id of ids) partOf.set(id, part);
  const truth = a.groundTruth('cpsc9');
  assert.equal(partOf.size, truth.length);
  const byPatient = new Map<string, Set<string>>();
  for (const g of truth) if (g.patientId) (byPatient.get(g.patientId) ?? byPatient.set(g.patientId, new Set()).get(g.patientId)!).add(partOf.get(g.recordId)!);
  const multi = truth.filter((g) => g.patientId && truth.filter((h) => h.patientId === g.patientId).length > 1);
  assert.ok(multi.length > 0, 'the data has patients with several ECGs');
  for (const [p, parts] of byPatient) assert.equal(parts.size, 1, `patient ${p} is in ${[...parts].join(', ')}`);
});

test('stratified: every class is spread over the parts close to the fractions', () => {
  const s = a.createSplit({ name: 'chapman4-seed5', labelSet: 'chapman4', seed: 5, fractions: { train: 0.6, val: 0.2, test: 0.2 } });
  const partOf = new Map<number, string>();
  for (const [part, ids] of Object.entries(s.parts)) for (const id of ids) partOf.set(id, part);
  const truth = a.groundTruth('chapman4');
  for (const cls of ['SB', 'AFIB', 'GSVT', 'SR']) {
    const members = truth.filter((g) => g.classes.includes(cls));
    const inTrain = members.filter((g) => partOf.get(g.recordId) === 'train').length / members.length;
    assert.ok(Math.abs(inTrain - 0.6) < 0.2, `${cls}: ${inTrain} of ${members.length} in train`);
    for (const part of ['val', 'test']) assert.ok(members.some((g) => partOf.get(g.recordId) === part) || members.length < 5, `${cls} in ${part}`);
  }
});

test('reproducible: same seed → same split, another seed → a different one; names are unique', () => {
  const x = a.createSplit({ name: 'r1', labelSet: 'cpsc9', seed: 42 });
  const y = a.createSplit({ name: 'r2', labelSet: 'cpsc9', seed: 42 });
  const z = a.createSplit({ name: 'r3', labelSet: 'cpsc9', seed: 43 });
  assert.deepEqual(x.parts, y.parts);
  assert.notDeepEqual(x.parts, z.parts);
  assert.throws(() => a.createSplit({ name: 'r1', labelSet: 'cpsc9', seed: 1 }), /already exists/);
  assert.deepEqual(a.split('r1').parts, x.parts);
  assert.ok(a.listSplits().includes('r3'));
});

test('explicit split from record id lists; a record in two parts is refused', () => {
  const ids = a.allRecordIds();
  const s = a.createSplitFromIds('manual', { train: ids.slice(0, 10), test: ids.slice(10, 15) });
  assert.deepEqual(s.parts.train, ids.slice(0, 10));
  assert.throws(() => a.createSplitFromIds('bad', { train: [ids[0]], test: [ids[0]] }), /two parts/);
});

test('pure stratifiedSplit: groups stay whole and fractions are met on synthetic items', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ recordId: i + 1, patientId: i % 3 === 0 ? `p${Math.floor(i / 6)}` : null, classes: [i % 10 === 0 ? 'rare' : 'common'] }));
  const m = stratifiedSplit(items, { a: 0.5, b: 0.5 }, 9);
  const count = (part: string, cls: string) => items.filter((it) => it.classes[0] === cls && m.get(it.recordId) === part).length;
  assert.ok(Math.abs(count('a', 'rare') - 50) <= 3);
  assert.ok(Math.abs(count('a', 'common') - 450) <= 3);
  const pp = new Map<string, string>();
  for (const it of items) if (it.patientId) {
    const prev = pp.get(it.patientId);
    if (prev) assert.equal(prev, m.get(it.recordId));
    pp.set(it.patientId, m.get(it.recordId)!);
  }
});
