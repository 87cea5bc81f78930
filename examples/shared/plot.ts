/**
 * The examples' shared picture helper (not an example itself): a Vega-Lite
 * spec is compiled by vega-lite, rendered to SVG by vega in Node (no
 * browser, no canvas) and rasterised to PNG by resvg, the approach of
 * examples/chest-demo/plots.ts. Pictures go to examples/out/ (gitignored).
 *
 *   import { render, diskOutline } from './shared/plot.ts';
 *   await render(spec, 'my-picture');   // → examples/out/my-picture.svg and .png
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** examples/out/, next to this file. */
export const OUT_DIR = join(import.meta.dirname, '..', 'out');

/** A Vega-Lite spec; re-exported so examples need not import vega-lite themselves. */
export type Spec = vl.TopLevelSpec;

/** One panel of a side-by-side (`hconcat`) spec. */
export type Panel = Extract<Spec, { hconcat: unknown }>['hconcat'][number];

/** A row of plotted data. */
export type Row = Record<string, number | string>;

/**
 * Renders `spec` to `examples/out/<name>.svg` and `.png` (PNG at twice the
 * SVG's size); returns the two paths relative to the working directory.
 */
export async function render(spec: Spec, name: string): Promise<string[]> {
  mkdirSync(OUT_DIR, { recursive: true });
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const svgPath = join(OUT_DIR, `${name}.svg`);
  const pngPath = join(OUT_DIR, `${name}.png`);
  writeFileSync(svgPath, svg);
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(pngPath, png);
  return [svgPath, pngPath].map((p) => relative(process.cwd(), p));
}

/** `n + 1` points of the circle of radius `r` (closed), with an `order` field for line marks. */
export function diskOutline(r = 1, n = 240): Row[] {
  return Array.from({ length: n + 1 }, (_, i) => ({ x: r * Math.cos((2 * Math.PI * i) / n), y: r * Math.sin((2 * Math.PI * i) / n), order: i }));
}
