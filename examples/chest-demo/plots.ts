/**
 * The demo's pictures as Vega-Lite specs, rendered to SVG by Vega in Node
 * and to PNG by resvg (a prebuilt binary shipped in its npm package, no
 * native build step): the test embeddings in the Poincaré disk (by class, and
 * by superclass for the hierarchy), density histograms of positive and
 * negative pair similarities, and per-term loss curves with their spread
 * over seeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

type Row = Record<string, number | string>;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

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

/**
 * Points of the disk, one panel per `panel` value, coloured by `group`:
 * `x`, `y` in units of 1/√c (the boundary is the unit circle), drawn with the
 * boundary and the circles of hyperbolic radius 1, 2, 4 around the origin.
 */
export function diskSpec(points: Row[], title: string, c: number, clipR: number): vl.TopLevelSpec {
  const circle = (r: number, name: string, dash: number[]) =>
    Array.from({ length: 121 }, (_, i) => ({
      x: r * Math.cos((2 * Math.PI * i) / 120),
      y: r * Math.sin((2 * Math.PI * i) / 120),
      i,
      ring: name,
      dash: dash.join(','),
    }));
  // the feature clipping of toPoincare (‖v‖ ≤ r before expmap0) keeps points within tanh(√c·r) (units of 1/√c);
  // a point at geodesic distance ρ from 0 has norm tanh(√c·ρ/2) in units of 1/√c
  const rings = [
    circle(1, 'boundary of the ball', []),
    circle(Math.tanh(Math.sqrt(c) * clipR), `feature clipping radius r = ${clipR}`, [4, 3]),
    circle(Math.tanh(Math.sqrt(c)), 'geodesic distance 2 from 0', [1, 3]),
  ].flat();
  const axis = { domain: [-1.02, 1.02], nice: false, zero: false };
  const panels = [...new Set(points.map((p) => String(p.panel)))];
  // groups in natural order (class 2 before class 10)
  const groupsOf = (panel: string): string[] =>
    [...new Set(points.filter((p) => p.panel === panel).map((p) => String(p.group)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: 'rings: the boundary (1/√c), the feature clipping radius (dashed), geodesic distance 2 from the origin (dotted)' },
    hconcat: panels.map((panel) => ({
      width: 380,
      height: 380,
      title: panel,
      layer: [
        {
          data: { values: rings },
          mark: { type: 'line', strokeWidth: 0.8 },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: axis, title: 'x (units of 1/√c)' },
            y: { field: 'y', type: 'quantitative', scale: axis, title: 'y (units of 1/√c)' },
            detail: { field: 'ring' },
            order: { field: 'i' },
            color: { value: '#888' },
            strokeDash: {
              field: 'dash',
              type: 'nominal',
              legend: null,
              scale: {
                domain: ['', '4,3', '1,3'],
                range: [
                  [1, 0],
                  [4, 3],
                  [1, 3],
                ],
              },
            },
          },
        },
        {
          data: { values: points.filter((p) => p.panel === panel) },
          mark: { type: 'circle', size: 10, opacity: 0.7 },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: axis },
            y: { field: 'y', type: 'quantitative', scale: axis },
            color: {
              field: 'group',
              type: 'nominal',
              scale: { domain: groupsOf(panel), scheme: groupsOf(panel).length <= 10 ? 'category10' : 'tableau20' },
              legend: { title: null, orient: 'bottom', columns: 4, labelLimit: 200 },
            },
          },
        },
      ],
    })),
    resolve: { scale: { color: 'independent' } },
  } as vl.TopLevelSpec;
}

/**
 * Density histograms (each side normalised to area 1) of the similarities of
 * positive and negative pairs, one panel per run; `rows` are
 * `{ run, pair, similarity }` samples.
 */
