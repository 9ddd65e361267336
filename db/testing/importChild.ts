/**
 * Child process for the crash-safety test: imports a folder and prints `progress <imported>` after each
 * committed record. X3ECG_TEST_SLOW_MS stretches each record (a slow disk) so the parent's SIGKILL lands mid-import.
 */
import { openArchive } from '../archive.ts';

const [archiveFile, ...paths] = process.argv.slice(2);
const slow = Number(process.env.X3ECG_TEST_SLOW_MS ?? 0);
const pause = new Int32Array(new SharedArrayBuffer(4));
const archive = openArchive(archiveFile);
archive.importPaths(paths, {
  onProgress: (p) => {
    process.stdout.write(`progress ${p.imported}\n`);
    if (slow > 0) Atomics.wait(pause, 0, 0, slow);
  },
});
archive.close();
process.stdout.write('done\n');
