/**
 * ECG signals in CSV, two forms (see README.md in this folder):
 *
 * 1. Chapman/MUSE style (no `#` line): a header row of lead names (`I,II,III,aVR,…,V6`, any case), one row
 *    per sample, values in µV, 500 Hz. A file without a header row is accepted when it has exactly 12
 *    numeric columns (the standard lead order).
 * 2. Plain CSV with a documented header: an optional first line `# fs=500 units=mV` (key=value pairs,
 *    separated by spaces or commas; `fs` in Hz, `units` one of uV/µV/mV/V or any other unit name), then a
 *    header row of signal names, then one row per sample. An optional `time` column (seconds) is checked
 *    against `fs` (or gives `fs` when the `#` line has none). Defaults with a `#` line: fs 500, units mV.
 *
 * Values are decimal text. They are stored losslessly as integers: gain = 10^(decimals) digital units per
 * unit (µV and V are converted to mV by the gain, so mV = digital / gain). Empty cells, `NaN` and `NA` are
 * invalid samples (marker −2147483648).
 */
import { parse } from 'csv-parse/sync';
import { FormatError, type ParsedChannel, type ParsedRecord } from './types.ts';
import { canonicalLead, STANDARD_LEADS } from './leadNames.ts';
import { parseDecimal } from './numbers.ts';

const INVALID = -2147483648;
const TIME_COLUMNS = new Set(['time', 't', 'time_s', 'time (s)', 'seconds', 'sec']);
const MISSING = new Set(['', 'nan', 'na', 'null']);

/** Reads the optional `# key=value …` line. */
function readDirectives(line: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.replace(/^#/, '').split(/[\s,;]+/).filter((p) => p !== '')) {
    const m = /^([A-Za-z_]+)\s*=\s*(.+)$/.exec(part);
    if (!m) throw new FormatError(file, `cannot read "${part.slice(0, 40)}" in the "#" line (expected key=value)`);
    out[m[1].toLowerCase()] = m[2];
  }
  return out;
}

/** Physical unit → (unit stored, file units per stored unit: 1000 µV per mV). */
function unitConversion(units: string): { units: string; perStored: number } {
  const u = units.trim();
  if (/^(uv|µv|μv|microvolts?)$/i.test(u)) return { units: 'mV', perStored: 1000 };
  if (/^(mv|millivolts?)$/i.test(u)) return { units: 'mV', perStored: 1 };
  if (/^(v|volts?)$/i.test(u)) return { units: 'mV', perStored: 1 / 1000 };
  return { units: u, perStored: 1 };
}

function decimals(token: string): number {
  const m = /^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m) return 0;
  return Math.max(0, (m[1]?.length ?? 0) - (m[2] ? Number(m[2]) : 0));
}

export function parseCsvEcg(text: string, file: string, recordName: string, maxTotalSamples = 64 * 1024 * 1024): ParsedRecord {
  const fail = (reason: string): never => {
    throw new FormatError(file, reason);
  };
  if (text.length === 0) fail('file is empty (0 bytes)');
  if (text.includes('\0')) fail('file contains NUL bytes (not a text CSV)');
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let directives: Record<string, string> | null = null;
  const firstLineEnd = body.search(/\r?\n|$/);
  if (body.trimStart().startsWith('#')) {
    directives = readDirectives(body.slice(0, firstLineEnd).trim(), file);
    body = body.slice(firstLineEnd).replace(/^\r?\n/, '');
  }
  let rows: string[][];
  try {
    rows = parse(body, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (err) {
    return fail(`not a valid CSV file: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (rows.length === 0) fail('CSV has no rows');
  let header = rows[0];
  let data = rows.slice(1);
  if (header.every((c) => parseDecimal(c) !== null)) {
    if (directives !== null || header.length !== 12) fail('CSV has no header row of signal names');
    header = [...STANDARD_LEADS];
    data = rows;
  }
  if (data.length === 0) fail('CSV has a header row but no samples');
  if (data.length * header.length > maxTotalSamples) fail(`CSV has ${data.length * header.length} values, more than the ${maxTotalSamples} limit`);
  const names = header.map((h) => h.trim());
  const dupe = names.find((h, i) => names.indexOf(h) !== i);
  if (dupe !== undefined) fail(`column "${dupe}" appears twice`);
  const timeCol = names.findIndex((h) => TIME_COLUMNS.has(h.toLowerCase()));
  // A row-index column (pandas writes "" or "Unnamed: 0") is not a signal.
  const indexCol = names.findIndex((h, i) => i === 0 && (h === '' || /^(unnamed: ?0|index)$/i.test(h)));
  const signalCols = names.map((_, i) => i).filter((i) => i !== timeCol && i !== indexCol);
  if (signalCols.length === 0) fail('CSV has no signal columns');

  let fs: number | null = null;
  if (directives?.fs !== undefined) {
    fs = parseDecimal(directives.fs);
    if (fs === null || fs <= 0) fail(`invalid fs "${directives.fs}"`);
  }
  if (timeCol >= 0 && data.length > 1) {
    const t0 = parseDecimal(data[0][timeCol]);
    const t1 = parseDecimal(data[data.length - 1][timeCol]);
    if (t0 === null || t1 === null || t1 <= t0) fail('time column does not hold increasing numbers');
    const fromTime = (data.length - 1) / (t1! - t0!);
    if (fs === null) fs = Math.round(fromTime * 1e6) / 1e6;
    else if (Math.abs(fromTime - fs) / fs > 1e-3) fail(`time column gives ${fromTime.toFixed(3)} Hz but the "#" line says fs=${fs}`);
  }
  if (fs === null) fs = 500;
  const { units, perStored } = unitConversion(directives?.units ?? (directives === null ? 'uV' : 'mV'));

  const channels: ParsedChannel[] = signalCols.map((col) => {
    let dec = 0;
    for (const r of data) {
      const c = r[col];
      if (!MISSING.has(c.toLowerCase())) {
        if (parseDecimal(c) === null) fail(`column ${names[col]}: "${c.slice(0, 40)}" is not a number`);
        const d = decimals(c);
        if (d > dec) dec = d;
      }
    }
    if (dec > 9) fail(`column ${names[col]}: values with more than 9 decimals cannot be stored losslessly`);
    const scale = 10 ** dec;
    const samples = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const c = data[i][col];
      if (MISSING.has(c.toLowerCase())) {
        samples[i] = INVALID;
        continue;
      }
      const v = Math.round(Number(c) * scale);
      if (v <= INVALID || v > 2147483647) fail(`column ${names[col]}, row ${i + 1}: ${c} is too large to store`);
      samples[i] = v;
    }
    return {
      name: names[col],
      lead: canonicalLead(names[col]),
      fs: fs!,
      gain: scale * perStored,
      baseline: 0,
      units,
      samples,
      invalidValue: INVALID,
      sourceFormat: 'csv',
    };
  });
  return {
    recordName,
    format: 'csv',
    fs,
    durationSec: data.length / fs,
    channels,
    age: null,
    sex: null,
    dx: [],
    comments: [],
    recordedAt: null,
    files: [file],
  };
}
