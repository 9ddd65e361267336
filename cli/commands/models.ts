/**
 * model-info, predict, explain, train, prune, evaluate. Model work runs in a worker (models/jobs) with a
 * progress bar on stderr; `--json` prints one JSON object on stdout. Records come from an archive
 * (`--archive FILE`) or from a folder in the shared WFDB layout with a labels.csv (`--data DIR`).
 */
import { Option, type Command } from 'commander';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { layerSummary, networkSpecs, isPrunable, numel, paramCount } from '../../models/network/architecture.ts';
import { activeBackendLabel, availableBackends, initBackend } from '../../models/backend.ts';
import { TASKS } from '../../models/package/modelConfig.ts';
import { packageSizeOnDisk, readModelConfig } from '../../models/package/modelPackage.ts';
import { renderModelReport, type CvSummary } from '../../models/report/modelReport.ts';
import { JobRunner } from '../../models/jobs/jobRunner.ts';
import type { JobKind, JobParams, JobProgress, JobResult } from '../../models/jobs/tasks.ts';
import type { ThresholdRule } from '../../models/training/trainer.ts';
import { openArchiveFile, type DataSourceSpec } from '../../models/jobs/dataSource.ts';

interface SourceOpts {
  archive?: string;
  data?: string;
  ids?: string;
  sources?: string;
}

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Model versions of an archive live beside it: `<archive>.models/<version>/`. */
export function modelsDirFor(opts: SourceOpts): string {
  if (opts.archive) return join(dirname(resolve(opts.archive)), `${basename(opts.archive)}.models`);
  if (opts.data) return resolve('x3ecg-models');
  throw new Error('give --archive FILE (or --data DIR)');
}

