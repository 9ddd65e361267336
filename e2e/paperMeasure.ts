/**
 * Measures the ECG paper as drawn, from the canvas's pixels (RGBA, 1 CSS px = 1 device px):
 * where the major grid lines are, how tall and wide the calibration pulse is, and how far the
 * traces of a 10 s row reach. Knows colours only, not the renderer's geometry code.
 */

export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export interface PaperMeasurement {
  /** Mean distance between neighbouring major (5 mm) grid lines, px. */
  majorSpacingPx: number;
  majorLines: number;
  /** Calibration pulse of the first row: height (baseline to top) and top width, px. */
  pulseHeightPx: number;
  pulseWidthPx: number;
  /** Horizontal extent of trace ink right of the margin in the lowest row (the II rhythm strip), px. */
  traceSpanPx: number;
}

type Rgb = [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;

export function measurePaper(px: Pixels, colors: { major: string; trace: string }, marginPx: number): PaperMeasurement {
  const major = hex(colors.major);
  const { data, width, height } = px;
  const at = (x: number, y: number): Rgb => {
    const i = (y * width + x) * 4;
    return [data[i], data[i + 1], data[i + 2]];
  };
  const same = (a: Rgb, b: Rgb, tol = 6) => Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol && Math.abs(a[2] - b[2]) <= tol;
  // Trace ink: dark and not reddish (the grid is red, lead names are dark red).
  const ink = (c: Rgb) => c[0] < 90 && c[1] < 90 && c[2] < 110 && c[0] - c[2] < 30;

  // Major vertical lines: columns where most sampled rows have the major colour.
  const rows: number[] = [];
  for (let y = 2; y < height - 2; y += 3) rows.push(y);
  const xs: number[] = [];
  for (let x = 0; x < width; x++) {
    let hits = 0;
    for (const y of rows) if (same(at(x, y), major)) hits++;
    if (hits >= rows.length * 0.5) xs.push(x);
  }
  if (xs.length < 3) throw new Error(`found ${xs.length} major grid lines`);
  const majorSpacingPx = (xs[xs.length - 1] - xs[0]) / (xs.length - 1);

  // Calibration pulses sit left of the margin: ink there, by row.
  const inkRows = new Map<number, number[]>();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < Math.min(marginPx, width); x++)
      if (ink(at(x, y))) {
        const list = inkRows.get(y) ?? [];
        list.push(x);
        inkRows.set(y, list);
      }
  const ys = [...inkRows.keys()].sort((a, b) => a - b);
  if (!ys.length) throw new Error('no calibration pulse found left of the margin');
  const top = ys[0];
  const count = (y: number) => inkRows.get(y)?.length ?? 0;
  // The first pulse's baseline: below its top, the row with the most ink (the pulse's edges add 2 px a row).
  let base = top;
  for (const y of ys) if (y > top + 1 && y - top < majorSpacingPx * 5 && count(y) > (base === top ? 0 : count(base))) base = y;
  const topXs = inkRows.get(top)!;
  const pulseWidthPx = Math.max(...topXs) - Math.min(...topXs);

  // The lowest pulse's baseline marks the rhythm strip; its trace spans the full 10 s.
  const lowest = ys[ys.length - 1];
  let lowBase = lowest;
  for (const y of ys) if (y >= lowest - 3 && count(y) > count(lowBase)) lowBase = y;
  let left = Infinity;
  let right = -Infinity;
  const band = Math.round(majorSpacingPx * 2);
  for (let y = Math.max(0, lowBase - band); y < Math.min(height, lowBase + band); y++)
    for (let x = marginPx; x < width; x++)
      if (ink(at(x, y))) {
        if (x < left) left = x;
        if (x > right) right = x;
      }
  return { majorSpacingPx, majorLines: xs.length, pulseHeightPx: base - top, pulseWidthPx, traceSpanPx: right - left };
}
