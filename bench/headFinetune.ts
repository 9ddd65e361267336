/**
 * Head-mode fine-tuning end to end, the engine issue's goal: 1,000 labelled records fine-tuned in
 * under 60 s, features of new records extracted once (onnxruntime) and cached. Real records from
 * ../shared/data (562 with a chapman4 label): every 10 s window of a record counts as a record, and
 * to reach 1,000 distinct inputs the first windows are reused circularly shifted by whole seconds.
 * Runs the same trainJob the UI and the CLI run (in this process, not a worker).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSharedRecord, sharedLabels } from '../models/data/sharedDataset.ts';
import { trainJob } from '../models/jobs/tasks.ts';
import { initialWeights } from '../models/network/params.ts';
import { saveModelPackage } from '../models/package/modelPackage.ts';
import { configFor } from '../models/testing/packageConfig.ts';
import type { ModelInput } from '../models/preprocess.ts';

const dataDir = new URL('../../shared/data', import.meta.url).pathname;
const WANT = 1000;
const EPOCHS = 20;

/** Window `w` of a record, circularly shifted by `shift` samples (a distinct input for timing). */
function windowAt(input: ModelInput, w: number, shift = 0): ModelInput {
  const n = 5000;
  const data = new Float32Array(3 * n);
  for (let lead = 0; lead < 3; lead++) {
    const src = input.data.subarray(lead * input.length + w * n, lead * input.length + (w + 1) * n);
    for (let i = 0; i < n; i++) data[lead * n + i] = src[(i + shift) % n];
  }
  return { ...input, length: n, data };
}

export async function run(): Promise<void> {
  const labelled = sharedLabels(dataDir, 'chapman4').map((r) => ({ ...r, input: readSharedRecord(dataDir, r.name) }));
  const records: { key: string; input: ModelInput; classes: number[] }[] = [];
  for (const r of labelled)
    for (let w = 0; (w + 1) * 5000 <= r.input.length && records.length < WANT; w++) records.push({ key: `${r.name}#${w}`, input: windowAt(r.input, w), classes: r.classes });
  for (let s = 1; records.length < WANT; s++)
    for (const r of labelled) {
      if (records.length >= WANT) break;
      records.push({ key: `${r.name}#0+${s}s`, input: windowAt(r.input, 0, s * 500), classes: r.classes });
    }
  const dir = mkdtempSync(join(tmpdir(), 'x3ecg-head-bench-'));
  try {
    saveModelPackage(join(dir, 'parent'), configFor('bench-parent'), initialWeights(4, 22));
    let extractMs = 0;
    let extractStart = 0;
    const t0 = performance.now();
    const result = await trainJob(
      { task: 'chapman4', source: { kind: 'inline', records }, parent: join(dir, 'parent'), mode: 'head', epochs: EPOCHS, patience: EPOCHS, seed: 22, modelsDir: join(dir, 'models') },
      {
        progress: (p) => {
          if (p.phase === 'features' && extractStart === 0) extractStart = performance.now();
          if (p.phase !== 'features' && extractStart > 0 && extractMs === 0) extractMs = performance.now() - extractStart;
        },
        signal: { aborted: false },
      },
    );
    const total = (performance.now() - t0) / 1000;
    console.log(
      `head-mode fine-tune, ${records.length} labelled records (${EPOCHS} epochs max, ran ${result.epochs}): ${total.toFixed(1)} s in all ` +
        `(goal < 60 s); feature extraction ${(extractMs / 1000).toFixed(1)} s on ${result.featureEngine ?? 'tfjs'}, once per record and backbone version`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
