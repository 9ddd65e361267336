/** Importer API: progress events, cancel, the worker pipeline's equivalence, files that are not records. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openArchive } from './archive.ts';
import { DEMO_LABELS, DEMO_RECORDS } from './demoArchive.ts';
import type { ImportProgress } from './importer.ts';
import { DATA, LABELS, tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
after(() => tmp.remove());

test('progress after every record; cancel stops between records and skips the labels; a re-run finishes', () => {
  const a = openArchive(tmp.path('cancel.x3ecg'));
  try {
    const events: ImportProgress[] = [];
    const res = a.importPaths([DEMO_RECORDS], { labelsCsv: DEMO_LABELS, onProgress: (p) => events.push(p), shouldCancel: () => events.length >= 5 });
    assert.equal(res.cancelled, true);
    assert.equal(res.imported, 5);
    assert.equal(res.labels, null);
    assert.deepEqual(events.map((e) => e.done), [1, 2, 3, 4, 5]);
    assert.ok(events.every((e) => e.total === 12 && e.file.endsWith('.hea')));
    assert.equal(a.recordCount(), 5);
    const rest = a.importPaths([DEMO_RECORDS], { labelsCsv: DEMO_LABELS });
    assert.equal(rest.imported, 7);
    assert.equal(rest.duplicates, 5);
    assert.equal(rest.skipped, 12, 'the .mat/.dat signal files beside the headers are skipped, not rejected');
    assert.equal(a.stats().labelSets.cpsc9.STE, 1);
  } finally {
    a.close();
  }
});

test('worker pipeline: same records, ids and content as the in-thread import; cancel works there too', async () => {
  const folders = [join(DATA, 'ptbxl_records100'), join(DATA, 'georgia')];
  const x = openArchive(tmp.path('x.x3ecg'));
  const y = openArchive(tmp.path('y.x3ecg'));
  try {
    const rx = x.importPaths(folders, { labelsCsv: LABELS });
    const ry = await y.importPathsParallel(folders, { labelsCsv: LABELS, workers: 2 });
    assert.equal(ry.imported, rx.imported);
    assert.deepEqual(ry.rejected, []);
    const rows = (db: typeof x.db) => db.prepare('SELECT id, name, content_hash FROM records ORDER BY id').all();
    assert.deepEqual(rows(y.db), rows(x.db));
    assert.deepEqual(y.stats(), x.stats());
    const z = openArchive(tmp.path('z.x3ecg'));
    let n = 0;
    const rz = await z.importPathsParallel(folders, { workers: 2, onProgress: () => n++, shouldCancel: () => n >= 100 });
    assert.equal(rz.cancelled, true);
    assert.equal(z.recordCount(), 100);
    assert.equal(z.integrityCheck(), 'ok');
    z.close();
  } finally {
    x.close();
    y.close();
  }
});
