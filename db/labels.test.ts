/** Labels: append-only audit log, undo as a new event, several annotators, consensus, kappa. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { openArchive, type Archive } from './archive.ts';
import { loadDemo } from './demoArchive.ts';
import { cohenKappa, fleissKappa } from './agreement.ts';
import { tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
let a: Archive;
let ids: number[];
before(() => {
  a = openArchive(tmp.path('labels.x3ecg'));
  const res = loadDemo(a);
  assert.equal(res.imported, 12);
  ids = a.allRecordIds();
});
after(() => {
  a.close();
  tmp.remove();
});

test('demo archive: 12 records covering every class of both label sets; loading it again only finds duplicates', () => {
  const s = a.stats();
  assert.equal(s.records, 12);
  for (const [set, counts] of Object.entries(s.labelSets)) for (const [c, n] of Object.entries(counts)) assert.ok(n > 0, `${set} ${c}`);
  const again = loadDemo(a);
  assert.equal(again.imported, 0);
  assert.equal(again.duplicates, 12);
});

test('ground truth events carry their source (labels CSV file, header) and the CSV wins over the header', () => {
  const [id] = a.recordIdsByName(['A0003']);
  const h = a.history(id);
  assert.ok(h.some((e) => e.kind === 'ground-truth' && e.source === 'header' && e.labelSet === 'cpsc9' && e.classes.join() === 'AF'));
  assert.ok(h.some((e) => e.kind === 'ground-truth' && e.source === 'labels.csv' && e.labelSet === 'chapman4' && e.classes.join() === 'AFIB'));
  // Native PTB-XL headers have no #Dx: their labels come only from the CSV.
  const [lr] = a.recordIdsByName(['00013_lr']);
  assert.deepEqual(a.history(lr).map((e) => e.source), ['labels.csv', 'labels.csv']);
  assert.deepEqual(a.groundTruth('cpsc9').find((g) => g.recordId === lr)?.classes, ['Normal']);
});

test('setLabels appends events; undo is a new event restoring the previous value; the log is never rewritten', () => {
  const id = ids[0];
  const e1 = a.setLabels({ recordId: id, labelSet: 'chapman4', classes: ['SR'], annotator: 'alice' });
  const e2 = a.setLabels({ recordId: id, labelSet: 'chapman4', classes: ['SB'], annotator: 'alice' });
  assert.ok(e2.id > e1.id);
  assert.deepEqual(a.groundTruth('chapman4', { source: { annotator: 'alice' } }).find((g) => g.recordId === id)?.classes, ['SB']);
  const u = a.undoLast({ annotator: 'alice' });
  assert.ok(u);
  assert.equal(u.kind, 'undo');
  assert.equal(u.undoes, e2.id);
  assert.deepEqual(u.classes, ['SR']);
  assert.deepEqual(a.groundTruth('chapman4', { source: { annotator: 'alice' } }).find((g) => g.recordId === id)?.classes, ['SR']);
  const u2 = a.undoLast({ annotator: 'alice' });
  assert.equal(u2?.undoes, e1.id);
  assert.deepEqual(u2?.classes, []);
  assert.equal(a.groundTruth('chapman4', { source: { annotator: 'alice' } }).find((g) => g.recordId === id), undefined);
  assert.equal(a.undoLast({ annotator: 'alice' }), null, 'nothing left to undo');
  const mine = a.history(id).filter((e) => e.source === 'alice');
  assert.deepEqual(mine.map((e) => e.kind), ['annotator', 'annotator', 'undo', 'undo']);
  assert.throws(() => a.db.prepare('UPDATE label_events SET classes = ? WHERE id = ?').run('[]', e1.id), /append-only/);
  assert.throws(() => a.db.prepare('DELETE FROM label_events WHERE id = ?').run(e1.id), /append-only/);
  assert.throws(() => a.setLabels({ recordId: id, labelSet: 'chapman4', classes: ['SR', 'SB'], annotator: 'alice' }), /single-label/);
  assert.throws(() => a.setLabels({ recordId: id, labelSet: 'cpsc9', classes: ['Nope'], annotator: 'alice' }), /no class "Nope"/);
  assert.throws(() => a.setLabels({ recordId: 999999, labelSet: 'cpsc9', classes: [], annotator: 'alice' }), /no record with id 999999/);
});

test('several annotators: consensus is the majority, reviewed state lists them, disagreement is flagged', () => {
  const [r1, r2] = [ids[1], ids[2]];
  for (const [who, cls] of [['ann', ['AF', 'PVC']], ['bob', ['AF']], ['cat', ['AF', 'PVC']]] as const) a.setLabels({ recordId: r1, labelSet: 'cpsc9', classes: [...cls], annotator: who });
  assert.deepEqual(a.reviewedState(r1).cpsc9, ['ann', 'bob', 'cat']);
  assert.deepEqual(a.groundTruth('cpsc9', { source: 'consensus' }).find((g) => g.recordId === r1)?.classes, ['AF', 'PVC']);
  // Unreviewed records fall back to ground truth under 'consensus'.
  const truth2 = a.groundTruth('cpsc9').find((g) => g.recordId === r2)?.classes;
  assert.deepEqual(a.groundTruth('cpsc9', { source: 'consensus' }).find((g) => g.recordId === r2)?.classes, truth2);
  const list = a.listRecords({ labelSet: 'cpsc9', disagreement: true });
  assert.ok(list.rows.some((r) => r.id === r1));
  assert.ok(a.listRecords({ labelSet: 'cpsc9', reviewed: true }).rows.every((r) => r.reviewed));
  const ag = a.agreement('cpsc9');
  assert.deepEqual(ag.annotators, ['ann', 'bob', 'cat']);
  assert.ok(ag.conflicts.includes(r1));
  assert.deepEqual(Object.keys(ag.cohen).sort(), ['ann|bob', 'ann|cat', 'bob|cat']);
});

test("Cohen's kappa and Fleiss' kappa give textbook values", () => {
  // Cohen (Wikipedia example): 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 → κ = 0.4.
  const A = [...Array(20).fill('y'), ...Array(5).fill('y'), ...Array(10).fill('n'), ...Array(15).fill('n')];
  const B = [...Array(20).fill('y'), ...Array(5).fill('n'), ...Array(10).fill('y'), ...Array(15).fill('n')];
  assert.ok(Math.abs(cohenKappa(A, B) - 0.4) < 1e-12);
  assert.equal(cohenKappa(['a', 'b'], ['a', 'b']), 1);
  // Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories → κ ≈ 0.210.
  const m = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];
  assert.ok(Math.abs(fleissKappa(m) - 0.20993) < 1e-4, String(fleissKappa(m)));
  assert.throws(() => fleissKappa([[1, 1], [2, 1]]), /ratings/);
});

test('synchronous=FULL is the connection default (label writes), the archive is in WAL mode with foreign keys on', () => {
  assert.equal(a.db.pragma('synchronous', { simple: true }), 2);
  assert.equal(a.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(a.db.pragma('foreign_keys', { simple: true }), 1);
});

test('a later labels CSV overrides the header; the header event stays in the log; the same CSV twice writes nothing', () => {
  const csv = tmp.path('fix.csv');
  writeFileSync(csv, 'record_id,cpsc9,patient_id\nA0003,PVC,p42\nNOPE,AF,\n');
  const res = a.importPaths([], { labelsCsv: csv });
  assert.equal(res.labels?.matched, 1);
  assert.deepEqual(res.labels?.unmatched, ['NOPE']);
  const [id] = a.recordIdsByName(['A0003']);
  assert.deepEqual(a.groundTruth('cpsc9').find((g) => g.recordId === id)?.classes, ['PVC']);
  assert.equal(a.record(id).patientId, 'p42');
  assert.ok(a.history(id).some((e) => e.source === 'header' && e.classes.join() === 'AF'));
  assert.equal(a.importPaths([], { labelsCsv: csv }).labels?.events, 0);
});
