/**
 * Labels CSV through the importer (the parser fuzz in db/formats covers parseLabelsCsv alone): seeded
 * mutations of the real labels.csv rows of an imported archive — byte damage, non-UTF-8, duplicated and
 * missing columns, unknown classes, path traversal and SQL in record ids, formula cells, huge fields.
 * Each case either fails as a whole naming the CSV (the archive byte-for-byte unchanged in every table) or
 * applies: then no record (but a missing patient id), channel or signal is touched, every new label event belongs to an existing
 * record and holds classes of its set, and each skipped row is reported against the CSV. integrity_check
 * stays ok. FUZZ_LABELS_CASES overrides the count.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { openArchive } from '../db/archive.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const CASES = Number(process.env.FUZZ_LABELS_CASES ?? 1000);
const SEED = 1126;
const tmp = mkdtempSync(join(tmpdir(), 'x3ecg-labelsfuzz-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = ['records', 'label_events', 'label_current', 'record_state', 'predictions'] as const;
/** The signal tables: digested before and after the whole run (hashing their blobs per case is slow). */
const SIGNAL_TABLES = ['channels', 'model_inputs'] as const;

/** A digest of the tables' rows (the archive "unchanged" check) plus the row counts. */
function snapshot(db: Database.Database, tables: readonly string[] = TABLES): { counts: Record<string, number>; digest: Record<string, string> } {
  const counts: Record<string, number> = {};
  const digest: Record<string, string> = {};
  for (const t of tables) {
    const rows = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).raw().all();
    counts[t] = rows.length;
    const h = createHash('sha256');
    for (const r of rows) h.update(JSON.stringify(r, (_k, v) => (Buffer.isBuffer(v) ? createHash('sha1').update(v).digest('hex') : v)));
    digest[t] = h.digest('hex');
  }
  // A labels CSV may fill a record's missing patient id; every other column of records is the signal's own.
  const st = db.prepare('SELECT * FROM records ORDER BY id');
  const cols = st.columns().map((c) => c.name);
  const h = createHash('sha256');
  for (const r of st.raw().all() as unknown[][]) h.update(JSON.stringify(r.filter((_, i) => cols[i] !== 'patient_id'), (_k, v) => (Buffer.isBuffer(v) ? createHash('sha1').update(v).digest('hex') : v)));
  digest.recordsButPatient = h.digest('hex');
  return { counts, digest };
}

function mutate(r: () => number, lines: string[]): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const out = [...lines];
  const row = 1 + Math.floor(r() * (out.length - 1));
  const cells = out[row].split(',');
  const kind = Math.floor(r() * 12);
  switch (kind) {
    case 0:
      return out.join('\n').slice(0, Math.floor(r() * out.join('\n').length));
    case 1: {
      const b = Buffer.from(out.join('\n'));
      for (let k = 0; k < 1 + Math.floor(r() * 10); k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b.toString('latin1');
    }
    case 2:
      cells[0] = pick(['../../../etc/passwd', "E00001'; DROP TABLE records; --", '', ' ', 'E00001\u0000', '%', '_', '*', 'E0000%', 'x'.repeat(100_000), '=cmd|" /C calc"!A0']);
      break;
    case 3:
      cells[4] = pick(['XYZ', 'SR;SR', 'SR;AFIB', '../SB', 'sr', ';;;', 'SB; ', '"SR"', '=1+1']);
      break;
    case 4:
      cells[5] = pick(['STE;STE;STE', 'Normal;AF;I-AVB;LBBB;RBBB;PAC;PVC;STD;STE', 'PVC\u202e', 'NaN', '0x7f', 'AF'.repeat(10_000)]);
      break;
    case 5:
      out[0] = out[0].replace(pick(['record_id', 'chapman4', 'cpsc9', 'patient_id']), pick(['', 'record_id', 'chapman4', 'RECORD_ID', 'x']));
      break;
    case 6:
      out.splice(row, 0, out[row]); // duplicated row
      return out.join('\n');
    case 7:
      cells.push(pick(['extra', '', '"a,b"']));
      break;
    case 8:
      cells.splice(Math.floor(r() * cells.length), 1);
      break;
    case 9:
      return `\ufeff${out.join('\r\n')}`;
    case 10:
      cells[1] = `"${cells[1]}`; // unbalanced quote
      break;
    default:
      cells[7] = pick(['../../x', 'p'.repeat(5000), "1' OR '1'='1", '']);
      break;
  }
  out[row] = cells.join(',');
  return out.join('\n');
}

