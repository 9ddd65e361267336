/** A perceptual heat ramp for Grad-CAM strips (0 = pale, 1 = deep red). Pure. */
const stops: [number, [number, number, number]][] = [
  [0, [252, 253, 191]],
  [0.25, [254, 196, 121]],
  [0.5, [249, 128, 77]],
  [0.75, [216, 56, 72]],
  [1, [122, 12, 76]],
];

export function heatRgb(v: number): [number, number, number] {
  const x = Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
  for (let i = 1; i < stops.length; i++) {
    const [p1, c1] = stops[i];
    const [p0, c0] = stops[i - 1];
    if (x <= p1) {
      const f = (x - p0) / (p1 - p0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as [number, number, number];
    }
  }
  return stops[stops.length - 1][1];
}

/** Draws a map of values in [0,1] as a horizontal strip into a rect of a 2D context. */
export function drawHeatStrip(ctx: CanvasRenderingContext2D, map: ArrayLike<number>, x: number, y: number, w: number, h: number): void {
  const cols = Math.max(1, Math.floor(w));
  const per = map.length / cols;
  for (let c = 0; c < cols; c++) {
    const a = Math.floor(c * per);
    const b = Math.max(a + 1, Math.floor((c + 1) * per));
    let m = 0;
    for (let i = a; i < b && i < map.length; i++) m = Math.max(m, map[i]);
    const [r, g, bl] = heatRgb(m);
    ctx.fillStyle = `rgb(${r},${g},${bl})`;
    ctx.fillRect(x + (c * w) / cols, y, w / cols + 0.5, h);
  }
}
