/**
 * The harness's static servers without a browser (tools/browser/harness.ts):
 * `serveDir` serves files under its directory with their content types and
 * COOP/COEP, answers 404 outside it (path traversal) and 400 for a malformed
 * percent-escape — which used to throw out of the request handler — and keeps
 * serving afterwards; `serve` serves its page and bundle.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve, serveDir } from '../../tools/browser/harness.ts';

describe('serveDir / serve (Node only)', () => {
  it('serves files under the directory, 404 outside it, 400 for a malformed escape, and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gyrograd-serve-'));
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(join(dir, 'site', 'a b.js'), 'export {}');
    writeFileSync(join(dir, 'secret.js'), 'nope');
    const s = await serveDir(join(dir, 'site'));
    try {
      const index = await fetch(s.url);
      expect(index.status).toBe(200);
      expect(await index.text()).toBe('<p>hi</p>');
      expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      const js = await fetch(`${s.url}a%20b.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${s.url}..%2Fsecret.js`)).status).toBe(404);
      expect((await fetch(`${s.url}missing.js`)).status).toBe(404);
      expect((await fetch(`${s.url}%E0%A4%A.js`)).status).toBe(400);
      expect((await fetch(s.url)).status).toBe(200);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serve: the page at / loads /bundle.js; other paths are 404', async () => {
    const s = await serve('console.log(1)', { title: 't' });
    try {
      expect(await (await fetch(s.url)).text()).toMatch(/<script type="module" src="\/bundle.js">/);
      expect(await (await fetch(`${s.url}bundle.js`)).text()).toBe('console.log(1)');
      expect((await fetch(`${s.url}x.js`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
