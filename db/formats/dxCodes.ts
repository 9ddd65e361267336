/**
 * Diagnosis codes → the project's two label sets, exactly as /work/shared/data/README.md defines them.
 * Input: a record's `#Dx` entries, SNOMED CT codes or CPSC-2018 abbreviations (first Challenge release).
 */

export const CHAPMAN4 = ['SB', 'AFIB', 'GSVT', 'SR'] as const;
export const CPSC9 = ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'] as const;
export type Chapman4 = (typeof CHAPMAN4)[number];
export type Cpsc9 = (typeof CPSC9)[number];

const SINUS_RHYTHM = '426783006';

/** The Challenge's own CPSC → SNOMED table (dx_mapping_*.csv, CPSC column). */
export const CPSC_ABBREVIATION_TO_SNOMED: Readonly<Record<string, string>> = {
  Normal: SINUS_RHYTHM,
  AF: '164889003',
  'I-AVB': '270492004',
  LBBB: '164909002',
  RBBB: '59118001',
  PAC: '284470004',
  PVC: '164884008',
  STD: '429622005',
  STE: '164931005',
};

const CPSC9_CODES: ReadonlyArray<[Exclude<Cpsc9, 'Normal'>, readonly string[]]> = [
  ['AF', ['164889003', '426749004', '282825002', '314208002']],
  ['I-AVB', ['270492004']],
  ['LBBB', ['164909002', '733534002']],
  ['RBBB', ['59118001', '713427006']],
  ['PAC', ['284470004', '63593006']],
  ['PVC', ['164884008', '427172004', '17338001']],
  ['STD', ['429622005']],
  ['STE', ['164931005']],
];

/** In precedence order: the first group with a matching code wins. */
const CHAPMAN4_CODES: ReadonlyArray<[Chapman4, readonly string[]]> = [
  ['AFIB', ['164889003', '164890007', '195080001', '426749004', '282825002', '314208002']],
  ['GSVT', ['426761007', '67198005', '713422000', '427084000', '233896004', '233897008', '195101003']],
  ['SB', ['426177001']],
  ['SR', [SINUS_RHYTHM, '427393009']],
];

/** Normalises one `#Dx` entry to a SNOMED CT code (abbreviations through the Challenge table; case-insensitive). */
export function dxToSnomed(entry: string): string {
  const e = entry.trim();
  if (/^\d+$/.test(e)) return e;
  const hit = Object.keys(CPSC_ABBREVIATION_TO_SNOMED).find((k) => k.toUpperCase() === e.toUpperCase());
  return hit ? CPSC_ABBREVIATION_TO_SNOMED[hit] : e;
}

export interface MappedLabels {
  /** Single label or null when no rhythm code fits. */
  chapman4: Chapman4 | null;
  /** Multilabel, in CPSC9 order; [] when none. */
  cpsc9: Cpsc9[];
  /** The SNOMED codes the mapping used, in input order, de-duplicated. */
  snomed: string[];
}

/** Maps a record's dx list (codes or CPSC abbreviations) to both label sets. */
export function mapDx(dx: readonly string[]): MappedLabels {
  const snomed = [...new Set(dx.map(dxToSnomed).filter((c) => c !== ''))];
  const codes = new Set(snomed);
  const cpsc9: Cpsc9[] = [];
  if (codes.size === 1 && codes.has(SINUS_RHYTHM)) cpsc9.push('Normal');
  for (const [cls, list] of CPSC9_CODES) if (list.some((c) => codes.has(c))) cpsc9.push(cls);
  let chapman4: Chapman4 | null = null;
  for (const [group, list] of CHAPMAN4_CODES) {
    if (list.some((c) => codes.has(c))) {
      chapman4 = group;
      break;
    }
  }
  return { chapman4, cpsc9, snomed };
}

/** PTB-XL statements with `diagnostic` = 1 in scp_statements.csv (PTB-XL 1.0.3). */
const PTBXL_DIAGNOSTIC = new Set([
  'NDT', 'NST_', 'DIG', 'LNGQT', 'NORM', 'IMI', 'ASMI', 'LVH', 'LAFB', 'ISC_', 'IRBBB', '1AVB', 'IVCD', 'ISCAL', 'CRBBB',
  'CLBBB', 'ILMI', 'LAO/LAE', 'AMI', 'ALMI', 'ISCIN', 'INJAS', 'LMI', 'ISCIL', 'LPFB', 'ISCAS', 'INJAL', 'ISCLA', 'RVH',
  'ANEUR', 'RAO/RAE', 'EL', 'WPW', 'ILBBB', 'IPLMI', 'ISCAN', 'IPMI', 'SEHYP', 'INJIN', 'INJLA', 'PMI', '3AVB', 'INJIL', '2AVB',
]);
/** PTB-XL rhythm statements. */
const PTBXL_RHYTHM = new Set(['SR', 'AFIB', 'STACH', 'SARRH', 'SBRAD', 'PACE', 'SVARR', 'BIGU', 'AFLT', 'SVTAC', 'PSVT', 'TRIGU']);

const SCP_CPSC9: ReadonlyArray<[Exclude<Cpsc9, 'Normal'>, string]> = [
  ['AF', 'AFIB'], ['I-AVB', '1AVB'], ['LBBB', 'CLBBB'], ['RBBB', 'CRBBB'], ['PAC', 'PAC'], ['PVC', 'PVC'], ['STD', 'STD_'], ['STE', 'STE_'],
];
const SCP_CHAPMAN4: ReadonlyArray<[Chapman4, readonly string[]]> = [
  ['AFIB', ['AFIB', 'AFLT']],
  ['GSVT', ['STACH', 'SVTAC', 'PSVT']],
  ['SB', ['SBRAD']],
  ['SR', ['SR', 'SARRH']],
];

/** Parses PTB-XL `scp_codes`, either the database's dict text (`{'NORM': 100.0, 'SR': 0.0}`) or `NORM:100;SR:0`. */
export function parseScpCodes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = /'?([A-Za-z0-9_/]+)'?\s*:\s*(-?\d+(?:\.\d*)?)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.set(m[1], Number(m[2]));
  return out;
}

/**
 * Native PTB-XL statements → both label sets, per shared/data/README.md: every statement counts whatever its
 * likelihood; Normal only when no other cpsc9 class applies, NORM (likelihood 100) is the only diagnostic
 * statement and the only rhythm statement, if any, is SR.
 */
export function mapScpCodes(scp: string | ReadonlyMap<string, number>): Omit<MappedLabels, 'snomed'> {
  const codes = typeof scp === 'string' ? parseScpCodes(scp) : scp;
  const cpsc9: Cpsc9[] = [];
  for (const [cls, code] of SCP_CPSC9) if (codes.has(code)) cpsc9.push(cls);
  const diagnostic = [...codes.keys()].filter((c) => PTBXL_DIAGNOSTIC.has(c));
  const rhythm = [...codes.keys()].filter((c) => PTBXL_RHYTHM.has(c));
  if (cpsc9.length === 0 && diagnostic.length === 1 && diagnostic[0] === 'NORM' && codes.get('NORM') === 100 && rhythm.every((r) => r === 'SR'))
    cpsc9.unshift('Normal');
  let chapman4: Chapman4 | null = null;
  for (const [group, list] of SCP_CHAPMAN4) {
    if (list.some((c) => codes.has(c))) {
      chapman4 = group;
      break;
    }
  }
  return { chapman4, cpsc9 };
}
