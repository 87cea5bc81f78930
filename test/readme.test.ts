/**
 * The README's quickstart is real code: extract it, run it as a module that
 * imports the package by name, and check it prints what it promises.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

it('the README quickstart runs and prints the shapes it promises', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('## Quickstart')[1];
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, 'README has a ```ts block under ## Quickstart').toBeTruthy();
  expect(code!.split('\n').length).toBeLessThanOrEqual(25);
  const dir = mkdtempSync(join(root, 'test', '.quickstart-'));
  try {
    const file = join(dir, 'quickstart.ts');
    writeFileSync(file, code!);
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('[ 2, 3 ] [ 2, 3 ] [ 4, 4 ] [ 6, 8 ]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
