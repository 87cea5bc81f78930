/**
 * The demos run: `npm run demo -- --quick` writes its tables, JSON and
 * pictures with finite numbers for every protocol, loss and head; the tiny
 * `grad` example learns (a slow suite: vitest.suites.ts). The demo's
 * statistics are tested in demo-stats.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

it('the CHEST demo (--quick) writes results.md, results.json and the pictures, all finite', () => {
  const out = mkdtempSync(join(tmpdir(), 'chest-demo-'));
  try {
    const t0 = performance.now();
    const log = execFileSync(process.execPath, ['--import', 'tsx', 'examples/chest-demo/main.ts', '--quick', '--out', out], { cwd: root, encoding: 'utf8' });
    console.log(`demo --quick: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(log).toContain('CHEST — hyperbolic head');
    const protocols = ['mnist-unseen', 'mnist-seen', 'hierarchy-seen'];
    const files = [
      'results.md',
      'results.json',
      'poincare-disk.svg',
      'poincare-disk.png',
      ...protocols.flatMap((p) => [`similarities-${p}.png`, `loss-${p}.png`, `similarities-${p}.svg`, `loss-${p}.svg`]),
    ];
    for (const f of files) expect(existsSync(join(out, f)), f).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.protocols.map((p: { id: string }) => p.id)).toEqual(protocols);
    for (const p of json.protocols) {
      // raw + 1 run per loss (one seed in --quick), each head scored
      expect(p.runs.map((r: { variant: string }) => r.variant)).toEqual(['euclidean', 'hyperbolic', 'chest']);
      expect(Object.keys(p.runs[2].scores).sort()).toEqual(['e', 'h']);
      expect(p.runs[2].checkpoints.length).toBe(4);
    }
    const numbers: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') numbers.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(json.protocols);
    expect(numbers.length).toBeGreaterThan(100);
    expect(numbers.every(Number.isFinite)).toBe(true);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).not.toMatch(/NaN/);
    expect(md).toContain('dendrogram purity');
    expect(md).toContain('p (sign test)');
    // each head against the raw features with its one-sample test, and the hierarchy's tree metrics in the paired tests
    expect(md).toContain('p (one-sample t)');
    expect(md).toMatch(/\| CHEST H head − hyperbolic-only \| tree dist\. of mistakes ↓ \(Δ in edges\) \| [+-]\d/);
    expect(readFileSync(join(out, 'poincare-disk.png')).subarray(1, 4).toString()).toBe('PNG');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('examples/train-tiny.ts trains: the loss falls and stays finite', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/train-tiny.ts', '--steps', '60'], { cwd: root, encoding: 'utf8' });
  const losses = [...out.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBeGreaterThanOrEqual(3);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
});
