/**
 * Reads a model version's metrics (typed `unknown` in the contract) into what the Models view
 * shows. Tolerant on purpose: training writes {valMacroF1, history, …}, pruning writes
 * {valMacroF1Before, valMacroF1After, before, after}, evaluation writes {macroF1, perClass, confusion}.
 */
import type { ModelMetrics } from '../../../api/contract.ts';

export interface ShownMetrics {
  macroF1: number | null;
  accuracy: number | null;
  perClassF1: Record<string, number>;
  /** Single-label: confusion[true][pred]. */
  confusion: number[][] | null;
  /** Multilabel: per class [[tn, fp], [fn, tp]]. */
  perClassConfusion: number[][][] | null;
  classes: string[];
  n: number | null;
  history: { epoch: number; loss: number | null; valMacroF1: number | null }[];
}

type Loose = ModelMetrics & Record<string, unknown>;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Loose => !!x && typeof x === 'object' && !Array.isArray(x);

export function readMetrics(raw: unknown, fallbackClasses: string[]): ShownMetrics {
  const top: Loose = isObj(raw) ? raw : {};
  // Held-out figures may sit one level down (after pruning: `after`; some engines: `val`, `evaluation`).
  const inner = [top.after, top.evaluation, top.val, top.validation, top.test].find(isObj);
  const src: Loose = inner && !Array.isArray(top.perClass) && !top.confusion ? { ...top, ...inner } : top;
  const perClassF1: Record<string, number> = {};
  let classes = Array.isArray(src.classes) ? (src.classes as string[]) : fallbackClasses;
  const pc = src.perClassF1 ?? src.perClass ?? src.f1PerClass;
  if (Array.isArray(pc)) {
    if (pc.every(isObj)) {
      classes = pc.map((c, i) => String((c as Loose).class ?? classes[i] ?? `#${i}`));
      for (const c of pc as Loose[]) if (isNum(c.f1)) perClassF1[String(c.class)] = c.f1;
    } else pc.forEach((v, i) => isNum(v) && (perClassF1[classes[i] ?? `#${i}`] = v));
  } else if (isObj(pc)) for (const [k, v] of Object.entries(pc)) if (isNum(v)) perClassF1[k] = v;
  const macro = [src.macroF1, top.valMacroF1After, top.valMacroF1, src.macro_f1, src.f1].find(isNum);
  const conf = src.confusion ?? src.confusionMatrix;
  let confusion: number[][] | null = null;
  let perClassConfusion: number[][][] | null = null;
  if (Array.isArray(conf) && conf.length) {
    if (Array.isArray(conf[0]) && Array.isArray((conf[0] as unknown[])[0])) perClassConfusion = conf as number[][][];
    else if (conf.every((r) => Array.isArray(r))) confusion = conf as number[][];
  }
  const history = Array.isArray(top.history)
    ? (top.history as Loose[]).filter(isObj).map((h, i) => ({ epoch: isNum(h.epoch) ? h.epoch : i + 1, loss: isNum(h.loss) ? h.loss : null, valMacroF1: isNum(h.valMacroF1) ? h.valMacroF1 : null }))
    : [];
  const n = [src.n, top.nVal].find(isNum) ?? null;
  return { macroF1: macro ?? null, accuracy: isNum(src.accuracy) ? src.accuracy : null, perClassF1, confusion, perClassConfusion, classes, n, history };
}
