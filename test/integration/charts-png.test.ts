/**
 * The rasterizer (src/charts/png.ts) for real: resvg's WebAssembly module and the embedded font read
 * from disk, the bot's own charts rendered to PNG (signature and IHDR size checked), text drawn with
 * the font, identical charts rendered once, and where the assets are looked up in a built bundle.
 */
import path from 'node:path';
import { assetCandidates, FONT_FILE, svgToPng, WASM_FILE } from '../../src/charts/png';
import { costChart, rightsizeChart } from '../../src/charts/specs';
import { chartSvg } from '../../src/charts/svg';
import { CHART_ZOOM } from '../../src/commands/chart.run';
import { pngSize } from '../helpers/png';

const svgOf = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="#fff"/>${body}</svg>`;

describe('svgToPng', () => {
  it('renders the cost chart to a PNG at the zoom the bot uses, and at twice that', async () => {
    const daily = Array.from({ length: 17 }, (_, i) => ({ date: `2025-05-${String(i + 1).padStart(2, '0')}`, amount: 42 }));
    const svg = chartSvg(costChart({ scope: 'prod', daily, today: '2025-05-17', forecastMonthEnd: 1302 }));
    expect(pngSize(await svgToPng(svg, CHART_ZOOM))).toEqual({ width: 800 * CHART_ZOOM, height: 400 * CHART_ZOOM });
    expect(pngSize(await svgToPng(svg, 2 * CHART_ZOOM))).toEqual({ width: 1600 * CHART_ZOOM, height: 800 * CHART_ZOOM });
  });

  it('renders the right-sizing chart, and text is drawn with the embedded font', async () => {
    const t0 = Date.UTC(2025, 4, 1);
    const s = (v: number[]) => ({ timestamps: v.map((_, i) => t0 + i * 3_600_000), values: v });
    const png = await svgToPng(
      chartSvg(
        rightsizeChart({
          scope: 'web (prod)',
          days: 1,
          cpuMax: s([30, 40]),
          cpuAvg: s([10, 12]),
          memMax: s([50, 55]),
          memAvg: s([45, 46]),
        }),
      ),
    );
    expect(pngSize(png)).toEqual({ width: 800, height: 400 });
    // Without a font resvg draws no text at all: the two would then be the same picture.
    const text = await svgToPng(svgOf('<text x="10" y="28" font-size="20" font-family="DejaVu Sans">CPU 42%</text>'));
    const blank = await svgToPng(svgOf('<text x="10" y="28" font-size="20" font-family="DejaVu Sans"></text>'));
    expect(pngSize(text)).toEqual({ width: 120, height: 40 });
    expect(Buffer.from(text).equals(Buffer.from(blank))).toBe(false);
  });

  it('an identical chart is rendered once (twenty people asking the same question)', async () => {
    const svg = svgOf('<circle cx="20" cy="20" r="10" fill="#1264a3"/>');
    expect(await svgToPng(svg)).toBe(await svgToPng(svg));
    expect(await svgToPng(svg, 2)).not.toBe(await svgToPng(svg));
  });

  it('an SVG resvg cannot parse is an error, not a blank picture', async () => {
    await expect(svgToPng('<svg')).rejects.toThrow();
  });

  it('looks for its assets next to the bundle first (dist/charts/), then in the sources', () => {
    expect(assetCandidates(WASM_FILE, '/var/task/dist', '/var/task')).toEqual([
      '/var/task/dist/charts/resvg.wasm',
      '/var/task/dist/resvg.wasm',
      '/var/task/node_modules/@resvg/resvg-wasm/index_bg.wasm',
    ]);
    expect(assetCandidates(FONT_FILE, path.join('/repo', 'src/charts'), '/repo')[1]).toBe('/repo/src/charts/chart-sans.ttf');
  });
});
