/**
 * The demo (`npm run demo`) runs, prints finite losses, and learns.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('examples/train-tiny.ts trains: the loss falls and stays finite', () => {
  const root = join(import.meta.dirname, '..');
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/train-tiny.ts', '--steps', '60'], { cwd: root, encoding: 'utf8' });
  const losses = [...out.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBeGreaterThanOrEqual(3);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
});
