/**
 * Paper geometry of the ECG viewer, in millimetres, and its mapping to CSS pixels.
 * Pure: no DOM. One CSS pixel is 1/96 inch, so at zoom 1 a millimetre of paper is 96/25.4 CSS px,
 * which is what a calibrated screen (and the e2e test) measures.
 */

export const CSS_PX_PER_MM = 96 / 25.4;
export const MINOR_MM = 1;
export const MAJOR_MM = 5;
/** The standard calibration pulse: 1 mV high, 0.2 s wide. */
export const CAL_PULSE_SEC = 0.2;
export const CAL_PULSE_MV = 1;

export type LayoutName = '3x4' | '12x1' | 'model3';
export const layouts: { name: LayoutName; label: string }[] = [
  { name: '3x4', label: '3×4 + II rhythm' },
  { name: '12x1', label: '12×1' },
  { name: 'model3', label: 'Model leads I · II · V1' },
];
export const gains = [5, 10, 20] as const; // mm/mV
export const speeds = [25, 50] as const; // mm/s

export function pxPerMm(zoom: number): number {
  return CSS_PX_PER_MM * zoom;
}

export interface Panel {
  lead: string;
  /** Left edge of the trace area and its width, mm from the paper's left edge. */
  xMm: number;
  widthMm: number;
  /** Baseline (0 mV), mm from the paper's top edge. */
  baselineMm: number;
  /** Top and height of the row band, mm (the band's content may overflow, as on paper). */
  topMm: number;
  heightMm: number;
  /** Record time (s) at the panel's left edge. */
  t0: number;
  durationSec: number;
  /** The calibration pulse is drawn in the margin at the start of each row. */
  calibration: boolean;
  /** Room under the trace for a Grad-CAM heat strip (model3 layout). */
  heatStrip: { topMm: number; heightMm: number } | null;
}

export interface PaperLayout {
  widthMm: number;
  heightMm: number;
  /** Margin left of the traces holding the calibration pulse. */
  marginMm: number;
  panels: Panel[];
  /** Seconds one screen of the layout shows (3x4 shows a 10 s window; the others the whole record). */
  windowSec: number;
}

export interface LayoutOptions {
  layout: LayoutName;
  gain: number; // mm/mV
  speed: number; // mm/s
  /** Record duration, s. */
  durationSec: number;
  /** Start of the shown window (3x4 only), s. */
  tStart: number;
  /** Leads the record has, canonical names. */
  leads: string[];
  withHeat?: boolean;
}

const leads3x4 = [
  ['I', 'aVR', 'V1', 'V4'],
  ['II', 'aVL', 'V2', 'V5'],
  ['III', 'aVF', 'V3', 'V6'],
];
const leads12 = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
const leadsModel = ['I', 'II', 'V1'];

const snap5 = (mm: number) => Math.round(mm / MAJOR_MM) * MAJOR_MM;

/** Row band height: three millivolts of paper, kept on whole major squares so baselines sit on major lines. */
export function rowHeightMm(gain: number): number {
  return Math.max(20, Math.min(60, snap5(3 * gain)));
}

/** Room left of the traces: 2 mm lead-in, the pulse, and at least 3 mm before the trace starts. */
export function calibrationMarginMm(speed: number): number {
  return Math.ceil((CAL_PULSE_LEAD_MM + CAL_PULSE_SEC * speed + 3) / MAJOR_MM) * MAJOR_MM;
}
export const CAL_PULSE_LEAD_MM = 2;

export function paperLayout(o: LayoutOptions): PaperLayout {
  const margin = calibrationMarginMm(o.speed);
  const rowH = rowHeightMm(o.gain);
  const heatH = o.withHeat ? 5 : 0;
  const baselineOffset = snap5(rowH * 0.6);
  const panels: Panel[] = [];
  const present = (lead: string) => o.leads.length === 0 || o.leads.includes(lead);
  let windowSec: number;
  let widthMm: number;
  let heightMm: number;
  if (o.layout === '3x4') {
    windowSec = 10;
    const colSec = 2.5;
    const colMm = colSec * o.speed;
    leads3x4.forEach((row, r) => {
      row.forEach((lead, c) => {
        if (!present(lead)) return;
        panels.push({
          lead,
          xMm: margin + c * colMm,
          widthMm: colMm,
          topMm: r * rowH,
          heightMm: rowH,
          baselineMm: r * rowH + baselineOffset,
          t0: o.tStart + c * colSec,
          durationSec: colSec,
          calibration: c === 0,
          heatStrip: null,
        });
      });
    });
    panels.push({
      lead: 'II',
      xMm: margin,
      widthMm: windowSec * o.speed,
      topMm: 3 * rowH,
      heightMm: rowH,
      baselineMm: 3 * rowH + baselineOffset,
      t0: o.tStart,
      durationSec: windowSec,
      calibration: true,
      heatStrip: null,
    });
    widthMm = margin + windowSec * o.speed + MAJOR_MM;
    heightMm = 4 * rowH;
  } else {
    const list = (o.layout === '12x1' ? leads12 : leadsModel).filter(present);
    windowSec = Math.max(o.durationSec, 1);
    const bandH = rowH + heatH;
    list.forEach((lead, r) => {
      panels.push({
        lead,
        xMm: margin,
        widthMm: windowSec * o.speed,
        topMm: r * bandH,
        heightMm: rowH,
        baselineMm: r * bandH + baselineOffset,
        t0: 0,
        durationSec: windowSec,
        calibration: true,
        heatStrip: heatH ? { topMm: r * bandH + rowH, heightMm: heatH - 1 } : null,
      });
    });
    widthMm = margin + windowSec * o.speed + MAJOR_MM;
    heightMm = list.length * bandH;
  }
  return { widthMm: Math.ceil(widthMm / MAJOR_MM) * MAJOR_MM, heightMm: Math.max(heightMm, rowH), marginMm: margin, panels, windowSec };
}

/** Where a point of the paper (mm) falls: which panel, at what record time and amplitude. */
export function paperPointToSignal(layout: PaperLayout, gain: number, speed: number, xMm: number, yMm: number): { panel: Panel; t: number; mV: number } | null {
  const panel = layout.panels.find((p) => xMm >= p.xMm && xMm <= p.xMm + p.widthMm && yMm >= p.topMm && yMm < p.topMm + p.heightMm + (p.heatStrip?.heightMm ?? 0) + 1);
  if (!panel) return null;
  return { panel, t: panel.t0 + (xMm - panel.xMm) / speed, mV: (panel.baselineMm - yMm) / gain };
}

/** Factor that turns a lead's physical unit into millivolts (the paper is scaled in mm/mV). */
export function toMillivolts(units: string): number {
  const u = units.trim().replace('μ', 'u').replace('µ', 'u');
  if (/^uv$/i.test(u)) return 1e-3;
  if (/^nv$/i.test(u)) return 1e-6;
  if (/^v$/i.test(u)) return 1e3;
  return 1; // mV, mv, or unknown (shown as such)
}

/** Canonical lead name for the names files use ("AVR" → "aVR"). */
export function canonicalLead(name: string): string {
  const n = name.trim();
  const m = /^a?v([rlf])$/i.exec(n);
  if (m) return `aV${m[1].toUpperCase()}`;
  if (/^v\d$/i.test(n)) return n.toUpperCase();
  if (/^(i|ii|iii)$/i.test(n)) return n.toUpperCase();
  return n;
}
