/**
 * Canvas drawing for the playground: the Poincaré disk with the test
 * embeddings (coloured by class; a ring in the superclass's colour for the
 * hierarchy) and the proxies, and small line charts (losses, Recall@1).
 */

import { CLASS_COLOURS, SUPER_COLOURS } from './colours.ts';

/** What {@link drawDisk} draws. */
export interface DiskScene {
  /** `[n, 2]` points in the unit disk */
  readonly points: Float32Array;
  /** class of each point */
  readonly labels: Int32Array;
  /** superclass of each class, or null */
  readonly superclasses: Int32Array | null;
  /** `[C·K, 2]` proxies in the unit disk (class-major: K per class) */
  readonly proxies: Float32Array;
  /** proxies per class */
  readonly K: number;
}

/** Draws the Poincaré disk (boundary circle, geodesic grid circles) and the scene. */
export function drawDisk(ctx: CanvasRenderingContext2D, scene: DiskScene | null): void {
  const { width: w, height: h } = ctx.canvas;
  const r = Math.min(w, h) / 2 - 8,
    cx = w / 2,
    cy = h / 2;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#f4f6fa';
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.strokeStyle = '#d5d9e0';
  ctx.lineWidth = 1;
  // circles of hyperbolic radius 1, 2, 3 around the origin (curvature −1 after scaling): Euclidean radius tanh(ρ/2)
  for (const rho of [1, 2, 3]) {
    ctx.beginPath();
    ctx.arc(cx, cy, r * Math.tanh(rho / 2), 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.strokeStyle = '#555b66';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  ctx.stroke();
  if (scene === null) return;
  const { points, labels, superclasses, proxies, K } = scene;
  for (let i = 0; i < labels.length; i++) {
    const x = cx + r * points[2 * i],
      y = cy - r * points[2 * i + 1];
    const cls = labels[i];
    if (superclasses !== null) {
      ctx.strokeStyle = SUPER_COLOURS[superclasses[cls] % SUPER_COLOURS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(x, y, 5.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.fillStyle = CLASS_COLOURS[cls % CLASS_COLOURS.length];
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.lineWidth = 2.5;
  for (let p = 0; p < proxies.length / 2; p++) {
    const x = cx + r * proxies[2 * p],
      y = cy - r * proxies[2 * p + 1];
    ctx.strokeStyle = CLASS_COLOURS[Math.floor(p / K) % CLASS_COLOURS.length];
    ctx.beginPath();
    ctx.moveTo(x - 6, y - 6);
    ctx.lineTo(x + 6, y + 6);
    ctx.moveTo(x + 6, y - 6);
    ctx.lineTo(x - 6, y + 6);
    ctx.stroke();
  }
}

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly colour: string;
  readonly values: readonly number[];
}

/** Draws line series against the epoch (1 … n) with a legend; `yRange` fixes the axis, else it fits the data. */
export function drawChart(ctx: CanvasRenderingContext2D, title: string, series: readonly Series[], yRange?: readonly [number, number]): void {
  const { width: w, height: h } = ctx.canvas;
  const left = 44,
    right = 10,
    top = 22,
    bottom = 24;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#222';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(title, left, 14);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const n = Math.max(2, ...series.map((s) => s.values.length));
  let [lo, hi] = yRange ?? [Math.min(...all), Math.max(...all)];
  if (!(hi > lo)) [lo, hi] = [lo - 1, lo + 1];
  const X = (i: number): number => left + ((w - left - right) * i) / (n - 1);
  const Y = (v: number): number => top + ((h - top - bottom) * (hi - v)) / (hi - lo);
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  ctx.fillStyle = '#666';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(hi.toFixed(2), 4, top + 8);
  ctx.fillText(lo.toFixed(2), 4, h - bottom);
  ctx.textAlign = 'right';
  ctx.fillText(`epochs 1–${n}`, w - right, 14);
  ctx.textAlign = 'left';
  series.forEach((s, k) => {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(X(i), Y(v)) : ctx.lineTo(X(i), Y(v))));
    ctx.stroke();
    ctx.fillStyle = s.colour;
    ctx.fillText(s.name, left + 6 + k * 92, h - 8);
  });
}
