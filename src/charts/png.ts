/**
 * SVG → PNG in the worker with resvg compiled to WebAssembly (@resvg/resvg-wasm: no native binary,
 * the same on Lambda, in CI and on a laptop). Loaded only with `await import('../charts/png')` when a
 * chart is drawn, so neither the Slack-facing bundle nor the worker's cold start pays for it; the
 * WebAssembly module (2.4 MB) and the font (20 KB) are read from disk and compiled on the first
 * render of a process, then reused (docs/charts.md has the measured cost).
 *
 * Where the files are: next to the bundle in `dist/charts/` (scripts/build.mjs copies them there and
 * serverless.yml packages them with the worker), or, running from the sources (tests, ts-node),
 * the font beside this file and the module in node_modules.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

export const WASM_FILE = 'resvg.wasm';
export const FONT_FILE = 'chart-sans.ttf';

/** Candidate paths of an asset, first existing wins. */
export function assetCandidates(name: string, dir = __dirname, cwd = process.cwd()): string[] {
  const out = [join(dir, 'charts', name), join(dir, name)];
  if (name === WASM_FILE) out.push(join(cwd, 'node_modules/@resvg/resvg-wasm/index_bg.wasm'));
  if (name === FONT_FILE) out.push(join(cwd, 'src/charts', FONT_FILE));
  return out;
}

function locate(name: string): string {
  const found = assetCandidates(name).find((p) => existsSync(p));
  if (!found) throw new Error(`chart asset ${name} not found (looked in ${assetCandidates(name).join(', ')})`);
  return found;
}

let ready: Promise<Uint8Array> | undefined;

/** Compiles the WebAssembly module and reads the font, once per process. */
function init(): Promise<Uint8Array> {
  ready ??= (async () => {
    const [wasm, font] = await Promise.all([readFile(locate(WASM_FILE)), readFile(locate(FONT_FILE))]);
    await initWasm(wasm);
    return new Uint8Array(font);
  })().catch((err: unknown) => {
    ready = undefined; // a failed start is retried by the next chart
    throw err;
  });
  return ready;
}

/** The last few PNGs by their SVG: twenty people asking the same question get one rendering. */
const recent = new Map<string, Promise<Uint8Array>>();
const RECENT = 4;

/** The PNG of `svg` at its own size (scaled by `zoom` for sharper text on high-density screens). */
export function svgToPng(svg: string, zoom = 1): Promise<Uint8Array> {
  const key = createHash('sha256').update(`${zoom}\n${svg}`).digest('hex');
  let png = recent.get(key);
  if (!png) {
    png = render(svg, zoom);
    recent.set(key, png);
    png.catch(() => recent.delete(key));
    while (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  }
  return png;
}

async function render(svg: string, zoom: number): Promise<Uint8Array> {
  const font = await init();
  const r = new Resvg(svg, {
    font: { fontBuffers: [font], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: zoom === 1 ? { mode: 'original' } : { mode: 'zoom', value: zoom },
    background: '#ffffff',
  });
  try {
    const image = r.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    r.free();
  }
}
