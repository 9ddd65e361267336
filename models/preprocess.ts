/**
 * From a record's signal to network windows (spec §1): leads I, II, V1 in mV at 500 Hz, 5000 samples,
 * truncated or zero-padded at the end; 'mean' mode cuts consecutive 10 s windows (the last partial one
 * only when the record is shorter than one window).
 */
export interface ModelInput {
  fs: number;
  leads?: string[];
  /** Samples per lead. */
  length: number;
  /** 3 × length, lead-major (I, II, V1), mV. */
  data: Float32Array;
}

export const WINDOW = 5000;
export const FS = 500;

/** Linear-interpolation resampling of each lead to 500 Hz (the authors had none; ours is the simplest sound one). */
export function resampleTo500(input: ModelInput): ModelInput {
  if (input.fs === FS) return input;
  const n = Math.max(1, Math.round((input.length * FS) / input.fs));
  const out = new Float32Array(3 * n);
  const ratio = input.fs / FS;
  for (let lead = 0; lead < 3; lead++) {
    const src = input.data.subarray(lead * input.length, (lead + 1) * input.length);
    for (let i = 0; i < n; i++) {
      const t = i * ratio;
      const a = Math.floor(t);
      const f = t - a;
      const v0 = src[Math.min(a, input.length - 1)];
      const v1 = src[Math.min(a + 1, input.length - 1)];
      out[lead * n + i] = v0 + (v1 - v0) * f;
    }
  }
  return { fs: FS, leads: input.leads, length: n, data: out };
}

/** One [3, 5000] window starting at `start` (zero-padded past the end). */
export function windowAt(input: ModelInput, start: number): Float32Array {
  const out = new Float32Array(3 * WINDOW);
  const take = Math.max(0, Math.min(WINDOW, input.length - start));
  for (let lead = 0; lead < 3; lead++) out.set(input.data.subarray(lead * input.length + start, lead * input.length + start + take), lead * WINDOW);
  return out;
}

export function windowsOf(raw: ModelInput, mode: 'first' | 'mean'): Float32Array[] {
  const input = resampleTo500(raw);
  if (input.data.length !== 3 * input.length) throw new Error(`model input holds ${input.data.length} values, expected 3 × ${input.length}`);
  if (mode === 'first' || input.length <= WINDOW) return [windowAt(input, 0)];
  const n = Math.floor(input.length / WINDOW);
  return Array.from({ length: n }, (_, i) => windowAt(input, i * WINDOW));
}

/** Random 10 s crop for training on longer records. */
export function randomCrop(raw: ModelInput, rand: () => number): Float32Array {
  const input = resampleTo500(raw);
  const start = input.length > WINDOW ? Math.floor(rand() * (input.length - WINDOW + 1)) : 0;
  return windowAt(input, start);
}
