/** A small hand-rolled SVG line plotter (no dependency): axes, ticks, legend, solid or dashed series. */
export interface Series {
  name: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  dashed?: boolean;
  /** Draw markers instead of a line. */
  points?: boolean;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yMin?: number;
  yMax?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 640;
const H = 400;
const M = { l: 64, r: 16, t: 36, b: 52 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "Nice" tick positions (1-2-5 steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

export function renderPlot(spec: PlotSpec): string {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const s of spec.series) {
    for (let i = 0; i < s.xs.length; i++) {
      const x = s.xs[i];
      const y = s.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
  }
  if (!Number.isFinite(xmin)) {
    xmin = 0;
    xmax = 1;
    ymin = 0;
    ymax = 1;
  }
  if (spec.yMin !== undefined) ymin = spec.yMin;
  if (spec.yMax !== undefined) ymax = spec.yMax;
  if (xmax === xmin) xmax = xmin + 1;
  if (ymax === ymin) ymax = ymin + 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const sx = (x: number): number => M.l + ((x - xmin) / (xmax - xmin)) * pw;
  const sy = (y: number): number => M.t + ph - ((y - ymin) / (ymax - ymin)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(spec.title)}</text>`);
  for (const x of niceTicks(xmin, xmax)) {
    parts.push(`<line x1="${sx(x).toFixed(1)}" y1="${M.t}" x2="${sx(x).toFixed(1)}" y2="${M.t + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${M.t + ph + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }
  for (const y of niceTicks(ymin, ymax)) {
    parts.push(`<line x1="${M.l}" y1="${sy(y).toFixed(1)}" x2="${M.l + pw}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.l - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts: string[] = [];
    for (let j = 0; j < s.xs.length; j++) {
      const x = s.xs[j];
      const y = s.ys[j];
      if (Number.isFinite(x) && Number.isFinite(y)) pts.push(`${sx(x).toFixed(1)},${sy(Math.min(Math.max(y, ymin), ymax)).toFixed(1)}`);
    }
    if (s.points === true) {
      for (const p of pts) {
        const [x, y] = p.split(',');
        parts.push(`<circle cx="${x}" cy="${y}" r="3" fill="${c}"/>`);
      }
    } else if (pts.length > 0) {
      parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`);
    }
    const ly = M.t + 14 + i * 16;
    parts.push(`<line x1="${M.l + 10}" y1="${ly - 4}" x2="${M.l + 30}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${M.l + 36}" y="${ly}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
