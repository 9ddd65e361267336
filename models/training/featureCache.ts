/**
 * Lead features (3 × 512 per 10 s window) of records, per backbone version, so `head` training extracts
 * each record once. Memory map in front of one small file per record under
 * `<cacheDir>/<backboneKey>/`; the key is a hash of the backbone weights, so any change to a backbone
 * starts a fresh cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedWeights } from '../weights.ts';
import { FEATURE_DIM, NUM_LEADS } from '../network/architecture.ts';

const ROW = NUM_LEADS * FEATURE_DIM;

export function backboneKey(weights: NamedWeights): string {
  const h = createHash('sha256');
  for (const [name, t] of weights) {
    if (!name.startsWith('lead')) continue;
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex').slice(0, 24);
}

export class FeatureCache {
  private readonly mem = new Map<string, Float32Array[]>();
  hits = 0;
  misses = 0;

  constructor(readonly key: string, readonly dir: string | null) {
    if (dir) mkdirSync(join(dir, key), { recursive: true });
  }

  private file(recordKey: string): string {
    return join(this.dir!, this.key, `${createHash('sha1').update(recordKey).digest('hex')}.f32`);
  }

  get(recordKey: string): Float32Array[] | undefined {
    let v = this.mem.get(recordKey);
    if (!v && this.dir) {
      const f = this.file(recordKey);
      if (existsSync(f)) {
        const b = readFileSync(f);
        const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        if (all.length % ROW === 0 && all.length > 0) {
          v = Array.from({ length: all.length / ROW }, (_, i) => all.slice(i * ROW, (i + 1) * ROW));
          this.mem.set(recordKey, v);
        }
      }
    }
    if (v) this.hits++;
    else this.misses++;
    return v;
  }

  set(recordKey: string, windows: Float32Array[]): void {
    this.mem.set(recordKey, windows);
    if (!this.dir) return;
    const all = new Float32Array(windows.length * ROW);
    windows.forEach((w, i) => all.set(w, i * ROW));
    const f = this.file(recordKey);
    writeFileSync(`${f}.tmp`, new Uint8Array(all.buffer));
    renameSync(`${f}.tmp`, f);
  }
}
