/**
 * Where model versions live: packages trained or pruned here go to a folder beside the archive
 * (`<archive>.models/`); the shipped defaults stay in the project (`models/defaults/<task>/…`). The
 * archive's model_versions table is the registry of both; a fresh archive gets the defaults
 * registered and active, so it predicts on day one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Archive } from '../db/archive.ts';
import { readModelConfig } from '../models/package/modelPackage.ts';
import { projectRoot } from './paths.ts';

export const TASK_NAMES = ['chapman4', 'cpsc9'] as const;

export function modelsDirFor(archivePath: string): string {
  return join(dirname(archivePath), `${basename(archivePath)}.models`);
}

export const defaultsDir = join(projectRoot, 'models', 'defaults');

/** Shipped default packages: models/defaults/<name>/model.json. */
export function shippedPackages(): { dir: string; task: string; version: string; parent: string | null; metrics: unknown; created: string }[] {
  if (!existsSync(defaultsDir)) return [];
  return readdirSync(defaultsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(defaultsDir, d.name, 'model.json')))
    .map((d) => {
      const dir = join(defaultsDir, d.name);
      const c = readModelConfig(dir);
      return { dir, task: c.task.labelSet, version: c.version, parent: c.provenance.parent, metrics: c.metrics, created: c.provenance.created };
    });
}

/**
 * Registers shipped packages the archive does not know yet; a task with no active version gets its
 * dense shipped default (the one without a parent) activated.
 */
export function registerShippedDefaults(archive: Archive): void {
  const known = new Set(archive.listModelVersions().map((v) => v.version));
  const shipped = shippedPackages().sort((a, b) => Number(a.parent !== null) - Number(b.parent !== null));
  for (const p of shipped) {
    if (!known.has(p.version)) archive.addModelVersion({ version: p.version, task: p.task, parent: p.parent, path: p.dir, metrics: p.metrics, createdAt: p.created });
  }
  for (const task of TASK_NAMES) {
    if (archive.activeModel(task)) continue;
    const dense = shipped.find((p) => p.task === task && p.parent === null) ?? shipped.find((p) => p.task === task);
    if (dense) archive.setActiveModel(task, dense.version);
  }
}

/** The package folder of a version (default: the task's active one), or a clear error. */
export function resolveModel(archive: Archive, task: string, version?: string): { version: string; path: string } {
  if (version) {
    const v = archive.listModelVersions().find((m) => m.version === version);
    if (!v) throw Object.assign(new Error(`no model version ${version}`), { code: 'not_found' });
    if (v.task !== task) throw Object.assign(new Error(`model ${version} is a ${v.task} model, not ${task}`), { code: 'bad_request' });
    return { version: v.version, path: v.path };
  }
  const active = archive.activeModel(task);
  if (!active) throw Object.assign(new Error(`no ${task} model yet: train one (Training view or \`x3ecg train\`)`), { code: 'not_found' });
  return { version: active.version, path: active.path };
}
