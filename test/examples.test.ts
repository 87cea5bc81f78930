/**
 * Every notebook-style example in examples/ runs to completion (quick mode
 * where it has one) and prints no non-finite number.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));

it('there are examples to run', () => {
  expect(examples.length).toBeGreaterThanOrEqual(2);
});

for (const file of examples) {
  it(`examples/${file} runs and prints only finite numbers`, () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join('examples', file), '--quick'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GYROGRAD_QUICK: '1' },
    });
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toMatch(/\bNaN\b|\bInfinity\b/);
  });
}
