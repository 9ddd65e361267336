/** Tests only: builds the optional addon into a temp dir (g++ and Node's headers); undefined where they are missing. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon, type NativeAddon } from './nativeAddon.ts';

const built = new Map<string, NativeAddon | undefined>();

/** 'default' builds as install does (with oneDNN's GEMM where libdnnl-dev is present); 'builtin' without it. */
export function buildAddonForTest(variant: 'default' | 'builtin' = 'default'): NativeAddon | undefined {
  if (built.has(variant)) return built.get(variant);
  let addon: NativeAddon | undefined;
  if (existsSync('/usr/include/node/node_api.h') && spawnSync('g++', ['--version']).status === 0) {
    const out = `${mkdtempSync(`${tmpdir()}/x3ecg-native-`)}/x3ecg_native.node`;
    const env = variant === 'builtin' ? { ...process.env, X3ECG_NO_DNNL: '1' } : process.env;
    const r = spawnSync('sh', [fileURLToPath(new URL('./buildAddon.sh', import.meta.url)), out], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`buildAddon.sh failed: ${r.stderr}`);
    addon = loadNativeAddon(out);
  }
  built.set(variant, addon);
  return addon;
}
