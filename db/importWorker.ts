/**
 * Worker half of the parallel importer: parses and prepares (encodes, hashes) the records it is sent and
 * posts them back without their samples (the BLOBs are transferred, not copied). It never touches SQLite.
 */
import { parentPort } from 'node:worker_threads';
import { readRecord } from './formats/index.ts';
import { FormatError, type RecordSource } from './formats/types.ts';
import { prepareRecord } from './recordStore.ts';

export type WorkerTask = { i: number; src: RecordSource };
export type WorkerResult =
  | { i: number; ok: true; prepared: ReturnType<typeof prepareRecord> }
  | { i: number; ok: false; file: string; reason: string };

const port = parentPort;
if (port) {
  port.on('message', ({ i, src }: WorkerTask) => {
    let msg: WorkerResult;
    try {
      const prepared = prepareRecord(readRecord(src));
      prepared.rec = { ...prepared.rec, channels: prepared.rec.channels.map((c) => ({ ...c, samples: new Int32Array(0) })) };
      msg = { i, ok: true, prepared };
      port.postMessage(msg, prepared.blobs.map((b) => b.buffer as ArrayBuffer));
    } catch (err) {
      msg = err instanceof FormatError ? { i, ok: false, file: err.file, reason: err.reason } : { i, ok: false, file: src.entry, reason: err instanceof Error ? err.message : String(err) };
      port.postMessage(msg);
    }
  });
}
