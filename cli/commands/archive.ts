/** import, export, stats, backup, restore — the archive (db/) on the command line. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { openArchive } from '../../db/archive.ts';
import type { ImportOptions } from '../../db/importer.ts';
import { exportRecords, type ExportLabelSource } from '../../db/exportWfdb.ts';
import { backupArchiveFile, restoreArchive } from '../../db/backup.ts';

function out(json: boolean, obj: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${human}\n`);
}

function openExisting(file: string, readonly: boolean) {
  if (!existsSync(file)) throw new Error(`${file}: no such archive`);
  try {
    return openArchive(file, { readonly });
  } catch (err) {
    // An archive from an older x3ecg needs its schema steps applied once, which a read-only open cannot do.
    if (readonly && err instanceof Error && /needs upgrading/.test(err.message)) return openArchive(file);
    throw err;
  }
}

export function registerArchiveCommands(program: Command): void {
  program
    .command('import')
    .description('import ECG records (WFDB .hea/.dat/.mat, EDF/EDF+, CSV) from files and folders, recursively')
    .argument('<paths...>', 'files or folders')
    .requiredOption('--archive <file>', 'archive file (created when missing)')
    .option('--labels <csv>', 'labels CSV: record_id plus one column per label set (values ;-joined), optional patient_id')
    .option('--workers <n>', 'parse and encode in N worker threads while the main thread writes (0 = all in one thread; pays off on large imports on an idle machine, see npm run bench -- archive)', '0')
    .option('--json', 'print one JSON object {imported, duplicates, rejected, seconds} on stdout')
    .action(async (paths: string[], o: { archive: string; labels?: string; workers: string; json?: boolean }) => {
      const workers = Number(o.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new Error(`--workers must be a whole number from 0 to 64, not "${o.workers}"`);
      const archive = openArchive(o.archive);
      try {
        const bar =
          !o.json && process.stderr.isTTY
            ? new cliProgress.SingleBar({ stream: process.stderr, format: 'import [{bar}] {value}/{total} records | {imported} new, {duplicates} duplicates, {rejected} rejected', hideCursor: true }, cliProgress.Presets.shades_classic)
            : null;
        let started = false;
        const importOpts: ImportOptions = {
          labelsCsv: o.labels,
          onProgress: (p) => {
            if (!bar) return;
            if (!started) {
              bar.start(p.total, 0, { imported: 0, duplicates: 0, rejected: 0 });
              started = true;
            }
            bar.update(p.done, { imported: p.imported, duplicates: p.duplicates, rejected: p.rejected });
          },
        };
        const res = workers > 0 ? await archive.importPathsParallel(paths, { ...importOpts, workers }) : archive.importPaths(paths, importOpts);
        if (started) bar?.stop();
        const seconds = Math.round(res.seconds * 1000) / 1000;
        const lines = [`imported ${res.imported} records, ${res.duplicates} duplicates, ${res.rejected.length} rejected in ${seconds} s`];
        for (const r of res.rejected) lines.push(`  rejected ${r.file}: ${r.reason}`);
        if (res.labels) lines.push(`labels: ${res.labels.matched} of ${res.labels.rows} rows matched records, ${res.labels.events} label events written`);
        if (res.labels && res.labels.unmatched.length > 0) lines.push(`  labels rows with no record: ${res.labels.unmatched.slice(0, 20).join(', ')}${res.labels.unmatched.length > 20 ? ', …' : ''}`);
        out(!!o.json, { imported: res.imported, duplicates: res.duplicates, rejected: res.rejected, seconds }, lines.join('\n'));
      } finally {
        archive.close();
      }
    });

  program
    .command('export')
    .description('export records to WFDB (format 16) with a labels.csv, de-identified by default')
    .requiredOption('--archive <file>', 'archive file')
    .requiredOption('--out <dir>', 'output folder')
    .option('--ids <file>', 'file with one record name per line (default: every record)')
    .option('--labels <source>', 'label source: consensus, ground-truth, an annotator name or a model version', 'consensus')
    .option('--identified', 'keep free-text header comments and exact ages (default: de-identified)')
    .option('--no-patient-ids', 'leave patient_id out of labels.csv')
    .option('--json', 'print one JSON object on stdout')
    .action((o: { archive: string; out: string; ids?: string; labels: string; identified?: boolean; patientIds: boolean; json?: boolean }) => {
      const archive = openExisting(o.archive, false);
      try {
        const recordIds = o.ids
          ? archive.recordIdsByName(
              readFileSync(o.ids, 'utf8')
                .split(/\r?\n/)
                .map((l) => l.trim())
                .filter((l) => l !== '' && !l.startsWith('#')),
            )
          : undefined;
        let labels: ExportLabelSource;
        if (o.labels === 'consensus' || o.labels === 'ground-truth') labels = o.labels;
        else if (archive.listModelVersions().some((v) => v.version === o.labels) || archive.db.prepare('SELECT 1 FROM predictions WHERE model_version = ? LIMIT 1').get(o.labels))
          labels = { model: o.labels };
        else labels = { annotator: o.labels };
        const res = exportRecords(archive, { outDir: o.out, recordIds, labels, deidentify: !o.identified, patientIds: o.patientIds });
        out(!!o.json, { exported: res.exported, outDir: res.outDir, labelsCsv: res.labelsCsv }, `exported ${res.exported} records to ${res.outDir} (labels: ${res.labelsCsv})`);
      } finally {
        archive.close();
      }
    });

  program
    .command('stats')
    .description('number of records and ground-truth counts per class of each label set')
    .requiredOption('--archive <file>', 'archive file')
    .option('--json', 'print JSON {records, labelSets: {set: {class: count}}}')
    .action((o: { archive: string; json?: boolean }) => {
      const archive = openExisting(o.archive, true);
      try {
        const s = archive.stats();
        const lines = [`${s.records} records`];
        for (const [set, counts] of Object.entries(s.labelSets)) lines.push(`${set}: ${Object.entries(counts).map(([c, n]) => `${c} ${n}`).join(', ')}`);
        out(!!o.json, s, lines.join('\n'));
      } finally {
        archive.close();
      }
    });

  program
    .command('backup')
    .description('consistent copy of an archive (SQLite online backup), usable while the app runs')
    .requiredOption('--archive <file>', 'archive file')
    .requiredOption('--out <file>', 'backup file to write')
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { archive: string; out: string; json?: boolean }) => {
      const res = await backupArchiveFile(o.archive, o.out);
      out(!!o.json, { backup: o.out, records: res.records }, `backed up ${res.records} records to ${o.out}`);
    });

  program
    .command('restore')
    .description('replace an archive by a validated backup (close the app first); the old archive is kept as <archive>.before-restore')
    .requiredOption('--from <file>', 'backup file')
    .requiredOption('--archive <file>', 'archive file to replace')
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { from: string; archive: string; json?: boolean }) => {
      const res = await restoreArchive(o.from, o.archive);
      out(!!o.json, { archive: o.archive, records: res.records, previous: res.previous }, `restored ${res.records} records into ${o.archive}${res.previous ? ` (previous archive kept as ${res.previous})` : ''}`);
    });
}
