/**
 * First-paint figures the bench reads: time from a record's signal arriving to its canvas being
 * drawn. Exposed as window.__x3ecgPerf (read-only use by the bench and tests).
 */
export interface PerfFigures {
  /** Signal arrival → first canvas draw finished (includes turning JSON into typed arrays and mounting). */
  lastPaintMs: number | null;
  paints: number[];
  /** The canvas draw alone (grid + traces), for the latest draw. */
  lastDrawMs: number | null;
}

declare global {
  interface Window {
    __x3ecgPerf?: PerfFigures;
  }
}

export const perf: PerfFigures = (window.__x3ecgPerf ??= { lastPaintMs: null, paints: [], lastDrawMs: null });

export function recordFirstPaint(arrivedAt: number): number {
  const ms = performance.now() - arrivedAt;
  perf.lastPaintMs = ms;
  perf.paints.push(ms);
  if (perf.paints.length > 200) perf.paints.shift();
  return ms;
}
