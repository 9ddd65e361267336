/** Caliper read-outs between two points on the paper, in the record's units. Pure. */

export interface CaliperPoint {
  lead: string;
  t: number; // s
  mV: number;
}

export interface CaliperReading {
  dtMs: number;
  dMv: number;
  /** Amplitude difference in the lead's own unit (e.g. µV when the file stores µV). */
  dNative: number;
  nativeUnit: string;
  /** Heart rate if Δt is one R–R interval; null for intervals too short or long to be one. */
  bpm: number | null;
}

export function caliperReading(a: CaliperPoint, b: CaliperPoint, mvPerNative: number, nativeUnit: string): CaliperReading {
  const dtMs = Math.abs(b.t - a.t) * 1000;
  const dMv = b.mV - a.mV;
  const bpm = dtMs >= 200 && dtMs <= 3000 ? 60000 / dtMs : null;
  return { dtMs, dMv, dNative: dMv / mvPerNative, nativeUnit, bpm };
}
