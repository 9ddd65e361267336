/** Import work that runs in a worker thread (see app/workerTask.ts): its own archive connection. */
import type { JobProgress } from '../api/contract.ts';
import { openArchive } from '../db/archive.ts';
import { loadDemo } from '../db/demoArchive.ts';
import type { ImportProgress, ImportSummary } from '../db/importer.ts';
import type { ExportSummary } from '../db/exportWfdb.ts';
import type { LabelSource } from '../db/archive.ts';
import type { TaskContext } from './workerTask.ts';

export interface ImportParams {
  archive: string;
  paths: string[];
  labelsCsv?: string;
  demo?: boolean;
}

export async function importTask(p: ImportParams, ctx: TaskContext<JobProgress>): Promise<ImportSummary> {
  const archive = openArchive(p.archive);
  try {
    const errors: { file: string; reason: string }[] = [];
    const opts = {
      onProgress: (q: ImportProgress) => {
        if (q.rejection) errors.push(q.rejection);
        // The last 100 rejections travel with each event, so the dialog lists them while the import runs.
        ctx.progress({ phase: 'import', done: q.done, total: q.total, message: `${q.imported} imported, ${q.duplicates} duplicates, ${q.rejected} rejected`, errors: errors.slice(-100) });
      },
      shouldCancel: () => ctx.signal.aborted,
    };
    const summary = p.demo ? loadDemo(archive, opts) : archive.importPaths(p.paths, { ...opts, labelsCsv: p.labelsCsv });
    return summary;
  } finally {
    archive.close();
  }
}

export interface ExportParams {
  archive: string;
  outDir: string;
  recordIds?: number[];
  labels: LabelSource;
}

export async function exportTask(p: ExportParams, ctx: TaskContext<JobProgress>): Promise<ExportSummary> {
  const archive = openArchive(p.archive);
  try {
    return archive.exportRecords({ outDir: p.outDir, recordIds: p.recordIds, labels: p.labels, onProgress: (done, total) => ctx.progress({ phase: 'export', done, total }) });
  } finally {
    archive.close();
  }
}
