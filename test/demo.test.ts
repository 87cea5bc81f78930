/**
 * The demos run: `npm run demo -- --quick` writes its table, JSON and
 * pictures with finite numbers; the tiny `grad` example learns.
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
    const log = execFileSync(process.execPath, ['--import', 'tsx', 'examples/chest-demo/main.ts', '--quick', '--out', out], { cwd: root, encoding: 'utf8' });
    expect(log).toContain('CHEST — hyperbolic head');
    for (const f of ['results.md', 'results.json', 'poincare-disk.svg', 'poincare-disk.png', 'similarities.svg', 'similarities.png', 'loss-curves.svg', 'loss-curves.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const numbers: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') numbers.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(json.results);
    walk(json.finalLosses);
    expect(numbers.length).toBeGreaterThan(20);
    expect(numbers.every(Number.isFinite)).toBe(true);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).not.toMatch(/NaN/);
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
