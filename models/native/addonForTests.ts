/** Tests only: builds the optional addon into a temp dir (g++ and Node's headers); undefined where they are missing. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon, type NativeAddon } from './nativeAddon.ts';

let built: NativeAddon | undefined | null = null;

export function buildAddonForTest(): NativeAddon | undefined {
  if (built !== null) return built;
  if (!existsSync('/usr/include/node/node_api.h') || spawnSync('g++', ['--version']).status !== 0) return (built = undefined);
  const out = `${mkdtempSync(`${tmpdir()}/x3ecg-native-`)}/x3ecg_native.node`;
  const r = spawnSync('sh', [fileURLToPath(new URL('./buildAddon.sh', import.meta.url)), out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`buildAddon.sh failed: ${r.stderr}`);
  return (built = loadNativeAddon(out));
}
