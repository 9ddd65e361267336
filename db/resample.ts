/**
 * Rational-rate resampling (up L, down M) with a windowed-sinc low-pass, evaluated polyphase: each
 * output sample only touches the input samples under the filter, never a zero-stuffed signal.
 *
 * Why this filter: 100 → 500 Hz (×5) must interpolate, not copy or join samples linearly — linear
 * interpolation attenuates the QRS (≈10–40 Hz content sampled at 100 Hz) and leaves 100 Hz images.
 * A Blackman-windowed sinc with 16 zero crossings per side passes up to ≈0.9 × the lower Nyquist
 * with < 0.1 dB ripple and stops images by > 70 dB, costs 32 taps per output, and for an integer
 * ratio reproduces the original samples exactly at the shared instants (sinc zeros). Edges are
 * extended with the first/last value so the filter does not ring against an implied zero.
 */

const ZERO_CROSSINGS = 16;

export interface ResampleRatio {
  up: number;
  down: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The reduced L/M for two rates; non-integer rates are taken to 1/1000 Hz. */
export function resampleRatio(fromHz: number, toHz: number): ResampleRatio {
  const a = Math.round(fromHz * 1000);
  const b = Math.round(toHz * 1000);
  if (a <= 0 || b <= 0) throw new RangeError(`cannot resample ${fromHz} Hz to ${toHz} Hz`);
  const g = gcd(a, b);
  return { up: b / g, down: a / g };
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Output length for n input samples: round(n × L / M). */
export function resampledLength(n: number, r: ResampleRatio): number {
  return Math.max(0, Math.round((n * r.up) / r.down));
}

/** Resamples `x` by L/M; `out` receives resampledLength(x.length) values. */
export function resample(x: Float32Array | Float64Array, r: ResampleRatio, out: Float32Array): void {
  const n = x.length;
  const { up: L, down: M } = r;
  const m = resampledLength(n, r);
  if (out.length < m) throw new RangeError(`output holds ${out.length} values, needs ${m}`);
  if (n === 0) return;
  if (L === M) {
    for (let i = 0; i < m; i++) out[i] = x[i];
    return;
  }
  // Cut-off at the lower of the two Nyquist rates, in units of the input sample spacing.
  const cutoff = Math.min(1, L / M);
  const half = ZERO_CROSSINGS / cutoff; // filter half-width in input samples
  for (let i = 0; i < m; i++) {
    const t = (i * M) / L; // output instant in input-sample units
    const k0 = Math.ceil(t - half);
    const k1 = Math.floor(t + half);
    let acc = 0;
    let wsum = 0;
    for (let k = k0; k <= k1; k++) {
      const d = t - k;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / half) + 0.08 * Math.cos((2 * Math.PI * d) / half);
      const h = cutoff * sinc(cutoff * d) * w;
      const v = x[k < 0 ? 0 : k >= n ? n - 1 : k];
      acc += h * v;
      wsum += h;
    }
    // Normalising by the tap sum keeps DC exact whatever the phase.
    out[i] = wsum !== 0 ? acc / wsum : acc;
  }
}
