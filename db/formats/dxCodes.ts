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