export function similaritySpec(rows: Row[], title: string, xTitle: string, bins = 40): vl.TopLevelSpec {
  const out: Row[] = [];
  const names = [...new Set(rows.map((r) => String(r.run)))];
  const runs: string[] = [];
  for (const name of names) {
    const sub = rows.filter((r) => r.run === name);
    const run = `${name} — AUC ${pairAuc(sub).toFixed(3)}`;
    runs.push(run);
    const vals = sub.map((r) => Number(r.similarity));
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const w = (hi - lo) / bins || 1;
    for (const pair of ['positive', 'negative']) {
      const v = sub.filter((r) => r.pair === pair).map((r) => Number(r.similarity));
      const counts = new Array<number>(bins).fill(0);
      for (const s of v) counts[Math.min(bins - 1, Math.floor((s - lo) / w))]++;
      counts.forEach((cnt, b) =>
        out.push({ run, pair: `${pair} (${v.length} pairs)`, side: pair, x0: lo + b * w, x1: lo + (b + 1) * w, density: v.length ? cnt / (v.length * w) : 0 }),
      );
    }
  }
  return {
    $schema: SCHEMA,
    title,
    data: { values: out },
    facet: { field: 'run', type: 'nominal', title: null, sort: runs },
    columns: 3,
    spec: {
      width: 260,
      height: 170,
      mark: { type: 'rect', opacity: 0.5 },
      encoding: {
        x: { field: 'x0', type: 'quantitative', title: xTitle, scale: { zero: false } },
        x2: { field: 'x1' },
        y: { field: 'density', type: 'quantitative', title: 'density (area 1 per side)', stack: null },
        y2: { datum: 0 },
        color: { field: 'side', type: 'nominal', scale: { domain: ['positive', 'negative'], range: ['#1f77b4', '#d62728'] }, title: 'pairs' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as vl.TopLevelSpec;
}

/**
 * ROC AUC of the similarity as a positive-vs-negative pair classifier: the
 * probability that a random positive pair is more similar than a random
 * negative one (ties count ½), by the Mann–Whitney rank sum.
 */
export function pairAuc(rows: Row[]): number {
  const v = rows.map((r) => ({ s: Number(r.similarity), pos: r.pair === 'positive' })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let nPos = 0;
  for (let i = 0; i < v.length;) {
    let j = i;
    while (j < v.length && v[j].s === v[i].s) j++;
    const rank = (i + 1 + j) / 2; // mean rank of the tie group (1-based)
    for (let k = i; k < j; k++)
      if (v[k].pos) {
        rankSum += rank;
        nPos++;
      }
    i = j;
  }
  const nNeg = v.length - nPos;
  return nPos === 0 || nNeg === 0 ? NaN : (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Loss curves per term (mean over seeds, band ± 1 std), one panel per run; rows `{ run, term, step, mean, lo, hi }`. */
export function lossSpec(rows: Row[], title: string): vl.TopLevelSpec {
  // a log axis: the terms fall by orders of magnitude from the first steps, and the spread over seeds is
  // relative to the term's size (on a linear axis the first steps flatten the bands to nothing)
  const y = { type: 'log' as const };
  // one legend for both layers, drawn as opaque strokes (the band's pale fill made the swatches hard to match)
  const legend = { labelLimit: 300, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 };
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    facet: { column: { field: 'run', type: 'nominal', title: null } },
    spec: {
      width: 240,
      height: 180,
      layer: [
        {
          mark: { type: 'area', opacity: 0.35 },
          encoding: {
            x: { field: 'step', type: 'quantitative' },
            y: { field: 'lo', type: 'quantitative', scale: y, title: 'loss term, log scale (band: mean ± std over seeds)' },
            y2: { field: 'hi' },
            color: { field: 'term', type: 'nominal', legend },
          },
        },
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'step', type: 'quantitative' },
            y: { field: 'mean', type: 'quantitative', scale: y },
            color: { field: 'term', type: 'nominal', legend },
          },
        },
      ],
    },
  } as vl.TopLevelSpec;
}