function readIds(file: string): string[] {
  if (!existsSync(file)) throw new Error(`${file}: no such ids file`);
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function sourceOf(opts: SourceOpts): DataSourceSpec {
  const ids = opts.ids ? readIds(opts.ids) : undefined;
  if (opts.archive) {
    if (!existsSync(opts.archive)) throw new Error(`${opts.archive}: no such archive`);
    const numeric = ids?.every((i) => /^\d+$/.test(i));
    return { kind: 'archive', file: resolve(opts.archive), recordIds: numeric ? ids!.map(Number) : undefined, names: numeric ? undefined : ids };
  }
  if (opts.data) return { kind: 'shared', dataDir: resolve(opts.data), names: ids, sources: opts.sources?.split(',') };
  throw new Error('give --archive FILE (or --data DIR)');
}

/** --model as a package folder, a version under the models folder, the archive's active model, or the shipped default. */
async function resolveModel(opts: SourceOpts & { model?: string; task?: string }): Promise<string> {
  if (opts.model && existsSync(join(opts.model, 'model.json'))) return resolve(opts.model);
  const dir = modelsDirFor(opts);
  if (opts.model) {
    if (existsSync(join(dir, opts.model, 'model.json'))) return join(dir, opts.model);
    throw new Error(`model ${opts.model}: not a package folder and not a version in ${dir}`);
  }
  if (!opts.task) throw new Error('give --model VERSION|PATH or --task');
  if (opts.archive) {
    const a = await openArchiveFile(resolve(opts.archive)).catch(() => null);
    const active = a?.activeModel?.(opts.task) as { path?: string; version?: string } | string | null | undefined;
    const v = typeof active === 'string' ? active : active?.path ?? active?.version;
    if (v && existsSync(join(v, 'model.json'))) return v;
    if (v && existsSync(join(dir, v, 'model.json'))) return join(dir, v);
  }
  const shipped = join(projectRoot, 'models', 'defaults', opts.task);
  if (existsSync(join(shipped, 'model.json'))) return shipped;
  throw new Error(`no model for ${opts.task}: train one (x3ecg train) or give --model`);
}

/** Runs a job in a worker with a progress bar on stderr; Ctrl-C cancels it. */
async function runJob<K extends JobKind>(kind: K, params: JobParams<K>, quiet: boolean): Promise<JobResult<K>> {
  const runner = new JobRunner();
  const id = runner.start(kind, params);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${kind} {phase} [{bar}] {value}/{total} {extra}`, hideCursor: true, noTTYOutput: !quiet, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let phase = '';
  const onSigint = () => runner.cancel(id, 5000);
  process.once('SIGINT', onSigint);
  runner.onProgress(id, (p: JobProgress) => {
    if (quiet) return;
    const extra = [p.epoch !== undefined ? `epoch ${p.epoch}` : '', p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '', p.valMacroF1 !== undefined ? `val F1 ${p.valMacroF1.toFixed(3)}` : ''].filter(Boolean).join(' ');
    if (!started || p.phase !== phase) {
      if (started) bar.stop();
      bar.start(p.total, p.done, { phase: p.phase, extra });
      started = true;
      phase = p.phase;
    } else bar.update(p.done, { extra });
  });
  try {
    return await runner.result<K>(id);
  } finally {
    if (started) bar.stop();
    process.off('SIGINT', onSigint);
    await runner.shutdown();
  }
}

function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

const sourceOptions = (c: Command) =>
  c
    .option('--archive <file>', 'the archive to read records from')
    .option('--data <dir>', 'a folder in the WFDB + labels.csv layout (instead of an archive)')
    .option('--ids <file>', 'record ids or names, one per line')
    .option('--sources <list>', 'with --data: only these source folders (comma-separated)');

const taskOption = (c: Command) => c.option('--task <task>', `label set: ${Object.keys(TASKS).join('|')}`);

export function registerModelCommands(program: Command): void {
  program
    .command('model-info')
    .description('LightX3ECG structure: parameter count, layers, active backend')
    .option('--classes <n>', 'number of classes', '4')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: { classes: string; json?: boolean }) => {
      const n = Number(o.classes);
      const backend = await initBackend();
      const specs = networkSpecs(n);
      const info = {
        params: paramCount(n),
        classes: n,
        backend: activeBackendLabel(),
        availableBackends: (await availableBackends()).map((b) => (b === 'tensorflow' ? 'tfjs-node' : `tfjs-${b}`)),
        trainingBackend: `tfjs-${backend}`,
        tensors: specs.length,
        bnBuffers: specs.filter((s) => s.kind.startsWith('bn_running')).reduce((a, s) => a + numel(s.shape), 0),
        pruningPool: specs.filter((s) => isPrunable(s.kind)).reduce((a, s) => a + numel(s.shape), 0),
        layers: layerSummary(n),
      };
      print(!!o.json, info, () => [`LightX3ECG, ${n} classes: ${info.params.toLocaleString('en')} parameters; backend ${info.backend}`, ...info.layers.map((l) => `  ${l.layer.padEnd(22)} ${l.output.padEnd(30)} ${l.params.toLocaleString('en')}`)].join('\n'));
    });

  const predict = program.command('predict').description('class probabilities per record, stored as predictions of the model version');
  sourceOptions(taskOption(predict))
    .option('--model <version|path>', 'model version or package folder (default: the task\'s active model)')
    .option('--multi-window <mode>', 'first (first 10 s) or mean (over 10 s windows)')
    .option('--engine <engine>', 'auto|onnx|tfjs', 'auto')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SourceOpts & { task?: string; model?: string; multiWindow?: 'first' | 'mean'; engine: 'auto' | 'onnx' | 'tfjs'; json?: boolean }) => {
      const model = await resolveModel(o);
      const r = await runJob('predict', { model, source: sourceOf(o), multiWindow: o.multiWindow, engine: o.engine, save: !!o.archive }, !!o.json && !process.stderr.isTTY);
      print(!!o.json, { version: r.version, engine: r.engine, n: r.rows.length, predictions: r.rows }, () => r.rows.map((x) => `${x.key}\t${x.predicted.join(';')}\t${x.probabilities.map((p) => p.toFixed(3)).join(' ')}${x.caveats ? `\tcaveat: ${x.caveats.join(' ')}` : ''}`).join('\n'));
    });

  const evaluate = program.command('evaluate').description('macro/per-class F1, precision, recall, AUROC and confusion on records with ground truth');
  sourceOptions(taskOption(evaluate))
    .option('--model <version|path>', 'model version or package folder (default: the task\'s active model)')
    .option('--split <name>', "only this split's records: the model's own train|val, or an archive split NAME[:PART] (default part: test)")
    .option('--multi-window <mode>', 'first or mean')
    .option('--engine <engine>', 'auto|onnx|tfjs', 'auto')
    .option('--report <file.md>', 'also write the Markdown model report')
    .option('--cv <file>', 'with --report: an `npm run cv -- --out FILE` summary to include (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SourceOpts & { task?: string; model?: string; split?: string; multiWindow?: 'first' | 'mean'; engine: 'auto' | 'onnx' | 'tfjs'; report?: string; cv: string[]; json?: boolean }) => {
      const model = await resolveModel(o);
      let source = sourceOf(o);
      if (o.split) source = await splitSource(model, source, o.split);
      const saveAs = `${o.split ?? 'all'}-${o.archive ? basename(o.archive) : 'data'}${o.ids ? `-${basename(o.ids)}` : ''}`;
      const cv = o.cv.map((f) => readJsonFile<CvSummary>(f));
      const r = await runJob('evaluate', { model, source, multiWindow: o.multiWindow, engine: o.engine, saveAs }, !!o.json && !process.stderr.isTTY);
      if (o.report) writeReport(o.report, model, r, describeSource(o, r.n, r.skipped.length), cv);
      print(!!o.json, r, () => [`${r.version} on ${r.n} records (${r.engine}): macro F1 ${r.macroF1.toFixed(4)}, macro AUROC ${r.macroAuroc?.toFixed(4) ?? '–'}`, ...r.perClass.map((c) => `  ${c.class.padEnd(8)} F1 ${c.f1.toFixed(3)}  P ${c.precision.toFixed(3)}  R ${c.recall.toFixed(3)}  AUROC ${c.auroc?.toFixed(3) ?? '–'}  n ${c.support}`)].join('\n'));
    });

  const explain = program.command('explain').description('lead-wise Grad-CAM × attention for one record and class');
  sourceOptions(taskOption(explain))
    .requiredOption('--record <name|id>', 'the record')
    .option('--model <version|path>', 'model version or package folder')
    .option('--class <k>', 'class index (default: the predicted class)')
    .option('--engine <engine>', 'auto|onnx|tfjs', 'auto')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SourceOpts & { task?: string; record: string; model?: string; class?: string; engine: 'auto' | 'onnx' | 'tfjs'; json?: boolean }) => {
      const model = await resolveModel(o);
      const base = sourceOf({ ...o, ids: undefined });
      const source: DataSourceSpec = base.kind === 'archive' ? (/^\d+$/.test(o.record) ? { ...base, recordIds: [Number(o.record)] } : { ...base, names: [o.record] }) : base.kind === 'shared' ? { ...base, names: [o.record] } : base;
      const r = await runJob('explain', { model, source, classIndex: o.class !== undefined ? Number(o.class) : undefined, engine: o.engine }, true);
      print(!!o.json, r, () => `class ${r.class}; attention ${r.attention.map((a) => a.toFixed(3)).join(' ')}; maps 3 × ${r.maps[0].length}${r.caveats ? `\ncaveat: ${r.caveats.join(' ')}` : ''}`);
    });

  const train = program.command('train').description('train or fine-tune a model version (checkpoints every epoch; rerun resumes)');
  sourceOptions(train)
    .requiredOption('--task <task>', `label set: ${Object.keys(TASKS).join('|')}`)
    .option('--from <version|path>', 'parent model version (default: from scratch)')
    .option('--backbones-from <version|path>', 'start from the backbones and attention of a model of any task, with a fresh classifier')
    .option('--mode <mode>', 'full|last-stage|head', 'full')
    .option('--epochs <n>', 'maximum epochs', '70')
    .option('--seed <s>', 'random seed', '22')
    .option('--batch-size <n>', 'batch size')
    .option('--patience <n>', 'early stopping patience (epochs)', '15')
    .option('--crops', 'random 10 s crops of longer records; predict by averaging 10 s windows')
    .addOption(new Option('--thresholds <rule>', 'multilabel decision thresholds: 0.5 for every class, or the authors\' per-class choice on the validation part').choices(['0.5', 'authors']).default('0.5'))
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SourceOpts & { task: string; from?: string; backbonesFrom?: string; mode: 'full' | 'last-stage' | 'head'; epochs: string; seed: string; batchSize?: string; patience: string; crops?: boolean; thresholds: ThresholdRule; json?: boolean }) => {
      const parent = o.from ? await resolveModel({ ...o, model: o.from }) : null;
      const backbonesFrom = o.backbonesFrom ? await resolveModel({ ...o, model: o.backbonesFrom }) : null;
      const r = await runJob(
        'train',
        { task: o.task, source: sourceOf(o), parent, backbonesFrom, mode: o.mode, epochs: Number(o.epochs), seed: Number(o.seed), batchSize: o.batchSize ? Number(o.batchSize) : undefined, patience: Number(o.patience), crops: !!o.crops, thresholdRule: o.thresholds, modelsDir: modelsDirFor(o) },
        !!o.json && !process.stderr.isTTY,
      );
      await registerVersion(o, r.dir, r.version, o.task);
      print(!!o.json, { version: r.version, epochs: r.epochs, seconds: r.seconds, valMacroF1: r.valMacroF1, backend: r.backend, dir: r.dir, bestEpoch: r.bestEpoch, resumedFrom: r.resumedFrom }, () => `${r.version}: ${r.epochs} epochs in ${r.seconds.toFixed(0)} s on ${r.backend}, val macro F1 ${r.valMacroF1.toFixed(4)} (best epoch ${r.bestEpoch}) → ${r.dir}`);
    });

  const prune = program.command('prune').description('global L1 magnitude pruning, masked fine-tune, compact package');
  sourceOptions(prune)
    .requiredOption('--model <version|path>', 'the model version to prune')
    .option('--sparsity <s>', 'fraction of conv + linear weights set to zero', '0.8')
    .option('--epochs <n>', 'fine-tuning epochs with the masks held (the authors\' 5; on a few hundred records 20 recovered more)', '5')
    .addOption(new Option('--schedule <s>', 'one-shot: prune to the target, then fine-tune (spec §13); gradual: reach it over the first half of the fine-tune').choices(['one-shot', 'gradual']).default('one-shot'))
    .option('--distill', 'fine-tune towards the dense parent\'s probabilities as well as the labels (knowledge distillation, alpha 0.5, T 2)')
    .option('--mode <mode>', 'fine-tune mode: full|last-stage|head', 'full')
    .option('--storage <s>', 'sparse-float16|sparse-float32|float16|float32', 'sparse-float16')
    .option('--seed <s>', 'random seed', '22')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SourceOpts & { model: string; sparsity: string; epochs: string; schedule: 'one-shot' | 'gradual'; distill?: boolean; mode: 'full' | 'last-stage' | 'head'; storage: 'sparse-float16'; seed: string; json?: boolean }) => {
      const model = await resolveModel(o);
      const r = await runJob('prune', { model, source: sourceOf(o), sparsity: Number(o.sparsity), fineTuneEpochs: Number(o.epochs), schedule: o.schedule, distill: !!o.distill, mode: o.mode, storage: o.storage, seed: Number(o.seed), modelsDir: modelsDirFor(o) }, !!o.json && !process.stderr.isTTY);
      const cfg = JSON.parse(readFileSync(join(r.dir, 'model.json'), 'utf8')) as { task: { labelSet: string } };
      await registerVersion(o, r.dir, r.version, cfg.task.labelSet);
      print(!!o.json, r, () => `${r.version}: sparsity ${(r.sparsity * 100).toFixed(1)} %, ${(r.bytesOnDisk / 1e6).toFixed(2)} MB on disk (parent ${(r.bytesParent / 1e6).toFixed(2)} MB), val macro F1 ${r.valMacroF1Before.toFixed(4)} → ${r.valMacroF1After.toFixed(4)}`);
    });
}

function readJsonFile<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
}

function describeSource(o: SourceOpts & { split?: string; task?: string }, n: number, skipped: number): string {
  const where = o.archive ? `archive ${basename(o.archive)}` : o.data ? `${o.data}${o.sources ? ` (sources ${o.sources})` : ''}` : 'the selection';
  return `${n} records of ${where}${o.ids ? ` listed in ${basename(o.ids)}` : ''}${o.split ? `, split ${o.split}` : ''} with ground truth${skipped ? ` (${skipped} unreadable, skipped)` : ''}`;
}

/** A package in the same folder that is this one's parent or pruned child, for the report's size line. */
function relatedPackage(dir: string): { version: string; bytesOnDisk: number; sparsity: number } | undefined {
  const me = readModelConfig(dir);
  const folder = dirname(dir);
  for (const d of readdirSync(folder, { withFileTypes: true })) {
    const other = join(folder, d.name);
    if (!d.isDirectory() || other === dir || !existsSync(join(other, 'model.json'))) continue;
    try {
      const c = readModelConfig(other);
      if (c.version === me.provenance.parent || c.provenance.parent === me.version) return { version: c.version, bytesOnDisk: packageSizeOnDisk(other), sparsity: c.weights.sparsity };
    } catch {
      // an unreadable neighbour is simply not related
    }
  }
  return undefined;
}

function writeReport(file: string, model: string, r: JobResult<'evaluate'>, evaluatedOn: string, cv: CvSummary[]): void {
  const text = renderModelReport({ config: readModelConfig(model), evaluation: r, evaluatedOn, inTraining: r.inTraining, heldOut: r.heldOut, bytesOnDisk: packageSizeOnDisk(model), related: relatedPackage(model), cv });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Narrows a source to a split: the model's own train/val ids, else an archive split `NAME[:PART]`. */
async function splitSource(model: string, source: DataSourceSpec, split: string): Promise<DataSourceSpec> {
  const cfg = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as { provenance: { splitIds: Record<string, (string | number)[]> | null } };
  const own = cfg.provenance.splitIds?.[split];
  if (own) {
    if (source.kind === 'archive') return { ...source, names: undefined, recordIds: own.filter((i): i is number => typeof i === 'number') };
    if (source.kind === 'shared') return { ...source, names: own.map(String) };
    return source;
  }
  if (source.kind !== 'archive') throw new Error(`${model}: has no split ${split}`);
  const [name, part] = split.split(':');
  const a = await openArchiveFile(source.file);
  try {
    const s = a.split?.(name);
    if (!s) throw new Error(`${source.file}: no split ${name}`);
    const ids = part ? s.parts[part] : (s.parts.test ?? Object.values(s.parts).flat());
    if (!ids) throw new Error(`${source.file}: split ${name} has no part ${part} (parts: ${Object.keys(s.parts).join(', ')})`);
    return { ...source, names: undefined, recordIds: ids };
  } finally {
    a.close?.();
  }
}

/** Records a new version in the archive's model registry. */
async function registerVersion(o: SourceOpts, dir: string, version: string, labelSet: string): Promise<void> {
  if (!o.archive) return;
  const a = await openArchiveFile(resolve(o.archive));
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { provenance: { parent: string | null; created: string }; metrics: unknown };
    a.addModelVersion?.({ version, task: labelSet, parent: cfg.provenance.parent, path: dir, metrics: cfg.metrics, createdAt: cfg.provenance.created });
  } finally {
    a.close?.();
  }
}
