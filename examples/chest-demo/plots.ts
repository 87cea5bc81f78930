/**
 * The demo's pictures as Vega-Lite specs, rendered to SVG by Vega in Node
 * and to PNG by resvg (a prebuilt binary shipped in its npm package, no
 * native build step): the test embeddings in the Poincaré disk, histograms
 * of positive and negative similarities, and the loss curves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

type Row = Record<string, number | string>;

/** Renders a Vega-Lite spec to `<dir>/<name>.svg` and `.png`; returns the file names. */
export async function render(spec: vl.TopLevelSpec, dir: string, name: string): Promise<string[]> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  writeFileSync(join(dir, `${name}.svg`), svg);
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(join(dir, `${name}.png`), png);
  return [`${name}.svg`, `${name}.png`];
}

/** Points of the unit disk (coordinates already divided by the radius), coloured by class, with the boundary circle. */
export function diskSpec(points: Row[], title: string): vl.TopLevelSpec {
  const circle = Array.from({ length: 201 }, (_, i) => ({ x: Math.cos((2 * Math.PI * i) / 200), y: Math.sin((2 * Math.PI * i) / 200), i }));
  const axis = { domain: [-1.05, 1.05], nice: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: circle },
        mark: { type: 'line', color: '#444', strokeWidth: 1 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: axis, title: null },
          y: { field: 'y', type: 'quantitative', scale: axis, title: null },
          order: { field: 'i' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'circle', size: 14, opacity: 0.75 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: axis },
          y: { field: 'y', type: 'quantitative', scale: axis },
          color: { field: 'class', type: 'nominal', scale: { scheme: 'category10' } },
        },
      },
    ],
  };
}

/** Histograms of similarities of positive and negative pairs, one panel per run. */
export function similaritySpec(rows: Row[], title: string): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    facet: { column: { field: 'run', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 200,
      mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
      encoding: {
        x: { field: 'similarity', type: 'quantitative', bin: { maxbins: 40 }, title: 'similarity (−d in the ball)' },
        y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'pairs' },
        color: { field: 'pair', type: 'nominal', scale: { domain: ['positive', 'negative'], range: ['#1f77b4', '#d62728'] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Training-loss curves (mean over seeds, with a band from the min to the max). */
export function lossSpec(rows: Row[], title: string): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    facet: { column: { field: 'run', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          mark: { type: 'area', opacity: 0.25 },
          encoding: {
            x: { field: 'step', type: 'quantitative' },
            y: { field: 'lo', type: 'quantitative', title: 'training loss' },
            y2: { field: 'hi' },
          },
        },
        { mark: 'line', encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
