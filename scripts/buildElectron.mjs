#!/usr/bin/env node
// Bundles the Electron main and preload scripts (TypeScript) into dist-electron/*.cjs.
// Native and heavy packages stay external: Electron loads them from node_modules.
import { build } from 'esbuild';

// import.meta.url has no CJS meaning: give it the bundle's own file URL.
const importMeta = { define: { 'import.meta.url': '__importMetaUrl' }, banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" } };
const external = ['electron', 'better-sqlite3', 'onnxruntime-node', '@tensorflow/*', 'tsx', 'ws'];
await build({ entryPoints: { main: 'electron/main.ts' }, outdir: 'dist-electron', bundle: true, platform: 'node', format: 'cjs', target: 'node20', external, outExtension: { '.js': '.cjs' }, logLevel: 'warning', ...importMeta });
await build({ entryPoints: { preload: 'electron/preload.ts' }, outdir: 'dist-electron', bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['electron'], outExtension: { '.js': '.cjs' }, logLevel: 'warning' });
console.log('electron shell bundled into dist-electron/');