test(`labels CSV fuzz through the importer: refusals leave the archive unchanged, applied rows only label existing records`, () => {
  const file = join(tmp, 'labels.x3ecg');
  const a = openArchive(file);
  a.importPaths([join(DATA, 'georgia')]);
  const ids = a.allRecordIds();
  a.setLabels({ recordId: ids[0], labelSet: 'chapman4', classes: ['SR'], annotator: 'alice' });
  const csvLines = readFileSync(join(DATA, 'labels.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
  const base = [csvLines[0], ...csvLines.filter((l) => l.split(',')[1] === 'georgia')];
  assert.equal(base.length - 1, ids.length);
  const db = new Database(file, { readonly: true });
  const classesOf = Object.fromEntries((db.prepare('SELECT name, classes FROM label_sets').all() as { name: string; classes: string }[]).map((s) => [s.name, new Set(JSON.parse(s.classes) as string[])]));
  const r = rng(SEED);
  const csv = join(tmp, 'mutated.csv');
  const signalsBefore = snapshot(db, SIGNAL_TABLES);
  let refused = 0;
  let applied = 0;
  let rowsSkipped = 0;
  const t0 = performance.now();
  try {
    for (let k = 0; k < CASES; k++) {
      const text = mutate(r, base);
      writeFileSync(csv, text, 'latin1');
      const before = snapshot(db);
      const maxEvent = (db.prepare('SELECT coalesce(max(id), 0) FROM label_events').pluck().get() as number);
      let res: ReturnType<typeof a.importPaths>;
      try {
        res = a.importPaths([], { labelsCsv: csv });
      } catch (err) {
        refused++;
        assert.ok(err instanceof Error && err.message.includes(csv), `case ${k}: the error does not name the CSV: ${String(err)}`);
        assert.deepEqual(snapshot(db), before, `case ${k}: a refused CSV changed the archive`);
        continue;
      }
      applied++;
      const now = snapshot(db);
      for (const t of ['recordsButPatient'] as const) assert.equal(now.digest[t], before.digest[t], `case ${k}: ${t} changed`);
      for (const rej of res.rejected) {
        assert.equal(rej.file, csv, `case ${k}: a rejection names ${rej.file}`);
        rowsSkipped++;
      }
      const events = db.prepare('SELECT e.record_id, e.label_set, e.classes, e.kind, e.source, r.id AS rid FROM label_events e LEFT JOIN records r ON r.id = e.record_id WHERE e.id > ?').all(maxEvent) as { record_id: number; label_set: string; classes: string; kind: string; source: string; rid: number | null }[];
      for (const e of events) {
        assert.notEqual(e.rid, null, `case ${k}: a label event for a missing record ${e.record_id}`);
        assert.equal(e.kind, 'ground-truth');
        for (const c of JSON.parse(e.classes) as string[]) assert.ok(classesOf[e.label_set].has(c), `case ${k}: class ${c} is not in ${e.label_set}`);
      }
      if (k % 100 === 0) assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    }
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(a.recordCount(), ids.length);
    assert.deepEqual(snapshot(db, SIGNAL_TABLES).digest, signalsBefore.digest, 'channels and model inputs untouched');
    console.log(`labels CSV importer fuzz: ${CASES} cases (seed ${SEED}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${refused} refused whole (archive unchanged), ${applied} applied (${rowsSkipped} rows reported and skipped)`);
  } finally {
    db.close();
    a.close();
  }
});
