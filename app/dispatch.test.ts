import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, methods, type Method } from '../api/contract.ts';
import { createDispatch, type Handlers } from './dispatch.ts';

/** Handlers that fail the test if any malformed call ever reaches them. */
function tripwires(reached: string[]): Handlers {
  return Object.fromEntries(
    (Object.keys(methods) as Method[]).map((m) => [m, () => { reached.push(m); return null as never; }]),
  ) as unknown as Handlers;
}

const hostile: unknown[] = [
  null,
  42,
  'x',
  [],
  { __proto__: { admin: true } },
  { unexpected: "'; DROP TABLE records; --" },
  { id: '1 OR 1=1' },
  { id: -1 },
  { id: 1.5 },
  { recordId: 1, labelSet: 'chapman4', classes: ['SR'], annotator: '' },
  { recordId: 1, labelSet: 'nope', classes: ['SR'], annotator: 'a' },
  { paths: [] },
  { limit: 10_000_000 },
  { task: 'chapman4', recordIds: [1], version: 'x'.repeat(5000) },
];

test('every method refuses malformed input at the edge: 4xx-style error, handler never reached', async () => {
  const reached: string[] = [];
  const dispatch = createDispatch(tripwires(reached));
  let refused = 0;
  for (const m of Object.keys(methods)) {
    for (const input of hostile) {
      const schema = methods[m as Method];
      if (schema.safeParse(input ?? {}).success) continue; // e.g. {} is a valid call for list methods
      await assert.rejects(dispatch(m, input), (e: unknown) => e instanceof ApiError && e.code === 'bad_request');
      refused++;
    }
  }
  assert.deepEqual(reached, []);
  assert.ok(refused > Object.keys(methods).length * 8, `refused ${refused}`);
});

test('unknown methods, including prototype names, are refused', async () => {
  const reached: string[] = [];
  const dispatch = createDispatch(tripwires(reached));
  for (const m of ['constructor', '__proto__', 'toString', 'records.drop', '']) {
    await assert.rejects(dispatch(m, {}), (e: unknown) => e instanceof ApiError && e.code === 'bad_request');
  }
  assert.deepEqual(reached, []);
});

test('service errors keep their meaning: not found → not_found, anything else → internal with its message', async () => {
  const handlers = tripwires([]);
  handlers['records.get'] = () => { throw Object.assign(new Error('record 7 not found'), { code: 'not_found' }); };
  handlers['app.info'] = () => { throw new Error('disk full'); };
  const dispatch = createDispatch(handlers);
  await assert.rejects(dispatch('records.get', { id: 7 }), (e: unknown) => e instanceof ApiError && e.code === 'not_found');
  await assert.rejects(dispatch('app.info', {}), (e: unknown) => e instanceof ApiError && e.code === 'internal' && /disk full/.test(e.message));
});
