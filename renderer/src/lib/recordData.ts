/** Loads a record's detail and signal; keeps the last few in memory so stepping back and forth is instant. */
import type { RecordDetail } from '../../../api/contract.ts';
import { api } from './apiClient.ts';
import { canonicalLead } from './ecgGeometry.ts';
import type { LeadData } from './ecgDraw.ts';

export interface LoadedRecord {
  detail: RecordDetail;
  leads: Record<string, LeadData>;
  durationSec: number;
  /** performance.now() when the signal's data arrived (first-paint timing starts here). */
  arrivedAt: number;
}

const cache = new Map<number, Omit<LoadedRecord, 'arrivedAt'>>();

export async function loadRecord(id: number): Promise<LoadedRecord> {
  const hit = cache.get(id);
  if (hit) return { ...hit, arrivedAt: performance.now() };
  const [detail, signal] = await Promise.all([api.call('records.get', { id }), api.call('records.signal', { id })]);
  const arrivedAt = performance.now();
  const leads: Record<string, LeadData> = {};
  let durationSec = detail.durationSec;
  for (const l of signal.leads) {
    // Used as they arrive (no copy): JSON has no NaN, so invalid samples come as null, which the
    // drawing treats like NaN (a gap in the trace).
    leads[canonicalLead(l.name)] = { fs: l.fs, units: l.units, values: l.values };
    durationSec = Math.max(durationSec, l.values.length / l.fs);
  }
  const rec = { detail, leads, durationSec };
  cache.set(id, rec);
  if (cache.size > 8) cache.delete(cache.keys().next().value!);
  return { ...rec, arrivedAt };
}

export function forgetRecord(id: number) {
  cache.delete(id);
}
