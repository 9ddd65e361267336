import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedFolds, stratifiedSplit } from './split.ts';

const items = Array.from({ length: 100 }, (_, i) => ({ key: `r${i}`, target: [i < 10 ? 0 : i < 30 ? 1 : 2], patientId: i >= 90 ? `p${Math.floor(i / 2)}` : null }));

test('stratified split keeps every class on both sides, patients on one side, and is seeded', () => {
  const a = stratifiedSplit(items, 0.2, 1);
  assert.equal(a.train.length + a.val.length, 100);
  for (const c of [0, 1, 2]) assert.ok(a.val.some((x) => x.target[0] === c) && a.train.some((x) => x.target[0] === c));
  const side = new Map<string, string>();
  for (const [name, part] of [['train', a.train], ['val', a.val]] as const) for (const x of part) if (x.patientId) assert.equal(side.get(x.patientId) ?? name, name), side.set(x.patientId, name);
  assert.deepEqual(stratifiedSplit(items, 0.2, 1), a);
  assert.notDeepEqual(stratifiedSplit(items, 0.2, 2).val.map((x) => x.key), a.val.map((x) => x.key));
});

test('k folds partition the items, balanced in size and class', () => {
  const folds = stratifiedFolds(items, 5, 3);
  assert.equal(folds.flat().length, 100);
  assert.equal(new Set(folds.flat().map((x) => x.key)).size, 100);
  for (const f of folds) {
    assert.ok(f.length >= 18 && f.length <= 22);
    assert.equal(f.filter((x) => x.target[0] === 0).length, 2);
  }
});
