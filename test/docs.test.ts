/**
 * The API reference builds with no warning: every public export is
 * documented and every {@link} resolves (typedoc.json treats warnings as
 * errors; `--emit none` validates without writing docs/api/).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('typedoc validates the public API with no warnings', () => {
  const root = join(import.meta.dirname, '..');
  const out = execFileSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], { cwd: root, encoding: 'utf8' });
  expect(out).not.toMatch(/warning|error/i);
});
