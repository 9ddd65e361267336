#!/usr/bin/env node
// Bundles the Electron preload (sandboxed preloads cannot require anything but 'electron') into
// dist-electron/preload.cjs. The main process runs from source through tsx (electron/boot.mjs).
import { build } from 'esbuild';

await build({
  entryPoints: { preload: 'electron/preload.ts' },
  outdir: 'dist-electron',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
});
console.log('electron preload bundled into dist-electron/');
