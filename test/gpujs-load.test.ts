/**
 * Loading gpu.js asynchronously (browsers): a failed dynamic import — a chunk
 * fetch that failed on a flaky network — is not remembered for the page's
 * life; the next `loadGpuJs` tries again and can succeed. A module without a
 * GPU class is reported as such. The importer is replaced through the
 * test-only hook, and restored after each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GpuJsMissingError, loadGpuJs, withGpuJsImporterForTests } from '../kernels/gpu/load.ts';

class FakeGpu {}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('loadGpuJs', () => {
  it('retries after a failed chunk fetch, and the retry can succeed', async () => {
    let calls = 0;
    restore = withGpuJsImporterForTests(() => {
      calls++;
      return calls === 1
        ? Promise.reject(new TypeError('Failed to fetch dynamically imported module: /assets/gpu-browser.js'))
        : Promise.resolve({ GPU: FakeGpu });
    });
    const first = await loadGpuJs().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(GpuJsMissingError);
    expect(String((first as Error).message)).toMatch(/gpu\.js failed to load: Failed to fetch dynamically imported module/);
    await expect(loadGpuJs()).resolves.toBe(FakeGpu);
    expect(calls).toBe(2);
    // once loaded, no further import
    await expect(loadGpuJs()).resolves.toBe(FakeGpu);
    expect(calls).toBe(2);
  });

  it('says to install gpu.js when the module is not found, and shares one pending import', async () => {
    let calls = 0;
    restore = withGpuJsImporterForTests(() => {
      calls++;
      return Promise.reject(Object.assign(new Error("Cannot find package 'gpu.js'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    });
    const [a, b] = await Promise.all([loadGpuJs().catch((e: unknown) => e), loadGpuJs().catch((e: unknown) => e)]);
    expect(calls).toBe(1);
    expect((a as Error).message).toMatch(/npm install gpu\.js/);
    expect(b).toBeInstanceOf(GpuJsMissingError);
  });

  it('rejects a module that exports no GPU class', async () => {
    restore = withGpuJsImporterForTests(() => Promise.resolve({ something: 1 }));
    await expect(loadGpuJs()).rejects.toThrow(/exports no GPU class/);
  });
});
