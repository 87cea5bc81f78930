/**
 * The backend layer (lib/backend.ts) over the kernel registry: gpu.js routes
 * are listed, probed, selected transparently for float32 and never for float64.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { availableBackends, backend, BackendUnavailableError, listBackends, setBackend } from '../../lib/backend.ts';
import { ValueError } from '../../lib/errors.ts';
import { kernel } from '../../kernels/registry.ts';
import { jsKernels } from '../../kernels/js/index.ts';

describe('backend layer', () => {
  afterEach(() => setBackend('js'));

  it('lists js and the gpu.js routes; js is the default and always available', () => {
    expect(listBackends()).toEqual(expect.arrayContaining(['js', 'gpujs-cpu', 'gpujs-webasm', 'gpujs-headlessgl']));
    expect(availableBackends()).toContain('js');
    expect(backend()).toBe('js');
  });

  it('an unknown name is a ValueError and keeps the current backend', () => {
    expect(() => setBackend('nope')).toThrow(ValueError);
    expect(backend()).toBe('js');
  });

  it('gpujs-cpu, when available, serves float32 matmul and poincarePairwiseForward; float64 stays on js', () => {
    const avail = availableBackends();
    console.log(`[backend] available here: ${avail.join(', ')}`);
    if (!avail.includes('gpujs-cpu')) {
      expect(() => setBackend('gpujs-cpu')).toThrow(BackendUnavailableError);
      return;
    }
    setBackend('gpujs-cpu');
    expect(backend()).toBe('gpujs-cpu');
    expect(kernel('matmul', 'float32')).not.toBe(jsKernels.matmul);
    expect(kernel('poincarePairwiseForward', 'float32')).not.toBe(jsKernels.poincarePairwiseForward);
    expect(kernel('matmul', 'float64')).toBe(jsKernels.matmul);
    expect(kernel('reduce', 'float32')).toBe(jsKernels.reduce); // not implemented on gpu.js: js
    // a small float32 product goes through the gpu backend's kernel and falls back to js below the threshold
    const r = kernel('matmul', 'float32')({
      a: new Float32Array([1, 2, 3, 4]), aShape: [2, 2], b: new Float32Array([1, 0, 0, 1]), bShape: [2, 2],
      transposeA: false, transposeB: false, batchShape: [], dtype: 'float32',
    });
    expect(Array.from(r)).toEqual([1, 2, 3, 4]);
  });
});
