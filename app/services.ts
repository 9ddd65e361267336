/**
 * The services both shells share: the archive (db/) and the model engine (models/) behind the
 * typed API's handlers. Shells only wire transports to `handlers`; no SQL or tensors here.
 * Long work (imports, exports, predictions, training, pruning) runs in worker threads as jobs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ApiEvent, Explanation, LabelEvent, ModelVersion, RecordDetail, RecordRow, SignalLead } from '../api/contract.ts';
import { openArchive, type Archive, type LabelSource } from '../db/archive.ts';
import { reviewQueue } from '../db/reviewQueue.ts';
import type { LabelEvent as DbLabelEvent, ModelVersionRow } from '../db/archive.ts';
import { JobRunner } from '../models/jobs/jobRunner.ts';
import type { JobKind, JobParams, JobProgress as EngineProgress } from '../models/jobs/tasks.ts';
import { packageSizeOnDisk, readModelConfig } from '../models/package/modelPackage.ts';
import type { ModelConfig } from '../models/package/modelConfig.ts';
import { predictionCaveats } from '../models/package/predictionCaveats.ts';
import type { Handlers } from './dispatch.ts';
import { JobRegistry, type JobContext } from './jobRegistry.ts';
import { modelsDirFor, registerShippedDefaults, resolveModel } from './modelRegistry.ts';
import { engineLabels } from './engineInfo.ts';
import { projectRoot } from './paths.ts';
import { runWorkerTask } from './workerTask.ts';
import type { ExportParams, ImportParams } from './importTask.ts';

export interface ServicesOptions {
  archivePath: string;
  transport: 'electron' | 'web';
  emit: (event: ApiEvent) => void;
}

export interface Services {
  handlers: Handlers;
  archive: Archive;
  jobs: JobRegistry;
  close(): Promise<void>;
}

const version: string = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;
const importTaskUrl = new URL('./importTask.ts', import.meta.url).href;

const notFound = (message: string) => Object.assign(new Error(message), { code: 'not_found' });

export async function createServices(opts: ServicesOptions): Promise<Services> {
  mkdirSync(dirname(opts.archivePath), { recursive: true });
  const archive = openArchive(opts.archivePath);
  registerShippedDefaults(archive);
  const modelsDir = modelsDirFor(opts.archivePath);
  const jobs = new JobRegistry(opts.emit);
  const runner = new JobRunner();
  const engines = engineLabels();
  const changed = (reason: string) => opts.emit({ type: 'archive.changed', reason });

  /** Runs an engine job (models/jobs) in its worker, forwarding progress and cancel. */
  function engineJob<K extends JobKind>(kind: K, params: JobParams<K>, ctx: JobContext) {
    const id = runner.start(kind, params);
    runner.onProgress(id, (p: EngineProgress) => ctx.progress({ ...p, phase: String(p.phase), done: p.done, total: p.total }));
    ctx.signal.addEventListener('abort', () => runner.cancel(id, 10_000), { once: true });
    return runner.result<K>(id);
  }

  function importJob(params: Omit<ImportParams, 'archive'>, kind: string) {
    return jobs.start(kind, async (ctx) => {
      const summary = await runWorkerTask(importTaskUrl, 'importTask', { ...params, archive: opts.archivePath }, { onProgress: ctx.progress, signal: ctx.signal });
      changed('import');
      return summary;
    });
  }

  /** Caveats on a model's call for a record (none is an absent list, so the panel shows nothing). */
  function caveatsFor(config: ModelConfig, recordId: number): string[] | undefined {
    const { fs, durationSec } = archive.record(recordId);
    const caveats = predictionCaveats(config, { fs, seconds: durationSec });
    return caveats.length ? caveats : undefined;
  }

  function toModelVersion(v: ModelVersionRow): ModelVersion {
    const out: ModelVersion = { version: v.version, task: v.task, parent: v.parent, active: v.active, createdAt: v.createdAt, metrics: v.metrics };
    try {
      const c = readModelConfig(v.path);
      out.sizeBytes = packageSizeOnDisk(v.path);
      out.sparsity = c.weights.sparsity;
      const hp = c.provenance.hyperParameters as Record<string, unknown>;
      const m = c.metrics as Record<string, unknown>;
      out.data = {
        labelSource: String(hp.labelSource ?? c.provenance.dataset ?? 'ground-truth'),
        mode: c.provenance.origin === 'prune' ? 'prune' : (hp.mode as 'head' | 'last-stage' | 'full' | undefined),
        epochs: typeof m.epochs === 'number' ? m.epochs : undefined,
        trainRecords: typeof m.nTrain === 'number' ? m.nTrain : undefined,
        valRecords: typeof m.nVal === 'number' ? m.nVal : undefined,
        rates: c.provenance.trainingRates,
      };
    } catch {
      // a package that went missing still shows in the registry, without its size
    }
    return out;
  }

  const labelEvent = (e: DbLabelEvent): LabelEvent => ({ id: e.id, recordId: e.recordId, labelSet: e.labelSet, classes: e.classes, source: e.source, kind: e.kind, at: e.at });

  function recordRow(id: number): RecordRow {
    const info = archive.record(id);
    // The list row carries labels, prediction and review state; narrow by name and origin, then page.
    for (let offset = 0; ; offset += 1000) {
      const page = archive.listRecords({ search: info.name, origin: info.origin, sort: 'name', offset, limit: 1000 });
      const row = page.rows.find((r) => r.id === id);
      if (row) return row;
      if (offset + page.rows.length >= page.total) throw notFound(`record ${id} not found`);
    }
  }

  const handlers: Handlers = {
    'app.info': () => ({
      version,
      archivePath: opts.archivePath,
      records: archive.recordCount(),
      backend: engines,
      demoAvailable: true,
      transport: opts.transport,
    }),
    'app.loadDemo': () => ({ jobId: importJob({ paths: [], demo: true }, 'import-demo') }),

    'records.list': (q) => archive.listRecords(q),
    'records.get': ({ id }): RecordDetail => {
      const info = archive.record(id);
      const channels = archive.channels(id);
      return {
        ...recordRow(id),
        age: info.age,
        sex: info.sex,
        files: info.files.map((f) => f.split(/[\\/]/).pop() ?? f),
        channels: channels.map((c) => ({ name: c.name, lead: c.lead, fs: c.fs, units: c.units, gain: c.gain, baseline: c.baseline, samples: c.samples.length })),
      };
    },
    'records.signal': ({ id, leads }) => {
      const wanted = leads ? new Set(leads.map((l) => l.toLowerCase())) : null;
      const out: SignalLead[] = archive
        .channels(id)
        .filter((c) => !wanted || wanted.has((c.lead ?? c.name).toLowerCase()) || wanted.has(c.name.toLowerCase()))
        .map((c) => {
          const values = new Array<number>(c.samples.length);
          for (let i = 0; i < c.samples.length; i++) {
            const d = c.samples[i];
            values[i] = c.invalidValue !== null && d === c.invalidValue ? NaN : Math.round(((d - c.baseline) / c.gain) * 1e6) / 1e6;
          }
          return { name: c.lead ?? c.name, fs: c.fs, units: c.units, values };
        });
      return { id, leads: out };
    },
    'records.import': ({ paths, labelsCsv }) => ({ jobId: importJob({ paths, labelsCsv }, 'import') }),

    'labels.sets': () => archive.labelSets().map((s) => ({ name: s.name as 'chapman4' | 'cpsc9', classes: s.classes, multilabel: s.multilabel })),
    'labels.set': (input) => {
      const e = labelEvent(archive.setLabels(input));
      changed('labels');
      return e;
    },
    'labels.undo': (input) => {
      const e = archive.undoLast(input);
      if (e) changed('labels');
      return e ? labelEvent(e) : null;
    },
    'labels.history': ({ recordId }) => archive.history(recordId).map(labelEvent),
    'labels.agreement': ({ labelSet }) => archive.agreement(labelSet),

    'review.queue': (q) => reviewQueue(archive.db, { labelSet: q.labelSet, order: q.order, annotator: q.annotator, includeReviewed: q.includeReviewed, limit: q.limit }),

    'models.list': ({ task }) => archive.listModelVersions(task).map(toModelVersion),
    'models.activate': ({ task, version: v }) => {
      resolveModel(archive, task, v);
      archive.setActiveModel(task, v);
      changed('model');
      return toModelVersion(archive.listModelVersions(task).find((m) => m.version === v)!);
    },
    'models.predict': ({ task, recordIds, version: v }) => {
      const model = resolveModel(archive, task, v);
      return {
        jobId: jobs.start('predict', async (ctx) => {
          const r = await engineJob('predict', { model: model.path, source: { kind: 'archive', file: opts.archivePath, recordIds }, save: true }, ctx);
          changed('predictions');
          return { version: r.version, engine: r.engine, predicted: r.rows.length };
        }),
      };
    },
    'models.prediction': ({ task, recordId, version: v }) => {
      const p = archive.prediction(recordId, task, v);
      if (!p) return null;
      let config: ModelConfig | null;
      try {
        config = readModelConfig(resolveModel(archive, task, p.version).path);
      } catch {
        config = null; // the version was deleted since: its probabilities still stand, without thresholds
      }
      return { version: p.version, classes: p.classes, probabilities: p.probabilities, thresholds: config?.task.thresholds ?? undefined, caveats: config ? caveatsFor(config, recordId) : undefined };
    },
    'models.explain': async ({ task, recordId, classIndex, version: v }): Promise<Explanation> => {
      const model = resolveModel(archive, task, v);
      const config = readModelConfig(model.path);
      const info = archive.record(recordId);
      if (!info.modelReady) throw Object.assign(new Error(`record ${info.name} is not model-ready: missing lead(s) ${info.missingModelLeads.join(', ')}`), { code: 'bad_request' });
      const id = runner.start('explain', { model: model.path, source: { kind: 'archive', file: opts.archivePath, recordIds: [recordId] }, classIndex });
      const r = await runner.result<'explain'>(id);
      return {
        version: model.version,
        classes: config.task.classes,
        probabilities: r.probabilities,
        thresholds: config.task.thresholds ?? undefined,
        caveats: r.caveats,
        classIndex: r.classIndex,
        attention: [r.attention[0], r.attention[1], r.attention[2]],
        maps: [r.maps[0], r.maps[1], r.maps[2]],
        windowStartSec: 0,
      };
    },
    'models.train': (p) => {
      const parent = p.from ? resolveModel(archive, p.task, p.from) : p.mode === 'full' ? null : resolveModel(archive, p.task);
      return {
        jobId: jobs.start('train', async (ctx) => {
          const r = await engineJob(
            'train',
            {
              task: p.task,
              source: { kind: 'archive', file: opts.archivePath, labelSource: p.labelSource as LabelSource },
              parent: parent?.path ?? null,
              mode: p.mode,
              epochs: p.epochs,
              seed: p.seed,
              modelsDir,
            },
            ctx,
          );
          const c = readModelConfig(r.dir);
          archive.addModelVersion({ version: r.version, task: p.task, parent: parent?.version ?? null, path: r.dir, metrics: c.metrics, createdAt: c.provenance.created });
          changed('model');
          return { version: r.version, metrics: c.metrics, sizeBytes: packageSizeOnDisk(r.dir), epochs: r.epochs, valMacroF1: r.valMacroF1, seconds: r.seconds, backend: r.backend };
        }),
      };
    },
    'models.prune': ({ version: v, sparsity, fineTuneEpochs, mode }) => {
      const row = archive.listModelVersions().find((m) => m.version === v);
      if (!row) throw notFound(`no model version ${v}`);
      return {
        jobId: jobs.start('prune', async (ctx) => {
          const r = await engineJob(
            'prune',
            { model: row.path, source: { kind: 'archive', file: opts.archivePath }, sparsity, fineTuneEpochs, mode, modelsDir },
            ctx,
          );
          const c = readModelConfig(r.dir);
          archive.addModelVersion({ version: r.version, task: row.task, parent: row.version, path: r.dir, metrics: c.metrics, createdAt: c.provenance.created });
          changed('model');
          return { version: r.version, metrics: c.metrics, sizeBytes: r.bytesOnDisk, sizeBytesParent: r.bytesParent, sparsity: r.sparsity, valMacroF1Before: r.valMacroF1Before, valMacroF1After: r.valMacroF1After };
        }),
      };
    },

    'export.dataset': ({ outDir, recordIds, labelSource }) => ({
      jobId: jobs.start('export', (ctx) =>
        runWorkerTask(importTaskUrl, 'exportTask', { archive: opts.archivePath, outDir, recordIds, labels: labelSource as LabelSource } satisfies ExportParams, { onProgress: ctx.progress, signal: ctx.signal }),
      ),
    }),

    'jobs.list': () => jobs.list(),
    'jobs.cancel': ({ jobId }) => jobs.cancel(jobId),
  };

  return {
    handlers,
    archive,
    jobs,
    async close() {
      jobs.cancelAll();
      await runner.shutdown();
      archive.close();
    },
  };
}
