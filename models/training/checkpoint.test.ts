import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, removeCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.ts';

const tensor = (...v: number[]) => ({ shape: [v.length], data: new Float32Array(v) });
const checkpoint = (epoch: number): Checkpoint => ({
  meta: { runKey: 'k', epoch, rngState: 7, adamStep: epoch * 3, bestEpoch: 1, bestScore: 0.5, epochsSinceBest: epoch - 1, history: [], done: false },
  params: new Map([['w', tensor(epoch, -epoch)]]),
  best: new Map([['w', tensor(1, -1)]]),
  adamM: new Map([['w', tensor(0.1, 0.2)]]),
  adamV: new Map([['w', tensor(0.3, 0.4)]]),
});

test('a checkpoint round-trips, a kill mid-write falls back to the last whole one, and removal clears every leftover', () => {
  const root = mkdtempSync(join(tmpdir(), 'x3ecg-ck-'));
  try {
    const cks = join(root, '.checkpoints');
    const dir = join(cks, 'v1');
    saveCheckpoint(dir, checkpoint(1));
    saveCheckpoint(dir, checkpoint(2));
    assert.equal(loadCheckpoint(dir)!.meta.epoch, 2);
    assert.deepEqual([...loadCheckpoint(dir)!.params.get('w')!.data], [2, -2]);

    // killed between saveCheckpoint's renames: the last whole checkpoint is <dir>.old-<pid>, a half write beside it
    renameSync(dir, `${dir}.old-99`);
    mkdirSync(`${dir}.tmp-99`);
    writeFileSync(join(`${dir}.tmp-99`, 'state.bin'), 'half');
    assert.equal(loadCheckpoint(dir)!.meta.epoch, 2);

    saveCheckpoint(join(cks, 'v10'), checkpoint(1)); // another run whose name starts alike
    removeCheckpoint(dir);
    assert.equal(loadCheckpoint(dir), null);
    assert.deepEqual(readdirSync(cks), ['v10']);
    removeCheckpoint(join(root, 'never-written', 'v2')); // nothing to remove is not an error
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
