/**
 * Draws ECG paper onto a 2D canvas: grid, calibration pulses, traces, lead names, Grad-CAM strips
 * and calipers. Only the visible part (the viewport, in CSS px of the paper) is drawn, so a long
 * record at high zoom costs no more than a short one.
 */
import { CAL_PULSE_LEAD_MM, CAL_PULSE_MV, CAL_PULSE_SEC, MAJOR_MM, MINOR_MM, toMillivolts, type PaperLayout, type Panel } from './ecgGeometry.ts';
import { drawHeatStrip } from './heatColor.ts';

export const paperColors = {
  paper: '#fffdfa',
  minor: '#f5d3d3',
  major: '#e29a9a',
  trace: '#16192b',
  label: '#5b2333',
  caliper: '#1d5fd1',
};

export interface LeadData {
  fs: number;
  /** Physical values in `units`. */
  values: ArrayLike<number>;
  units: string;
}

export interface DrawOptions {
  layout: PaperLayout;
  gain: number;
  speed: number;
  pxPerMm: number;
  /** Visible rectangle of the paper, CSS px. */
  view: { x: number; y: number; w: number; h: number };
  leads: Record<string, LeadData>;
  heat?: { maps: Record<string, ArrayLike<number>>; windowStartSec: number; windowSec: number } | null;
  calipers?: { a: { x: number; y: number }; b: { x: number; y: number } | null } | null;
  colors?: typeof paperColors;
}

export function drawPaper(ctx: CanvasRenderingContext2D, o: DrawOptions): void {
  const c = o.colors ?? paperColors;
  const { view, pxPerMm: k } = o;
  ctx.save();
  ctx.translate(-view.x, -view.y);
  ctx.fillStyle = c.paper;
  const paperW = o.layout.widthMm * k;
  const paperH = o.layout.heightMm * k;
  ctx.fillRect(view.x, view.y, view.w, view.h);
  drawGrid(ctx, o, paperW, paperH, c);
  const visible = o.layout.panels.filter((p) => (p.topMm - p.heightMm) * k <= view.y + view.h && (p.topMm + 2 * p.heightMm) * k >= view.y);
  ctx.strokeStyle = c.trace;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const p of visible) if (p.calibration) drawCalibration(ctx, o, p);
  ctx.stroke();
  ctx.lineWidth = Math.max(1, Math.min(2, 0.3 * k));
  ctx.lineJoin = 'bevel';
  ctx.beginPath();
  for (const p of visible) {
    const lead = o.leads[p.lead];
    if (lead) drawTrace(ctx, o, p, lead);
  }
  ctx.stroke();
  ctx.fillStyle = c.label;
  ctx.font = `600 ${Math.max(11, Math.min(16, 3 * k))}px system-ui, sans-serif`;
  for (const p of visible) {
    ctx.fillText(p.lead, p.xMm * k + 4, (p.topMm + 4) * k + 4);
    if (p.heatStrip && o.heat) {
      const map = o.heat.maps[p.lead];
      if (map) drawHeatForPanel(ctx, o, p, map);
    }
  }
  if (o.calipers) drawCalipers(ctx, o, c);
  ctx.restore();
}

function drawGrid(ctx: CanvasRenderingContext2D, o: DrawOptions, paperW: number, paperH: number, c: typeof paperColors) {
  const k = o.pxPerMm;
  const { view } = o;
  const x0 = Math.max(0, view.x);
  const x1 = Math.min(paperW, view.x + view.w);
  const y0 = Math.max(0, view.y);
  const y1 = Math.min(paperH, view.y + view.h);
  // One-pixel rects on whole pixels: crisp and measurable at any zoom, and much cheaper than
  // stroking hundreds of paths on a software-rendered canvas.
  const dpr = ctx.getTransform().a || 1;
  const line = 1 / dpr;
  for (const major of [false, true]) {
    ctx.fillStyle = major ? c.major : c.minor;
    const step = major ? MAJOR_MM : MINOR_MM;
    for (let i = Math.floor(x0 / k / step); i * step * k <= x1; i++) {
      const mm = i * step;
      if (!major && mm % MAJOR_MM === 0) continue;
      ctx.fillRect(Math.round(mm * k), y0, line, y1 - y0);
    }
    for (let j = Math.floor(y0 / k / step); j * step * k <= y1; j++) {
      const mm = j * step;
      if (!major && mm % MAJOR_MM === 0) continue;
      ctx.fillRect(x0, Math.round(mm * k), x1 - x0, line);
    }
  }
}

