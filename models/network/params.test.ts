import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialWeights, transferredWeights, WeightsMismatchError } from './params.ts';

test('transferred weights keep every backbone and attention tensor of the source and draw a fresh classifier for the new label set', () => {
  const source = initialWeights(4, 7);
  const out = transferredWeights(source, 'chapman4 model', 9, 3);
  const fresh = initialWeights(9, 3);
  assert.deepEqual([...out.keys()], [...fresh.keys()]);
  for (const [name, t] of out) {
    if (name.startsWith('classifier.')) {
      assert.deepEqual(t.shape, fresh.get(name)!.shape);
      assert.deepEqual(t.data, fresh.get(name)!.data, name);
    } else {
      assert.deepEqual(t.data, source.get(name)!.data, name);
      assert.notEqual(t.data, source.get(name)!.data, `${name} is a copy, not the source's buffer`);
    }
  }
  assert.deepEqual(out.get('classifier.fc.weight')!.shape, [9, 512]);
});

test('a source without a tensor or with a wrong shape is refused, naming it', () => {
  const missing = initialWeights(4, 1);
  missing.delete('lead1.stem.conv.weight');
  assert.throws(() => transferredWeights(missing, 'old.model', 9, 1), (e: Error) => e instanceof WeightsMismatchError && /old\.model: missing tensor lead1\.stem\.conv\.weight/.test(e.message));
  const bent = initialWeights(4, 1);
  const t = bent.get('attention.fc1.weight')!;
  bent.set('attention.fc1.weight', { shape: [t.shape[0] + 1, ...t.shape.slice(1)], data: new Float32Array(t.data.length + t.shape[1]) });
  assert.throws(() => transferredWeights(bent, 'bent.model', 9, 1), /bent\.model: attention\.fc1\.weight has shape/);
});
