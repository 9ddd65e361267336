/** Reads a model version's metrics (typed `unknown` in the contract) into what the Models view shows. */
import type { ModelMetrics } from '../../../api/contract.ts';

export interface ShownMetrics {
  macroF1: number | null;
  accuracy: number | null;
  perClassF1: Record<string, number>;
  confusion: number[][] | null;
  classes: string[];
  n: number | null;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function readMetrics(raw: unknown, fallbackClasses: string[]): ShownMetrics {
  const m = (raw && typeof raw === 'object' ? raw : {}) as ModelMetrics & Record<string, unknown>;
  // Some engines nest held-out figures under `val` / `validation`.
  const inner = (m.val ?? m.validation ?? m.test) as (ModelMetrics & Record<string, unknown>) | undefined;
  const src = inner && typeof inner === 'object' && !isNum(m.macroF1) ? inner : m;
  const classes = Array.isArray(src.classes) ? (src.classes as string[]) : fallbackClasses;
  const perClassF1: Record<string, number> = {};
  const pc = src.perClassF1 ?? (src as Record<string, unknown>).f1PerClass;
  if (Array.isArray(pc)) pc.forEach((v, i) => isNum(v) && (perClassF1[classes[i] ?? `#${i}`] = v));
  else if (pc && typeof pc === 'object') for (const [k, v] of Object.entries(pc)) if (isNum(v)) perClassF1[k] = v;
  const macro = src.macroF1 ?? (src as Record<string, unknown>).macro_f1 ?? (src as Record<string, unknown>).f1;
  const conf = src.confusion ?? (src as Record<string, unknown>).confusionMatrix;
  return {
    macroF1: isNum(macro) ? macro : null,
    accuracy: isNum(src.accuracy) ? src.accuracy : null,
    perClassF1,
    confusion: Array.isArray(conf) && conf.every((r) => Array.isArray(r)) ? (conf as number[][]) : null,
    classes,
    n: isNum(src.n) ? src.n : null,
  };
}