/** The 1 mV × 0.2 s pulse in the row's left margin, drawn on pixel centres. */
function drawCalibration(ctx: CanvasRenderingContext2D, o: DrawOptions, p: Panel) {
  const k = o.pxPerMm;
  const snap = (v: number) => Math.round(v) + 0.5;
  const base = snap(p.baselineMm * k);
  const top = snap((p.baselineMm - CAL_PULSE_MV * o.gain) * k);
  const start = snap(0.5 * k);
  const rise = snap(CAL_PULSE_LEAD_MM * k);
  const fall = snap((CAL_PULSE_LEAD_MM + CAL_PULSE_SEC * o.speed) * k);
  const end = snap((p.xMm - 1) * k);
  ctx.moveTo(start, base);
  ctx.lineTo(rise, base);
  ctx.lineTo(rise, top);
  ctx.lineTo(fall, top);
  ctx.lineTo(fall, base);
  ctx.lineTo(end, base);
}

/** Appends the panel's trace to the current path (all traces are stroked at once: one raster pass). */
function drawTrace(ctx: CanvasRenderingContext2D, o: DrawOptions, p: Panel, lead: LeadData) {
  const k = o.pxPerMm;
  const left = p.xMm * k;
  const width = p.widthMm * k;
  // Only the visible slice of the panel.
  const visL = Math.max(left, o.view.x);
  const visR = Math.min(left + width, o.view.x + o.view.w);
  if (visR <= visL) return;
  const pxPerSec = o.speed * k;
  const yScale = toMillivolts(lead.units) * o.gain * k;
  const base = p.baselineMm * k;
  const n = lead.values.length;
  const tA = p.t0 + (visL - left) / pxPerSec;
  const tB = p.t0 + (visR - left) / pxPerSec;
  // Samples inside the panel only (no clipping needed: neighbouring columns never overlap).
  const iA = Math.max(0, Math.ceil(tA * lead.fs - 1e-9));
  const iB = Math.min(n - 1, Math.floor(tB * lead.fs + 1e-9));
  if (iB <= iA) return;
  const xOf = (i: number) => left + (i / lead.fs - p.t0) * pxPerSec;
  const samplesPerPx = lead.fs / pxPerSec;
  let pen = false;
  if (samplesPerPx <= 2) {
    for (let i = iA; i <= iB; i++) {
      const v = lead.values[i];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = xOf(i);
      const y = base - v * yScale;
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
  } else {
    // Dense: one min–max column per pixel keeps every QRS peak and costs O(width).
    let col = Math.floor(xOf(iA));
    let mn = Infinity;
    let mx = -Infinity;
    let first = NaN;
    let last = NaN;
    const flush = () => {
      if (mn === Infinity) {
        pen = false;
        return;
      }
      const yF = base - first * yScale;
      if (pen) ctx.lineTo(col, yF);
      else ctx.moveTo(col, yF);
      ctx.lineTo(col, base - mx * yScale);
      ctx.lineTo(col, base - mn * yScale);
      ctx.lineTo(col, base - last * yScale);
      pen = true;
    };
    for (let i = iA; i <= iB; i++) {
      const x = Math.floor(xOf(i));
      if (x !== col) {
        flush();
        col = x;
        mn = Infinity;
        mx = -Infinity;
        first = NaN;
      }
      const v = lead.values[i];
      if (!Number.isFinite(v)) continue;
      if (Number.isNaN(first)) first = v;
      last = v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    flush();
  }
}

function drawHeatForPanel(ctx: CanvasRenderingContext2D, o: DrawOptions, p: Panel, map: ArrayLike<number>) {
  if (!p.heatStrip || !o.heat) return;
  const k = o.pxPerMm;
  const pxPerSec = o.speed * k;
  const x = (p.xMm + (o.heat.windowStartSec - p.t0) * o.speed) * k;
  const w = o.heat.windowSec * pxPerSec;
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.xMm * k, p.heatStrip.topMm * k, p.widthMm * k, p.heatStrip.heightMm * k);
  ctx.clip();
  drawHeatStrip(ctx, map, x, p.heatStrip.topMm * k + 1, w, p.heatStrip.heightMm * k - 1);
  ctx.restore();
}

function drawCalipers(ctx: CanvasRenderingContext2D, o: DrawOptions, c: typeof paperColors) {
  const cal = o.calipers!;
  ctx.strokeStyle = c.caliper;
  ctx.fillStyle = c.caliper;
  ctx.lineWidth = 1.5;
  const mark = (pt: { x: number; y: number }) => {
    ctx.beginPath();
    ctx.moveTo(pt.x, pt.y - 40);
    ctx.lineTo(pt.x, pt.y + 40);
    ctx.moveTo(pt.x - 6, pt.y);
    ctx.lineTo(pt.x + 6, pt.y);
    ctx.stroke();
  };
  mark(cal.a);
  if (cal.b) {
    mark(cal.b);
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(cal.a.x, cal.a.y);
    ctx.lineTo(cal.b.x, cal.a.y);
    ctx.lineTo(cal.b.x, cal.b.y);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
