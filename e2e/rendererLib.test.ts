/**
 * The renderer's pure logic (paper geometry, calipers, metric reading), run in Node. The modules
 * live in the web project, so they are loaded by path at run time (tsc keeps the two projects apart).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

const lib = new URL('../renderer/src/lib/', import.meta.url).href;
type Panel = { lead: string; xMm: number; widthMm: number; baselineMm: number; topMm: number; heightMm: number; t0: number; durationSec: number; calibration: boolean };
type Layout = { widthMm: number; heightMm: number; marginMm: number; panels: Panel[]; windowSec: number };
const geo = (await import(`${lib}ecgGeometry.ts`)) as {
  CSS_PX_PER_MM: number;
  paperLayout(o: { layout: string; gain: number; speed: number; durationSec: number; tStart: number; leads: string[]; withHeat?: boolean }): Layout;
  paperPointToSignal(l: Layout, gain: number, speed: number, xMm: number, yMm: number): { panel: Panel; t: number; mV: number } | null;
  toMillivolts(units: string): number;
  canonicalLead(name: string): string;
  pxPerMm(zoom: number): number;
};
const cal = (await import(`${lib}calipers.ts`)) as {
  caliperReading(a: { lead: string; t: number; mV: number }, b: { lead: string; t: number; mV: number }, mvPerNative: number, unit: string): { dtMs: number; dMv: number; dNative: number; bpm: number | null };
};
const met = (await import(`${lib}metrics.ts`)) as {
  readMetrics(raw: unknown, classes: string[]): { macroF1: number | null; perClassF1: Record<string, number>; confusion: number[][] | null; perClassConfusion: number[][][] | null; classes: string[]; history: unknown[] };
};

const leads12 = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

test('one CSS millimetre is 96/25.4 px at zoom 1 and scales with zoom', () => {
  assert.equal(geo.pxPerMm(1), 96 / 25.4);
  assert.equal(geo.pxPerMm(2), (2 * 96) / 25.4);
});

test('3x4 + II rhythm: four 2.5 s columns of 62.5 mm at 25 mm/s, a 10 s strip of 250 mm, baselines on major lines', () => {
  const l = geo.paperLayout({ layout: '3x4', gain: 10, speed: 25, durationSec: 10, tStart: 0, leads: leads12 });
  assert.equal(l.panels.length, 13);
  const v4 = l.panels.find((p) => p.lead === 'V4')!;
  assert.equal(v4.widthMm, 62.5);
  assert.equal(v4.t0, 7.5);
  assert.equal(v4.xMm, l.marginMm + 3 * 62.5);
  const rhythm = l.panels[12];
  assert.equal(rhythm.lead, 'II');
  assert.equal(rhythm.widthMm, 250);
  for (const p of l.panels) assert.equal(p.baselineMm % 5, 0, `${p.lead} baseline ${p.baselineMm}`);
  assert.equal(l.marginMm % 5, 0);
  // At 50 mm/s the same seconds take twice the paper.
  const fast = geo.paperLayout({ layout: '3x4', gain: 10, speed: 50, durationSec: 10, tStart: 0, leads: leads12 });
  assert.equal(fast.panels[12].widthMm, 500);
});

test('12x1 and model leads show the whole record; missing leads are left out', () => {
  const l = geo.paperLayout({ layout: '12x1', gain: 20, speed: 25, durationSec: 60, tStart: 0, leads: leads12 });
  assert.deepEqual(l.panels.map((p) => p.lead), leads12);
  assert.equal(l.panels[0].widthMm, 60 * 25);
  const m = geo.paperLayout({ layout: 'model3', gain: 10, speed: 25, durationSec: 10, tStart: 0, leads: ['I', 'II', 'V1', 'V2'], withHeat: true });
  assert.deepEqual(m.panels.map((p) => p.lead), ['I', 'II', 'V1']);
  const only2 = geo.paperLayout({ layout: 'model3', gain: 10, speed: 25, durationSec: 10, tStart: 0, leads: ['I', 'II'] });
  assert.deepEqual(only2.panels.map((p) => p.lead), ['I', 'II']);
});

test('a point on the paper maps back to record time and millivolts', () => {
  const l = geo.paperLayout({ layout: '3x4', gain: 10, speed: 25, durationSec: 10, tStart: 0, leads: leads12 });
  const aVL = l.panels.find((p) => p.lead === 'aVL')!;
  const hit = geo.paperPointToSignal(l, 10, 25, aVL.xMm + 25, aVL.baselineMm - 15)!;
  assert.equal(hit.panel.lead, 'aVL');
  assert.ok(Math.abs(hit.t - 3.5) < 1e-9); // column starts at 2.5 s, +25 mm = +1 s
  assert.ok(Math.abs(hit.mV - 1.5) < 1e-9);
  assert.equal(geo.paperPointToSignal(l, 10, 25, 1, 1), null, 'the margin is no lead');
});

test('units and lead names as files write them', () => {
  assert.equal(geo.toMillivolts('mV'), 1);
  assert.equal(geo.toMillivolts('mv'), 1);
  assert.equal(geo.toMillivolts('uV'), 1e-3);
  assert.equal(geo.toMillivolts('μV'), 1e-3);
  assert.equal(geo.toMillivolts('V'), 1000);
  assert.deepEqual(['AVR', 'avl', 'aVF', 'v1', 'I', 'iii'].map(geo.canonicalLead), ['aVR', 'aVL', 'aVF', 'V1', 'I', 'III']);
});

test('calipers: Δt, ΔmV, the value in the file’s unit and the heart rate of one R–R interval', () => {
  const r = cal.caliperReading({ lead: 'II', t: 1.0, mV: 0.1 }, { lead: 'II', t: 1.8, mV: 1.3 }, 1e-3, 'uV');
  assert.ok(Math.abs(r.dtMs - 800) < 1e-9);
  assert.ok(Math.abs(r.dMv - 1.2) < 1e-9);
  assert.ok(Math.abs(r.dNative - 1200) < 1e-6);
  assert.ok(Math.abs(r.bpm! - 75) < 1e-9);
  assert.equal(cal.caliperReading({ lead: 'II', t: 1, mV: 0 }, { lead: 'II', t: 1.1, mV: 0 }, 1, 'mV').bpm, null, '100 ms is no R–R interval');
});

test('metrics as the engine writes them: per-class objects, single-label and multilabel confusion, pruning, history', () => {
  const ev = {
    n: 10, macroF1: 0.5, perClass: [{ class: 'SB', f1: 0.4 }, { class: 'SR', f1: 0.6 }], confusion: [[3, 1], [2, 4]], multilabel: false,
  };
  const a = met.readMetrics(ev, ['x', 'y']);
  assert.equal(a.macroF1, 0.5);
  assert.deepEqual(a.classes, ['SB', 'SR']);
  assert.deepEqual(a.perClassF1, { SB: 0.4, SR: 0.6 });
  assert.deepEqual(a.confusion, [[3, 1], [2, 4]]);
  const pruned = met.readMetrics({ valMacroF1Before: 0.7, valMacroF1After: 0.65, before: { ...ev, macroF1: 0.7 }, after: { ...ev, macroF1: 0.65, confusion: [[[5, 1], [0, 4]]] } }, ['SB']);
  assert.equal(pruned.macroF1, 0.65);
  assert.deepEqual(pruned.perClassConfusion, [[[5, 1], [0, 4]]]);
  const trained = met.readMetrics({ valMacroF1: 0.61, history: [{ epoch: 1, loss: 1.2, valMacroF1: 0.5 }, { epoch: 2, loss: 0.9, valMacroF1: 0.61 }] }, ['SB', 'SR']);
  assert.equal(trained.macroF1, 0.61);
  assert.equal(trained.history.length, 2);
  assert.equal(met.readMetrics(null, ['SB']).macroF1, null);
});

test('wrapText: greedy lines no wider than the limit; a word longer than the limit stands alone', async () => {
  const fmt = (await import(`${lib}format.ts`)) as { wrapText(s: string, width: (t: string) => number, max: number): string[] };
  const len = (t: string) => t.length;
  assert.deepEqual(fmt.wrapText('Stored at 100 Hz, read by the model at 500 Hz', len, 20), ['Stored at 100 Hz,', 'read by the model at', '500 Hz']);
  assert.deepEqual(fmt.wrapText('a verylongwordindeed b', len, 5), ['a', 'verylongwordindeed', 'b']);
  assert.deepEqual(fmt.wrapText('  ', len, 5), []);
});
