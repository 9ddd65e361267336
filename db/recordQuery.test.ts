/** Record list filters, predictions per model version and the model registry, on the demo archive. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { openArchive, type Archive } from './archive.ts';
import { loadDemo } from './demoArchive.ts';
import { tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
let a: Archive;
const id = (name: string) => a.recordIdsByName([name])[0];
before(() => {
  a = openArchive(tmp.path('q.x3ecg'));
  loadDemo(a);
});
after(() => {
  a.close();
  tmp.remove();
});

test('search, origin, label, model-ready filters; sort and paginate', () => {
  assert.equal(a.listRecords().total, 12);
  assert.deepEqual(a.listRecords({ search: 'A00' }).rows.map((r) => r.name), ['A0003', 'A0021', 'A0025', 'A0039', 'A0044', 'A0049']);
  assert.deepEqual(a.listRecords({ origin: 'ptbxl_records100' }).rows.map((r) => r.name), ['00013_lr']);
  assert.deepEqual(a.listRecords({ labelSet: 'cpsc9', label: 'PVC' }).rows.map((r) => r.name), ['A0025', 'JS20003']);
  assert.deepEqual(a.listRecords({ label: 'GSVT' }).rows.map((r) => r.name), ['JS00666', 'JS20003']);
  const page = a.listRecords({ sort: 'rate', limit: 2, offset: 0 });
  assert.equal(page.total, 12);
  assert.equal(page.rows[0].name, '00013_lr');
  assert.equal(page.rows[0].fs, 100);
  assert.deepEqual(a.listRecords({ sort: 'name', desc: true, limit: 1 }).rows[0].name, 'JS20003');
  const row = a.listRecords({ search: '00195_hr' }).rows[0];
  assert.deepEqual(row.labels, { chapman4: ['SR'], cpsc9: ['RBBB'] });
  assert.equal(row.leads, 12);
  assert.equal(row.modelReady, true);
  assert.equal(a.listRecords({ search: '%' }).total, 0, 'LIKE wildcards are escaped');
});

test('predictions: saved per model version, listed for the active model, filter by prediction/confidence/disagreement', () => {
  a.addModelVersion({ version: 'c4-v1', task: 'chapman4', parent: null, path: '/models/c4-v1', metrics: { macroF1: 0.8 } });
  a.addModelVersion({ version: 'c4-v2', task: 'chapman4', parent: 'c4-v1', path: '/models/c4-v2', metrics: null });
  const names = ['A0003', 'E07509', 'JS00666', '00013_lr'];
  a.savePredictions('c4-v1', 'chapman4', names.map((n, i) => ({ recordId: id(n), probabilities: i === 0 ? [0.05, 0.9, 0.03, 0.02] : [0.1, 0.1, 0.1, 0.7] })));
  a.savePredictions('c4-v2', 'chapman4', names.map((n) => ({ recordId: id(n), probabilities: [0.6, 0.2, 0.1, 0.1] })));
  a.setActiveModel('chapman4', 'c4-v1');
  assert.equal(a.activeModel('chapman4')?.version, 'c4-v1');
  assert.deepEqual(a.listModelVersions('chapman4').map((v) => [v.version, v.active, v.parent]), [['c4-v1', true, null], ['c4-v2', false, 'c4-v1']]);
  assert.deepEqual(a.listModelVersions('chapman4')[0].metrics, { macroF1: 0.8 });
  assert.equal(a.prediction(id('A0003'), 'chapman4')?.top, 'AFIB');
  assert.deepEqual(a.listRecords({ labelSet: 'chapman4', prediction: 'SR' }).rows.map((r) => r.name).sort(), ['00013_lr', 'E07509', 'JS00666']);
  // Disagreement: prediction ≠ reference label (E07509 is SB, JS00666 is GSVT; A0003 AFIB and 00013_lr SR agree).
  assert.deepEqual(a.listRecords({ labelSet: 'chapman4', disagreement: true }).rows.map((r) => r.name).sort(), ['E07509', 'JS00666']);
  assert.deepEqual(a.listRecords({ labelSet: 'chapman4', minConfidence: 0.8 }).rows.map((r) => r.name), ['A0003']);
  assert.deepEqual(a.listRecords({ labelSet: 'chapman4', sort: 'confidence', desc: true, limit: 1 }).rows[0].prediction, { task: 'chapman4', version: 'c4-v1', top: 'AFIB', confidence: 0.9 });
  // Switching the active model re-points the list.
  a.setActiveModel('chapman4', 'c4-v2');
  assert.deepEqual(a.listRecords({ labelSet: 'chapman4', prediction: 'SB' }).rows.map((r) => r.name).sort(), ['00013_lr', 'A0003', 'E07509', 'JS00666']);
  assert.equal(a.prediction(id('A0003'), 'chapman4', 'c4-v1')?.top, 'AFIB');
  assert.throws(() => a.savePredictions('c4-v1', 'chapman4', [{ recordId: id('A0003'), probabilities: [1, 0] }]), /2 probabilities .* 4 classes/);
  assert.throws(() => a.setActiveModel('cpsc9', 'c4-v1'), /is for task chapman4/);
});

test('reviewed / not reviewed', () => {
  a.setLabels({ recordId: id('A0021'), labelSet: 'cpsc9', classes: ['STE'], annotator: 'dr x' });
  assert.deepEqual(a.listRecords({ labelSet: 'cpsc9', reviewed: true }).rows.map((r) => r.name), ['A0021']);
  assert.equal(a.listRecords({ labelSet: 'cpsc9', reviewed: false }).total, 11);
  assert.equal(a.listRecords({ labelSet: 'chapman4', reviewed: true }).total, 0);
});

test('a record without lead V1 is archived and viewable but not model-ready; modelInput names the record and the lead', () => {
  const dir = tmp.path('nov1');
  mkdirSync(dir);
  writeFileSync(`${dir}/twolead.hea`, 'twolead 2 250 4\ntwolead.dat 16 200/mV 16 0 1 10 0 I\ntwolead.dat 16 200/mV 16 0 2 14 0 II\n');
  writeFileSync(`${dir}/twolead.dat`, Buffer.from(Int16Array.of(1, 2, 2, 3, 3, 4, 4, 5).buffer));
  const res = a.importPaths([dir]);
  assert.deepEqual(res.rejected, []);
  const rid = id('twolead');
  assert.equal(a.record(rid).modelReady, false);
  assert.deepEqual(a.record(rid).missingModelLeads, ['V1']);
  assert.throws(() => a.modelInput(rid), /record twolead is not model-ready: it has no lead V1/);
  const sig = a.physicalSignals(rid, ['ii']);
  assert.deepEqual(sig.map((x) => [x.name, x.fs, x.units]), [['II', 250, 'mV']]);
  assert.deepEqual([...sig[0].values], [2 / 200, 3 / 200, 4 / 200, 5 / 200]);
  assert.equal(a.listRecords({ modelReady: false }).rows[0].name, 'twolead');
});

test('export labels from a model version or an annotator; model label events are audit-only', () => {
  const out = tmp.path('exp-model');
  a.exportRecords({ outDir: out, labels: { model: 'c4-v1' }, recordIds: a.recordIdsByName(['A0003', 'E07509', 'A0021']) });
  const csv = readFileSync(`${out}/labels.csv`, 'utf8').trim().split('\n');
  assert.deepEqual(csv, ['record_id,patient_id,chapman4,cpsc9', 'A0003,,AFIB,', 'E07509,,SR,', 'A0021,,,']);
  const out2 = tmp.path('exp-ann');
  a.exportRecords({ outDir: out2, labels: { annotator: 'dr x' }, recordIds: a.recordIdsByName(['A0021', 'A0003']), patientIds: false });
  assert.deepEqual(readFileSync(`${out2}/labels.csv`, 'utf8').trim().split('\n'), ['record_id,patient_id,chapman4,cpsc9', 'A0021,,,STE', 'A0003,,,']);
  const before = a.groundTruth('cpsc9', { source: 'consensus' });
  const ev = a.recordEvent({ kind: 'model', recordId: id('A0003'), labelSet: 'cpsc9', classes: ['PVC'], modelVersion: 'c9-v7' });
  assert.equal(ev.kind, 'model');
  assert.equal(ev.source, 'c9-v7');
  assert.deepEqual(a.groundTruth('cpsc9', { source: 'consensus' }), before);
  assert.equal(a.recordEvent({ kind: 'annotator', recordId: id('A0003'), labelSet: 'cpsc9', classes: ['AF'], annotator: 'eve' }).kind, 'annotator');
});
