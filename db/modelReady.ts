/**
 * The model-ready view of a record: leads I, II and V1 at 500 Hz in mV, Float32, lead-major. Pure: the
 * archive reads the channels and caches the result (model_inputs table).
 */
import { resample, resampleRatio, resampledLength } from './resample.ts';

export const MODEL_FS = 500;
export const MODEL_LEADS = ['I', 'II', 'V1'] as const;
export const RESAMPLER = 'windowed-sinc(blackman,16 zero crossings),edge-hold';

export interface ChannelForModel {
  lead: string | null;
  fs: number;
  gain: number;
  baseline: number;
  units: string;
  invalidValue: number | null;
  samples: Int32Array;
}

export interface ModelInput {
  fs: 500;
  leads: ['I', 'II', 'V1'];
  length: number;
  data: Float32Array;
  /** Source samples that were invalid and entered the model view as 0 mV. */
  invalidSamples: number;
}

/** Physical-unit factor to mV; null when the unit is not a voltage. */
export function toMillivolts(units: string): number | null {
  const u = units.trim().replace('μ', 'u').replace('µ', 'u');
  if (/^mv$/i.test(u)) return 1;
  if (/^uv$/i.test(u)) return 1e-3;
  if (/^nv$/i.test(u)) return 1e-6;
  if (/^v$/i.test(u)) return 1e3;
  return null;
}

/** Leads among I, II, V1 that a record lacks (or has in a non-voltage unit). */
export function missingModelLeads(channels: { lead: string | null; units: string }[]): string[] {
  return MODEL_LEADS.filter((l) => !channels.some((c) => c.lead === l && toMillivolts(c.units) !== null));
}

export function buildModelInput(recordName: string, channels: ChannelForModel[]): ModelInput {
  const missing = missingModelLeads(channels);
  if (missing.length > 0) throw new Error(`record ${recordName} is not model-ready: it has no lead ${missing.join(', ')}`);
  const picked = MODEL_LEADS.map((l) => channels.find((c) => c.lead === l && toMillivolts(c.units) !== null)!);
  const lengths = picked.map((c) => resampledLength(c.samples.length, resampleRatio(c.fs, MODEL_FS)));
  const length = Math.min(...lengths);
  const data = new Float32Array(3 * length);
  let invalid = 0;
  picked.forEach((c, li) => {
    const scale = toMillivolts(c.units)! / (c.gain || 1);
    const mv = new Float64Array(c.samples.length);
    for (let i = 0; i < mv.length; i++) {
      const s = c.samples[i];
      if (c.invalidValue !== null && s === c.invalidValue) {
        invalid++;
        mv[i] = 0;
      } else mv[i] = (s - c.baseline) * scale;
    }
    const full = new Float32Array(lengths[li]);
    resample(mv, resampleRatio(c.fs, MODEL_FS), full);
    data.set(full.subarray(0, length), li * length);
  });
  return { fs: MODEL_FS, leads: ['I', 'II', 'V1'], length, data, invalidSamples: invalid };
}
