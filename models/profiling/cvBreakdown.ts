/**
 * node --import tsx models/profiling/cvBreakdown.ts CV.json [--data ../shared/data] [--sources LIST] [--json]
 *
 * Where the held-out records of an `npm run cv -- --out CV.json` run were right and wrong: scores by the rate a
 * record was stored at, by source, and for `--sources LIST` (e.g. the Challenge-format records, to compare an
 * all-record run with a run on those records alone), each per fold (mean ± sd) and pooled over the folds.
 * Also the 100 Hz probe: the held-out records stored faster, scored again as if stored at 100 Hz
 * (models/data/asRecordedAt.ts). Every 100 Hz record in ../shared/data is SR / Normal, so a model that learned
 * the rate rather than the rhythm calls more records normal there.
 *
 * The scoring itself is models/heldOutBreakdown.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sharedLabels } from '../data/sharedDataset.ts';
import type { CvFold } from '../cli/cv.ts';
import { breakdown, SCORED_AS, type Breakdown } from '../heldOutBreakdown.ts';

function printBreakdown(b: Breakdown): void {
  console.log(`| ${b.task} held-out records | model | n | macro F1 per fold (mean ± sd) | pooled macro F1 | exact | per-class F1 (support) |`);
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const { subset, scored, score: s } of b.rows) {
    const classes = s.perClass.filter((c) => c.support > 0).map((c) => `${c.class} ${c.f1.toFixed(2)} (${c.support})`).join(', ');
    console.log(`| ${subset} | ${SCORED_AS[scored]} | ${s.n} | ${s.foldMean.toFixed(3)} ± ${s.foldSd.toFixed(3)} | ${s.pooledMacroF1.toFixed(3)} | ${s.accuracy.toFixed(3)} | ${classes} |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string', default: fileURLToPath(new URL('../../../shared/data', import.meta.url)) },
      sources: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new Error('usage: cvBreakdown.ts CV.json [--data DIR] [--sources LIST] [--json]');
  const summary = JSON.parse(readFileSync(positionals[0], 'utf8')) as { task: string; perFold: CvFold[] };
  const b = breakdown(summary, sharedLabels(o.data!, summary.task), o.sources?.split(',') ?? null);
  if (o.json) console.log(JSON.stringify(b, null, 1));
  else printBreakdown(b);
}
