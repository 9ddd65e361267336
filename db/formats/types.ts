/**
 * The typed result every importer returns. Parsers are pure: bytes in, ParsedRecord out (or a
 * FormatError naming the file and the reason). The store (db/) turns a ParsedRecord into rows.
 */

/** One signal channel at its own sampling rate, as stored in the file (digital units). */
export interface ParsedChannel {
  /** Lead name as written in the file (e.g. "AVR", "aVR", "V1"). */
  name: string;
  /** Canonical lead name when recognised ("I","II","III","aVR","aVL","aVF","V1".."V6"), else null. */
  lead: string | null;
  /** Samples per second of this channel (record fs × samples-per-frame). */
  fs: number;
  /** ADC gain: digital units per physical unit. */
  gain: number;
  /** Digital value that corresponds to 0 physical units (an integer for WFDB and CSV; may be fractional for EDF). */
  baseline: number;
  /** Physical units, e.g. "mV", "uV". */
  units: string;
  /** ADC resolution in bits, when the file says so. */
  adcResolution?: number;
  /** Digital samples, lossless. Invalid samples are kept as `invalidValue`. */
  samples: Int32Array;
  /** The digital value that marks an invalid sample in `samples` (format-specific; null if none). */
  invalidValue: number | null;
  /** WFDB signal format the samples came from (16, 212, …) or "mat", "edf", "bdf", "csv". */
  sourceFormat: string;
  /** Initial value and checksum from the header when present (verified by the parser). */
  initialValue?: number;
  checksum?: number;
}

export interface ParsedRecord {
  /** Record name (file stem), e.g. "A0001" or "00011_lr". */
  recordName: string;
  /** File format family. */
  format: 'wfdb' | 'wfdb-mat' | 'edf' | 'csv';
  /** Record-level sampling frequency (frame rate), Hz. */
  fs: number;
  /** Duration in seconds. */
  durationSec: number;
  channels: ParsedChannel[];
  /** Demographics and free-text from the file, when present. */
  age: number | null;
  sex: 'M' | 'F' | null;
  /** Diagnosis codes as written in the file (`#Dx:` SNOMED CT codes or CPSC abbreviations). */
  dx: string[];
  /** Other comment lines, verbatim. */
  comments: string[];
  /** Recording date/time if the file gives it (ISO string), else null. */
  recordedAt: string | null;
  /** Files that made this record (paths as given), for provenance. */
  files: string[];
}

/** An error that names the file and the reason; importers throw only this. */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'FormatError';
  }
}

/** One record to read: the entry file is the `.hea`, `.edf`/`.bdf` or `.csv` that names the record. */
export interface RecordSource {
  kind: 'wfdb' | 'edf' | 'csv';
  /** Path of the entry file. */
  entry: string;
}

/** One row of a labels CSV: `record_id` plus one column per label set (values `;`-joined). */
export interface LabelsCsvRow {
  recordId: string;
  /** Label set name (column name) → the row's values for that set, split on `;` and trimmed; empty cells give []. */
  labels: Record<string, string[]>;
  /** `patient_id` column when present and non-empty. */
  patientId: string | null;
  /** Every column of the row verbatim (including the ones above), for callers that need more. */
  columns: Record<string, string>;
}

/** One channel to export; `samples` are digital values in the channel's own gain/baseline. */
export interface WfdbExportChannel {
  name: string;
  /** Samples per second; must be an integer multiple of the record's frame rate. */
  fs: number;
  gain: number;
  baseline: number;
  units: string;
  samples: Int32Array;
  /** Samples equal to this value are written as format 16's invalid value (-32768). */
  invalidValue: number | null;
}

export interface WfdbExportInput {
  recordName: string;
  /** Frame rate (Hz); defaults to the lowest channel rate. */
  fs?: number;
  channels: WfdbExportChannel[];
  age?: number | null;
  sex?: 'M' | 'F' | null;
  dx?: string[];
  /** Extra comment lines (without the leading `#`). */
  comments?: string[];
}
