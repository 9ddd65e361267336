/**
 * Parser throughput over every record of ../shared/data: records/s and samples/s for findRecords + readRecord
 * (cold first pass, then warm passes), per source kind (.mat Challenge vs native .dat).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRecords, readRecord } from '../db/formats/index.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../shared/data');

export async function run(): Promise<void> {
  let t = performance.now();
  const { records } = findRecords([DATA]);
  const findMs = performance.now() - t;
  console.log(`formats: findRecords ${records.length} records in ${findMs.toFixed(0)} ms`);
  const passes = 5;
  let best = Infinity;
  let samples = 0;
  const perKind = new Map<string, { n: number; ms: number }>();
  for (let p = 0; p < passes; p++) {
    samples = 0;
    t = performance.now();
    for (const src of records) {
      const t1 = performance.now();
      const rec = readRecord(src);
      const kind = rec.format;
      for (const ch of rec.channels) samples += ch.samples.length;
      if (p === passes - 1) {
        const k = perKind.get(kind) ?? { n: 0, ms: 0 };
        k.n++;
        k.ms += performance.now() - t1;
        perKind.set(kind, k);
      }
    }
    const ms = performance.now() - t;
    if (p === 0) console.log(`formats: first pass ${(records.length / (ms / 1000)).toFixed(0)} records/s (${ms.toFixed(0)} ms)`);
    best = Math.min(best, ms);
  }
  console.log(`formats: parse throughput ${(records.length / (best / 1000)).toFixed(0)} records/s, ${(samples / (best / 1000) / 1e6).toFixed(1)} M samples/s (best of ${passes} passes over ${records.length} records, goal ≥ 1,000 records/s)`);
  for (const [kind, k] of perKind) console.log(`formats:   ${kind}: ${k.n} records, ${(k.n / (k.ms / 1000)).toFixed(0)} records/s`);
}
