/**
 * Chart geometry, pure: data in, an SVG document out (axes, ticks and their labels, bars and lines,
 * dashed series for forecasts, horizontal reference lines such as a reservation, a title and a
 * legend). No I/O and no fonts here: ./png.ts rasterizes the string in the worker.
 *
 * Text on a chart is digits, units and a few Latin technical tokens only (CPU, MEM, avg, max, USD):
 * the one embedded font (./chart-sans.ttf, a DejaVu Sans subset of printable ASCII, 20 KB) has no
 * Hangul. The words around the chart, in the reader's language, are in the Slack message next to it
 * (docs/charts.md says why).
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  kind: 'line' | 'bars';
  /** Legend text (digits/Latin). */
  label: string;
  color: string;
  /** Dashed line, or outlined hatched-looking bars: a forecast rather than a measurement. */
  dashed?: boolean;
  /** Thinner, lighter line (an average under its maximum). */
  faint?: boolean;
  points: readonly Point[];
}

/** A horizontal line across the plot (e.g. the reservation at 100 %). */
export interface Rule {
  y: number;
  label: string;
  color: string;
  dashed?: boolean;
}

export interface Tick {
  at: number;
  label: string;
}

export interface ChartSpec {
  title: string;
  width?: number;
  height?: number;
  /** The x domain; bars are centred on their x and `barWidth` (x units) wide. */
  x: { min: number; max: number; ticks: readonly Tick[]; barWidth?: number };
  /** The y axis starts at 0 and reaches at least `atLeast`; labels are `prefix` + number + `suffix`. */
  y: { atLeast?: number; prefix?: string; suffix?: string };
  series: readonly Series[];
  rules?: readonly Rule[];
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 400;
const FONT = 'Chart Sans, DejaVu Sans, sans-serif';

/** The plot area inside the margins (title above, legend below, y labels on the left). */
export function plotArea(spec: Pick<ChartSpec, 'width' | 'height'>): Box {
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? DEFAULT_HEIGHT;
  return { left: 72, top: 44, right: width - 24, bottom: height - 64 };
}

const finite = (p: Point): boolean => Number.isFinite(p.x) && Number.isFinite(p.y);

/** A "nice" step (1, 2, 2.5 or 5 × 10^n) for about `count` intervals over [0, max]. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  if (!(mag > 0)) return 1;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** The y axis: 0 to a multiple of a nice step at or above the data, the rules and `atLeast`. */
export function yAxis(spec: Pick<ChartSpec, 'y' | 'series' | 'rules'>): { max: number; step: number } {
  const values = [
    ...spec.series.flatMap((s) => s.points.filter(finite).map((p) => p.y)),
    ...(spec.rules ?? []).filter((r) => Number.isFinite(r.y)).map((r) => r.y),
    spec.y.atLeast ?? 0,
  ];
  const top = Math.max(0, ...values);
  // Below a millionth (or nothing at all) the axis is 0–1: tiny values are drawn on the baseline.
  if (!(top >= 1e-6)) return { max: 1, step: 0.2 };
  const step = niceStep(top);
  return { max: Math.ceil(top / step - 1e-9) * step, step };
}

/** 1234 → "1,234"; 1.5 → "1.5"; 2_500_000 → "2.5M": short enough for a tick label. */
export function shortNumber(n: number): string {
  const abs = Math.abs(n);
  const trim = (s: string) => s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  if (abs >= 1e9) return trim((n / 1e9).toFixed(1)) + 'B';
  if (abs >= 1e6) return trim((n / 1e6).toFixed(1)) + 'M';
  if (abs >= 1e4) return trim((n / 1e3).toFixed(1)) + 'k';
  if (abs >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString('en-US');
  return trim(n.toFixed(abs >= 10 ? 1 : 2));
}

/** Maps data to pixels inside `box`; values outside the domain are clamped to its edges. */
export function scaler(spec: ChartSpec): { x: (v: number) => number; y: (v: number) => number; box: Box; yMax: number; yStep: number } {
  const box = plotArea(spec);
  const { max, step } = yAxis(spec);
  const half = (spec.x.barWidth ?? 0) / 2;
  const xMin = spec.x.min - half;
  const xMax = spec.x.max + half;
  const span = xMax > xMin ? xMax - xMin : 1;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const x = (v: number) => round(box.left + ((clamp(v, xMin, xMax) - xMin) / span) * (box.right - box.left));
  const y = (v: number) => round(box.bottom - (clamp(v, 0, max) / max) * (box.bottom - box.top));
  return { x, y, box, yMax: max, yStep: step };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** XML text escaping (the title comes from configuration: service aliases, environment names). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? v : escapeXml(v!)}"`)
    .join('');

function text(x: number, y: number, s: string, a: Record<string, string | number | undefined> = {}): string {
  return `<text${attrs({ x, y, ...a })}>${escapeXml(s)}</text>`;
}

/** The SVG document of `spec`. Non-finite points are skipped; an empty chart still has its axes. */
export function chartSvg(spec: ChartSpec): string {
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? DEFAULT_HEIGHT;
  const s = scaler(spec);
  const { box } = s;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': FONT, 'font-size': 13 })}>`,
  );
  out.push(`<rect${attrs({ width, height, fill: '#ffffff' })}/>`);
  out.push(text(box.left, 26, spec.title, { 'font-size': 16, 'font-weight': 'bold', fill: '#1d1c1d', class: 'title' }));

  // Grid and y labels.
  out.push('<g class="y-axis">');
  for (let v = 0; v <= s.yMax + 1e-9; v += s.yStep) {
    const y = s.y(v);
    out.push(`<line${attrs({ x1: box.left, y1: y, x2: box.right, y2: y, stroke: v === 0 ? '#616061' : '#e8e8e8', 'stroke-width': 1 })}/>`);
    const label = `${spec.y.prefix ?? ''}${shortNumber(v)}${spec.y.suffix ?? ''}`;
    out.push(text(box.left - 8, y + 4, label, { 'text-anchor': 'end', fill: '#616061' }));
  }
  out.push('</g>');

  // X ticks.
  out.push('<g class="x-axis">');
  for (const t of spec.x.ticks) {
    if (!Number.isFinite(t.at) || t.at < spec.x.min || t.at > spec.x.max) continue;
    const x = s.x(t.at);
    out.push(`<line${attrs({ x1: x, y1: box.bottom, x2: x, y2: box.bottom + 5, stroke: '#616061' })}/>`);
    out.push(text(x, box.bottom + 20, t.label, { 'text-anchor': 'middle', fill: '#616061' }));
  }
  out.push('</g>');

  // Data.
  out.push('<g class="data">');
  const barSeries = spec.series.filter((x) => x.kind === 'bars');
  const barPx = barPixels(spec, s.x);
  for (const series of spec.series) {
    const pts = series.points.filter(finite);
    if (series.kind === 'bars') {
      const w = barPx / Math.max(1, barSeries.length);
      const offset = barSeries.indexOf(series) * w - barPx / 2;
      for (const p of pts) {
        // A bar outside the x domain is outside the picture (a line is clamped to the edge instead).
        if (p.x < spec.x.min || p.x > spec.x.max) continue;
        const y = s.y(Math.max(0, p.y));
        const x = Math.max(box.left, round(s.x(p.x) + offset + w * 0.1));
        const width = round(Math.min(w * 0.8, box.right - x));
        if (!(width > 0)) continue;
        const h = round(s.y(0) - y);
        out.push(
          `<rect${attrs({
            class: 'series',
            x,
            y,
            width,
            height: h,
            fill: series.dashed ? 'none' : series.color,
            stroke: series.dashed ? series.color : undefined,
            'stroke-dasharray': series.dashed ? '4 3' : undefined,
            'stroke-width': series.dashed ? 1.5 : undefined,
          })}/>`,
        );
      }
    } else if (pts.length) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${s.x(p.x)} ${s.y(p.y)}`).join(' ');
      out.push(
        `<path${attrs({
          class: 'series',
          d,
          fill: 'none',
          stroke: series.color,
          'stroke-width': series.faint ? 1.2 : 2,
          'stroke-opacity': series.faint ? 0.55 : 1,
          'stroke-dasharray': series.dashed ? '6 4' : undefined,
          'stroke-linejoin': 'round',
        })}/>`,
      );
      if (pts.length === 1)
        out.push(`<circle${attrs({ class: 'series', cx: s.x(pts[0]!.x), cy: s.y(pts[0]!.y), r: 3, fill: series.color })}/>`);
    }
  }
  for (const r of spec.rules ?? []) {
    if (!Number.isFinite(r.y)) continue;
    const y = s.y(r.y);
    out.push(
      `<line${attrs({ class: 'rule', x1: box.left, y1: y, x2: box.right, y2: y, stroke: r.color, 'stroke-width': 1.5, 'stroke-dasharray': r.dashed ? '8 4' : undefined })}/>`,
    );
    out.push(text(box.right - 4, y - 5, r.label, { 'text-anchor': 'end', fill: r.color, 'font-size': 12 }));
  }
  out.push('</g>');

  // Legend: one swatch per series, left to right under the x labels.
  out.push('<g class="legend">');
  let lx = box.left;
  const ly = height - 18;
  for (const series of spec.series) {
    if (series.kind === 'bars')
      out.push(
        `<rect${attrs({ x: lx, y: ly - 9, width: 12, height: 10, fill: series.dashed ? 'none' : series.color, stroke: series.color, 'stroke-dasharray': series.dashed ? '3 2' : undefined })}/>`,
      );
    else
      out.push(
        `<line${attrs({ x1: lx, y1: ly - 4, x2: lx + 18, y2: ly - 4, stroke: series.color, 'stroke-width': series.faint ? 1.2 : 2, 'stroke-opacity': series.faint ? 0.55 : 1, 'stroke-dasharray': series.dashed ? '6 4' : undefined })}/>`,
      );
    out.push(text(lx + 24, ly, series.label, { fill: '#1d1c1d' }));
    lx += 24 + Math.ceil(series.label.length * 7.5) + 20;
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('');
}

/** Bar width in pixels: the x scale of one `barWidth`, or a slot of the plot when unset. */
function barPixels(spec: ChartSpec, x: (v: number) => number): number {
  const bw = spec.x.barWidth;
  if (bw && bw > 0) return Math.max(1, x(spec.x.min + bw) - x(spec.x.min));
  const n = Math.max(1, ...spec.series.filter((s) => s.kind === 'bars').map((s) => s.points.length));
  const box = plotArea(spec);
  return (box.right - box.left) / n;
}
