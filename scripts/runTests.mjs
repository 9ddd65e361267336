#!/usr/bin/env node
// Runs every *.test.ts under the project's source folders with Node's own test runner (through tsx).
// Usage: npm test [-- --only db,models] [-- file.test.ts ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const folders = ['api', 'app', 'server', 'cli', 'db', 'models', 'electron', 'e2e', 'scripts'];
const skip = new Set(['node_modules', 'dist', 'artifacts']);

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    if (skip.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const args = process.argv.slice(2);
let files = args.filter((a) => a.endsWith('.ts'));
const onlyIdx = args.indexOf('--only');
if (files.length === 0) {
  const chosen = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : folders;
  files = chosen.flatMap((f) => walk(join(root, f), [])).sort();
  // e2e last: it needs the built renderer and is the slowest.
  files.sort((a, b) => Number(a.startsWith('e2e')) - Number(b.startsWith('e2e')));
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(res.status ?? 1);
