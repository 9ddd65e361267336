/**
 * Child process for the crash-safety tests: runs one engine job in-process (the same functions the
 * worker runs) and prints one line per progress event, so the parent can SIGKILL it at a known point.
 *   jobChild.ts predict|train '<params JSON>'  → `progress {…}` lines, then `result {…}`
 *   jobChild.ts save <modelsDir> <count>        → saves the parity weights as v1..vN, `saved vK` after each
 */
import { join } from 'node:path';
import { predictJob, trainJob, type JobContext } from '../../models/jobs/tasks.ts';
import { saveModelPackage } from '../../models/package/modelPackage.ts';
import { fixtureWeights } from '../../models/testing/parityFixture.ts';
import { configFor } from '../../models/testing/packageConfig.ts';

const [kind, ...args] = process.argv.slice(2);
const line = (s: string) => process.stdout.write(`${s}\n`);
const ctx: JobContext = { progress: (p) => line(`progress ${JSON.stringify(p)}`), signal: { aborted: false } };

if (kind === 'predict') {
  const r = await predictJob(JSON.parse(args[0]), ctx);
  line(`result ${JSON.stringify({ version: r.version, n: r.rows.length })}`);
} else if (kind === 'train') {
  const r = await trainJob(JSON.parse(args[0]), ctx);
  line(`result ${JSON.stringify(r)}`);
} else if (kind === 'save') {
  const [dir, count] = args;
  const weights = fixtureWeights(4);
  for (let k = 1; k <= Number(count); k++) {
    saveModelPackage(join(dir, `v${k}`), configFor(`v${k}`), weights);
    line(`saved v${k}`);
  }
} else {
  throw new Error(`jobChild: unknown job ${kind}`);
}
