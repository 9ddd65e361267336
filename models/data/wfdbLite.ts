/**
 * A minimal reader for the WFDB records in ../shared/data (format 16 in Challenge `.mat` or native `.dat`),
 * returning leads I, II, V1 in mV: enough for the engine's tests and benchmarks until the archive's
 * importers (db/formats) are used instead. Not an importer: no checksum verification, format 16 only.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelInput } from '../preprocess.ts';

interface SignalSpec {
  file: string;
  byteOffset: number;
  gain: number;
  baseline: number;
  name: string;
}

export function readWfdbLeads(headerPath: string): ModelInput {
  const lines = readFileSync(headerPath, 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  const [, nsigS, fsS, nS] = lines[0].trim().split(/\s+/);
  const nsig = Number(nsigS);
  const fs = Number(fsS.split('/')[0]);
  const n = Number(nS);
  const sigs: SignalSpec[] = lines.slice(1, 1 + nsig).map((l) => {
    const f = l.trim().split(/\s+/);
    const fmt = f[1];
    if (!/^16(x1)?(\+\d+)?$/.test(fmt)) throw new Error(`${headerPath}: format ${fmt} not supported by this reader`);
    const off = fmt.includes('+') ? Number(fmt.split('+')[1]) : 0;
    const m = /^([-\d.eE+]+)(?:\(([-\d]+)\))?/.exec(f[2]);
    const gain = m ? Number(m[1]) || 200 : 200;
    const baseline = m?.[2] !== undefined ? Number(m[2]) : Number(f[4] ?? 0);
    return { file: f[0], byteOffset: off, gain, baseline, name: f[f.length - 1] };
  });
  const want = ['I', 'II', 'V1'];
  const idx = want.map((w) => {
    const i = sigs.findIndex((s) => s.name.toUpperCase() === w);
    if (i < 0) throw new Error(`${headerPath}: no lead ${w}`);
    return i;
  });
  const bytes = readFileSync(join(dirname(headerPath), sigs[0].file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(3 * n);
  idx.forEach((si, lead) => {
    const s = sigs[si];
    for (let t = 0; t < n; t++) data[lead * n + t] = (view.getInt16(s.byteOffset + 2 * (t * nsig + si), true) - s.baseline) / s.gain;
  });
  return { fs, leads: want, length: n, data };
}
