/**
 * The chart geometry (src/charts/svg.ts, specs.ts), pure: the SVG's structure for the two charts the
 * bot draws (snapshots), every data mark inside the plot area for any data (property tests), and the
 * edge cases: no data, one point, all zero, huge values, non-finite values, text that needs escaping.
 */
import fc from 'fast-check';
import { chartSvg, niceStep, plotArea, shortNumber, yAxis, type ChartSpec, type Series } from '../../src/charts/svg';
import { costChart, dayTicks, rightsizeChart } from '../../src/charts/specs';

/** The SVG as a list of "tag.class" and text nodes: what the picture is made of, without the numbers. */
function structure(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<(\/?)(\w+)([^>]*?)\/?>|([^<]+)/g)) {
    if (m[4] !== undefined) out.push(`"${m[4]}"`);
    else if (!m[1]) {
      const cls = /class="([^"]+)"/.exec(m[3] ?? '')?.[1];
      out.push(cls ? `${m[2]}.${cls}` : m[2]!);
    }
  }
  return out;
}

const attr = (tag: string, name: string): number => Number(new RegExp(`\\s${name}="([^"]+)"`).exec(tag)?.[1]);

/** Every data mark's corner coordinates: path vertices, bar rectangles, single-point circles, rules. */
function marks(svg: string): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  for (const [tag] of svg.matchAll(/<(path|rect|circle|line) class="(series|rule)"[^>]*>/g)) {
    if (tag.startsWith('<path')) {
      const d = /\sd="([^"]+)"/.exec(tag)![1]!;
      for (const m of d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) out.push({ x: Number(m[1]), y: Number(m[2]) });
    } else if (tag.startsWith('<rect')) {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((n) => attr(tag, n)) as [number, number, number, number];
      out.push({ x, y }, { x: x + w, y: y + h });
    } else if (tag.startsWith('<circle')) out.push({ x: attr(tag, 'cx'), y: attr(tag, 'cy') });
    else out.push({ x: attr(tag, 'x1'), y: attr(tag, 'y1') }, { x: attr(tag, 'x2'), y: attr(tag, 'y2') });
  }
  return out;
}

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const series = (from: number, values: number[], stepMs = 3_600_000) => ({
  timestamps: values.map((_, i) => from + i * stepMs),
  values,
});

