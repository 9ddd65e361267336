/**
 * Archive figures: import records/s over shared/data (with the time split into parse / encode+hash /
 * SQLite, each measured in this run), and record-list filter latency (p50/p95) on a synthetic 100k-record
 * archive (synthetic rows: no signals, real schema and indexes, label and prediction state).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openArchive } from '../db/archive.ts';
import { findRecords, readRecord } from '../db/formats/index.ts';
import { prepareRecord } from '../db/recordStore.ts';
import type { RecordFilter } from '../db/recordQuery.ts';
import { seededRandom } from '../db/splits.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function importBench(dir: string): Promise<void> {
  const sources = findRecords([DATA]).records;
  // Warm the file cache and the JIT once, so the phases below compare like with like.
  for (const s of sources.slice(0, 50)) prepareRecord(readRecord(s));
  let t = performance.now();
  const parsed = sources.map((s) => readRecord(s));
  const parseMs = performance.now() - t;
  t = performance.now();
  let bytes = 0;
  let samples = 0;
  for (const p of parsed) {
    const prep = prepareRecord(p);
    for (const b of prep.blobs) bytes += b.length;
    for (const c of p.channels) samples += c.samples.length;
  }
  const prepMs = performance.now() - t;
  parsed.length = 0;
  const runs: number[] = [];
  for (let run = 0; run < 2; run++) {
    const file = join(dir, `import${run}.x3ecg`);
    const a = openArchive(file);
    t = performance.now();
    const res = a.importPaths([DATA], { labelsCsv: join(DATA, 'labels.csv') });
    runs.push(performance.now() - t);
    if (res.imported !== 719 || res.rejected.length > 0) throw new Error(`import bench: ${res.imported} imported, ${res.rejected.length} rejected`);
    a.close();
  }
  const par: number[] = [];
  for (let run = 0; run < 2; run++) {
    const a = openArchive(join(dir, `parallel${run}.x3ecg`));
    t = performance.now();
    const res = await a.importPathsParallel([DATA], { labelsCsv: join(DATA, 'labels.csv'), workers: 2 });
    par.push(performance.now() - t);
    if (res.imported !== 719) throw new Error('parallel import bench: wrong count');
    a.close();
  }
  const best = Math.min(...runs);
  const n = sources.length;
  console.log(`import: ${n} records (${(samples / 1e6).toFixed(1)} M samples) in ${(best / 1000).toFixed(2)} s best of ${runs.length} → ${Math.round((n / best) * 1000)} records/s (goal ≥ 1000/s; runs ${runs.map((r) => (r / 1000).toFixed(2)).join(', ')} s)`);
  console.log(`import with 2 worker threads (--workers 2): best ${(Math.min(...par) / 1000).toFixed(2)} s → ${Math.round((n / Math.min(...par)) * 1000)} records/s, ${(best / Math.min(...par)).toFixed(2)}× the in-thread import (includes ≈0.3–0.7 s worker start-up with the tsx loader)`);
  console.log(`  parse (db/formats readRecord): ${(parseMs / 1000).toFixed(2)} s = ${Math.round((n / parseMs) * 1000)} records/s alone (${((100 * parseMs) / best).toFixed(0)} % of the import)`);
  console.log(`  encode + hash (signalCodec, sha256): ${(prepMs / 1000).toFixed(2)} s (${((100 * prepMs) / best).toFixed(0)} %); ${(bytes / samples).toFixed(2)} bytes/sample stored vs 2.00 for int16`);
  console.log(`  SQLite writes + labels + rest: ${((best - parseMs - prepMs) / 1000).toFixed(2)} s (${((100 * (best - parseMs - prepMs)) / best).toFixed(0)} %)`);
}

function filterBench(dir: string): void {
  const a = openArchive(join(dir, 'synthetic.x3ecg'));
  const db = a.db;
  const N = 100_000;
  const rand = seededRandom(7);
  const origins = ['cpsc2018', 'georgia', 'ptbxl', 'ningbo', 'chapman_shaoxing', 'ptbxl_records100', 'ptbxl_records500', 'local'];
  let t = performance.now();
  db.pragma('synchronous = OFF');
  db.transaction(() => {
    const rec = db.prepare(
      `INSERT INTO records (name, source_name, origin, format, fs, duration_sec, n_channels, lead_names, dx, comments, files, content_hash, model_ready, imported_at)
       VALUES (?, ?, ?, 'wfdb', ?, ?, 12, '[]', '[]', '[]', '[]', ?, 1, '2026-01-01T00:00:00Z')`,
    );
    const st = db.prepare(
      `INSERT INTO record_state (record_id, label_set, truth_mask, consensus_mask, ref_mask, annotators, annot_disagree, pred_version, pred_mask, pred_top, pred_conf, disagreement)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const sets = { chapman4: ['SB', 'AFIB', 'GSVT', 'SR'], cpsc9: ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'] };
    for (let i = 1; i <= N; i++) {
      const name = `S${String(i).padStart(6, '0')}`;
      const fs = rand() < 0.6 ? 500 : 100;
      rec.run(name, name, origins[Math.floor(rand() * origins.length)], fs, 10 + Math.floor(rand() * 50), `h${i}`);
      for (const [set, classes] of Object.entries(sets)) {
        const k = Math.floor(rand() * classes.length);
        const truth = 1 << k;
        const pk = rand() < 0.8 ? k : Math.floor(rand() * classes.length);
        const annotators = rand() < 0.1 ? 1 + Math.floor(rand() * 3) : 0;
        const consensus = annotators > 0 ? truth : null;
        st.run(i, set, truth, consensus, consensus ?? truth, annotators, 0, 'v1', 1 << pk, classes[pk], 0.25 + 0.75 * rand(), pk !== k ? 1 : 0);
      }
    }
  })();
  db.pragma('synchronous = FULL');
  db.exec('ANALYZE');
  console.log(`filter: synthetic archive of ${N.toLocaleString('en')} records built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const queries: [string, RecordFilter][] = [
    ['first page, sorted by name', {}],
    ['search "S0123"', { search: 'S0123' }],
    ['origin', { origin: 'georgia' }],
    ['label cpsc9=LBBB', { labelSet: 'cpsc9', label: 'LBBB' }],
    ['prediction chapman4=AFIB', { labelSet: 'chapman4', prediction: 'AFIB' }],
    ['disagreement', { labelSet: 'cpsc9', disagreement: true }],
    ['confidence 0.4–0.6, sorted by confidence', { labelSet: 'chapman4', minConfidence: 0.4, maxConfidence: 0.6, sort: 'confidence' }],
    ['not reviewed', { labelSet: 'chapman4', reviewed: false }],
    ['reviewed + label + page 50', { labelSet: 'cpsc9', reviewed: true, label: 'AF', offset: 5000 }],
    ['origin + label + disagreement, by duration desc', { origin: 'ptbxl', labelSet: 'chapman4', label: 'SR', disagreement: true, sort: 'duration', desc: true }],
  ];
  const all: number[] = [];
  for (const [label, f] of queries) {
    a.listRecords(f);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      const res = a.listRecords({ ...f, limit: 100 });
      times.push(performance.now() - t);
      if (res.rows.length === 0 && res.total > 0 && (f.offset ?? 0) < res.total) throw new Error(`${label}: empty page`);
    }
    all.push(...times);
    console.log(`  ${label.padEnd(50)} p50 ${pct(times, 50).toFixed(1).padStart(6)} ms  p95 ${pct(times, 95).toFixed(1).padStart(6)} ms  (${a.listRecords({ ...f, limit: 1 }).total} matches)`);
  }
  console.log(`filter: p95 over all ${all.length} queries on 100k records: ${pct(all, 95).toFixed(1)} ms (p50 ${pct(all, 50).toFixed(1)} ms; count + one page of 100 rows each)`);
  a.close();
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'x3ecg-bench-archive-'));
  try {
    await importBench(dir);
    filterBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
