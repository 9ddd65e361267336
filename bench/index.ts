/**
 * npm run bench — prints the figures each area measures. Each bench/<area>.ts exports run().
 * `npm run bench -- archive engine` runs only those.
 */
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const here = new URL('.', import.meta.url);
const areas = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .filter((a) => wanted.length === 0 || wanted.includes(a));

for (const area of areas) {
  console.log(`\n=== ${area} ===`);
  const mod = (await import(new URL(`./${area}.ts`, here).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') {
    console.log(`(bench/${area}.ts has no run())`);
    continue;
  }
  const t0 = performance.now();
  try {
    await mod.run();
  } catch (err) {
    console.log(`${area} bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
  console.log(`(${area}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
