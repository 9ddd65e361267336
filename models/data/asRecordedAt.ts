/**
 * A model-rate record as a lower-rate device would have stored it, brought back to the model's rate the way
 * the archive brings a real one (db/resample: the same windowed-sinc, down then up). `npm run cv` scores
 * held-out 500 Hz records this way too: in ../shared/data every 100 Hz record is sinus rhythm / Normal, so a
 * model could learn "100 Hz look ⇒ normal"; this probe shows whether it did.
 */
import { resample, resampleRatio, resampledLength } from '../../db/resample.ts';
import type { ModelInput } from '../preprocess.ts';

/** The lowest rate records are stored at in ../shared/data (PTB-XL records100): what the probe and lowRate training show. */
export const LOW_RATE_FS = 100;

export function asRecordedAt(input: ModelInput, fs: number): ModelInput {
  if (!(fs > 0 && fs < input.fs)) throw new RangeError(`asRecordedAt: ${fs} Hz is not below the record's ${input.fs} Hz`);
  const down = resampleRatio(input.fs, fs);
  const up = resampleRatio(fs, input.fs);
  const low = new Float32Array(resampledLength(input.length, down));
  const length = resampledLength(low.length, up);
  const data = new Float32Array(3 * length);
  for (let lead = 0; lead < 3; lead++) {
    resample(input.data.subarray(lead * input.length, (lead + 1) * input.length), down, low);
    resample(low, up, data.subarray(lead * length, (lead + 1) * length));
  }
  return { ...input, length, data };
}
