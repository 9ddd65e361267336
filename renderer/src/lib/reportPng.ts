/**
 * One-page record report (A4 landscape, 150 dpi): header with the record and its labels, the
 * 3×4 + II rhythm ECG on calibrated paper (25 mm/s, 10 mm/mV), the prediction and the lead-wise
 * Grad-CAM strips with attention. Drawn on a canvas, saved as PNG.
 */
import type { Explanation, Prediction } from '../../../api/contract.ts';
import { drawPaper } from './ecgDraw.ts';
import { paperLayout } from './ecgGeometry.ts';
import { drawHeatStrip } from './heatColor.ts';
import type { LoadedRecord } from './recordData.ts';
import { wrapText } from './format.ts';

const DPI = 150;
const K = DPI / 25.4; // px per mm
const PAGE = { w: 297, h: 210 };

export function renderReport(rec: LoadedRecord, prediction: Prediction | null, explanation: Explanation | null): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(PAGE.w * K);
  canvas.height = Math.round(PAGE.h * K);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const mm = (v: number) => v * K;
  const text = (s: string, x: number, y: number, size: number, weight = 400, color = '#1b2231') => {
    ctx.fillStyle = color;
    ctx.font = `${weight} ${mm(size)}px system-ui, sans-serif`;
    ctx.fillText(s, mm(x), mm(y));
  };
  const d = rec.detail;
  text(d.name, 14, 14, 5.5, 700);
  const facts = [d.origin, `${d.fs} Hz`, `${rec.durationSec.toFixed(1)} s`, d.age != null ? `${d.age} y` : null, d.sex].filter(Boolean).join(' · ');
  text(facts, 14, 20, 3.2, 400, '#5d6678');
  const labels = Object.entries(d.labels)
    .map(([set, ls]) => `${set}: ${ls.join(', ') || 'none'}`)
    .join('    ');
  text(`Labels  ${labels}`, 14, 25.5, 3.2);
  const p = explanation ?? prediction;
  if (p) {
    const ranked = p.classes.map((c, i) => [c, p.probabilities[i]] as const).sort((a, b) => b[1] - a[1]).slice(0, 4);
    text(`Model ${p.version}:  ${ranked.map(([c, v]) => `${c} ${(v * 100).toFixed(0)}%`).join('   ')}`, 150, 14, 3.4, 600, '#1f5fbf');
  } else text('No prediction', 150, 14, 3.4, 400, '#5d6678');
  text(`25 mm/s · 10 mm/mV · report made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, 150, 20, 2.8, 400, '#5d6678');

  // ECG paper.
  const layout = paperLayout({ layout: '3x4', gain: 10, speed: 25, durationSec: rec.durationSec, tStart: 0, leads: Object.keys(rec.leads) });
  const ox = 14;
  const oy = 30;
  ctx.save();
  ctx.translate(Math.round(mm(ox)), Math.round(mm(oy)));
  drawPaper(ctx, { layout, gain: 10, speed: 25, pxPerMm: K, view: { x: 0, y: 0, w: mm(layout.widthMm), h: mm(layout.heightMm) }, leads: rec.leads });
  ctx.restore();

  // Explanation.
  let y = oy + layout.heightMm + 8;
  if (explanation) {
    text(`Grad-CAM for ${explanation.classes[explanation.classIndex]} (model window ${(explanation.windowStartSec ?? 0).toFixed(1)}–${((explanation.windowStartSec ?? 0) + 10).toFixed(1)} s) and lead attention`, 14, y, 3.2, 600);
    y += 3;
    (['I', 'II', 'V1'] as const).forEach((lead, i) => {
      text(lead, 14, y + 4.2, 3.2, 600);
      drawHeatStrip(ctx, explanation.maps[i], mm(24), mm(y), mm(250), mm(5));
      text(`attention ${explanation.attention[i].toFixed(2)}`, 277, y + 4, 2.8);
      y += 7;
    });
  }
  // a caveat travels with the call it qualifies, wrapped to the page, bottom-up above the footer
  ctx.font = `400 ${mm(2.6)}px system-ui, sans-serif`;
  const caveatLines = (p?.caveats ?? []).flatMap((c) => wrapText(`Caveat: ${c}`, (s) => ctx.measureText(s).width, mm(PAGE.w - 28)));
  caveatLines.forEach((line, i) => text(line, 14, PAGE.h - 10 - 3.6 * (caveatLines.length - 1 - i), 2.6, 400, '#a3620a'));
  text('Research software — not a medical device; not for diagnosis or treatment.', 14, PAGE.h - 6, 2.6, 400, '#8a92a3');
  return canvas;
}