describe('the cost chart', () => {
  const daily = ['2025-05-01', '2025-05-02', '2025-05-03'].map((date, i) => ({ date, amount: [40, 42.5, 12][i]! }));

  it('draws daily bars and the forecast spread over the days left as outlined bars', () => {
    const spec = costChart({ scope: 'prod', daily, today: '2025-05-03', forecastMonthEnd: 82.5 + 29 * 10 });
    const forecast = spec.series.find((s) => s.dashed)!;
    // May 3 to May 31: 29 days; the forecast from today is month end − actual before today = 290.
    expect(forecast.points).toHaveLength(29);
    expect(forecast.points[0]).toEqual({ x: day('2025-05-03'), y: 10 });
    expect(forecast.points.at(-1)!.x).toBe(day('2025-05-31'));
    expect(spec.x).toMatchObject({ min: day('2025-05-01'), max: day('2025-05-31'), barWidth: DAY });
    const svg = chartSvg(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400"')).toBe(true);
    expect(structure(svg)).toMatchSnapshot();
  });

  it('without a forecast: only the actual days; a negative credit draws no bar below the axis', () => {
    const spec = costChart({ scope: 'web (prod)', daily: [...daily, { date: '2025-05-04', amount: -3 }] });
    expect(spec.series).toHaveLength(1);
    expect(spec.title).toBe('web (prod) · ECS USD/day · 05-01 – 05-04');
    const svg = chartSvg(spec);
    const box = plotArea(spec);
    for (const p of marks(svg)) expect(p.y).toBeLessThanOrEqual(box.bottom);
  });
});

describe('the right-sizing chart', () => {
  it('draws CPU and memory peaks and averages against the reservation at 100% and the recommended size', () => {
    const from = day('2025-05-01');
    const spec = rightsizeChart({
      scope: 'web (prod)',
      days: 2,
      cpuMax: series(from, [30, 90, 25, 28]),
      cpuAvg: series(from, [10, 20, 12, 11]),
      memMax: series(from, [40, 41, 39, 40]),
      memAvg: series(from, [35, 35, 35, 35]),
      next: { cpuPct: 50, memoryPct: 100 },
    });
    expect(spec.rules!.map((r) => r.label)).toEqual(['reserved 100%', 'new CPU 50%']);
    expect(yAxis(spec).max).toBe(100);
    const svg = chartSvg(spec);
    expect(structure(svg)).toMatchSnapshot();
  });

  it('a service over its reservation (memory at 130%) gets an axis above 100%', () => {
    const from = day('2025-05-01');
    const spec = rightsizeChart({
      scope: 'x',
      days: 1,
      cpuMax: series(from, [50]),
      cpuAvg: series(from, []),
      memMax: series(from, [130]),
      memAvg: series(from, []),
    });
    expect(yAxis(spec).max).toBeGreaterThanOrEqual(130);
    expect(chartSvg(spec)).toContain('>150%<');
  });
});

describe('edge cases', () => {
  const base = (s: Series[], extra: Partial<ChartSpec> = {}): ChartSpec => ({
    title: 't',
    x: { min: 0, max: 10, ticks: [{ at: 0, label: '0' }] },
    y: { prefix: '$' },
    series: s,
    ...extra,
  });

  it('no data: axes and a title, no marks', () => {
    const svg = chartSvg(base([{ kind: 'line', label: 'a', color: '#000', points: [] }]));
    expect(marks(svg)).toEqual([]);
    expect(svg).toContain('>$0<');
    expect(svg).toContain('>$1<');
    expect(chartSvg(costChart({ scope: 'prod', daily: [] }))).toContain('no data');
  });

  it('one point: a dot where the line would be', () => {
    const svg = chartSvg(base([{ kind: 'line', label: 'a', color: '#000', points: [{ x: 5, y: 3 }] }]));
    expect(structure(svg)).toEqual(expect.arrayContaining(['path.series', 'circle.series']));
  });

  it('all zero: a 0–1 axis and flat marks on the baseline', () => {
    const spec = base([{ kind: 'bars', label: 'a', color: '#000', points: [0, 1, 2].map((x) => ({ x, y: 0 })) }]);
    expect(yAxis(spec)).toEqual({ max: 1, step: 0.2 });
    const box = plotArea(spec);
    for (const p of marks(chartSvg(spec))) expect(p.y).toBe(box.bottom);
  });

  it('huge values: short tick labels, marks still inside', () => {
    const spec = base([
      {
        kind: 'line',
        label: 'a',
        color: '#000',
        points: [
          { x: 0, y: 3.2e9 },
          { x: 10, y: 1 },
        ],
      },
    ]);
    const svg = chartSvg(spec);
    expect(svg).toContain('>$4B<');
    expect(shortNumber(2_500_000)).toBe('2.5M');
    expect(shortNumber(12_000)).toBe('12k');
    expect(shortNumber(1234)).toBe('1,234');
    expect(shortNumber(0.25)).toBe('0.25');
  });

  it('non-finite values are skipped, not drawn at NaN', () => {
    const svg = chartSvg(
      base([
        {
          kind: 'line',
          label: 'a',
          color: '#000',
          points: [
            { x: 1, y: NaN },
            { x: 2, y: Infinity },
            { x: 3, y: 2 },
          ],
        },
      ]),
    );
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(marks(svg)).toHaveLength(2); // the one point left: its path vertex and its dot
  });

  it('escapes text from configuration', () => {
    const svg = chartSvg(base([], { title: 'a<b & "c"' }));
    expect(svg).toContain('>a&lt;b &amp; &quot;c&quot;<');
  });

  it('day ticks: at most 8 labels, each a day', () => {
    expect(dayTicks(day('2025-05-01'), day('2025-05-31')).map((t) => t.label)).toEqual([
      '05-01',
      '05-05',
      '05-09',
      '05-13',
      '05-17',
      '05-21',
      '05-25',
      '05-29',
    ]);
    expect(dayTicks(day('2025-05-01'), day('2025-05-01'))).toEqual([{ at: day('2025-05-01'), label: '05-01' }]);
  });

  it('nice steps', () => {
    expect([0.9, 7, 42, 130, 999].map((m) => niceStep(m))).toEqual([0.2, 2, 10, 50, 200]);
    expect(niceStep(0)).toBe(1);
  });
});

describe('properties', () => {
  const value = fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }));
  const points = fc.array(fc.record({ x: fc.integer({ min: -5, max: 105 }), y: value }), { maxLength: 40 });

  it('every mark of any data lies inside the plot area, and the y axis covers every value', () => {
    fc.assert(
      fc.property(points, points, fc.boolean(), fc.option(value, { nil: undefined }), (a, b, bars, rule) => {
        const spec: ChartSpec = {
          title: 'p',
          x: { min: 0, max: 100, ticks: [], ...(bars ? { barWidth: 1 } : {}) },
          y: { suffix: '%' },
          series: [
            { kind: bars ? 'bars' : 'line', label: 'a', color: '#111', points: a },
            { kind: bars ? 'bars' : 'line', label: 'b', color: '#222', dashed: true, points: b },
          ],
          rules: rule === undefined ? [] : [{ y: rule, label: 'r', color: '#333' }],
        };
        const box = plotArea(spec);
        const eps = 0.11; // coordinates are rounded to 0.1 px
        for (const p of marks(chartSvg(spec))) {
          expect(p.x).toBeGreaterThanOrEqual(box.left - eps);
          expect(p.x).toBeLessThanOrEqual(box.right + eps);
          expect(p.y).toBeGreaterThanOrEqual(box.top - eps);
          expect(p.y).toBeLessThanOrEqual(box.bottom + eps);
        }
        const top = Math.max(0, ...[...a, ...b].map((p) => p.y), rule ?? 0);
        expect(yAxis(spec).max).toBeGreaterThanOrEqual(top);
      }),
      { numRuns: 150 },
    );
  });

  it('a larger value is drawn higher (smaller y), within one series', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 20 }), (ys) => {
        const spec: ChartSpec = {
          title: 'm',
          x: { min: 0, max: ys.length - 1, ticks: [] },
          y: {},
          series: [{ kind: 'line', label: 'a', color: '#000', points: ys.map((y, x) => ({ x, y })) }],
        };
        const vertices = marks(chartSvg(spec));
        const max = yAxis(spec).max;
        for (let i = 0; i < ys.length; i++)
          for (let j = 0; j < ys.length; j++) if (ys[i]! - ys[j]! > max / 1000) expect(vertices[i]!.y).toBeLessThanOrEqual(vertices[j]!.y);
      }),
      { numRuns: 100 },
    );
  });
});
