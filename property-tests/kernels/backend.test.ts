/**
 * The backend layer (lib/backend.ts) over the kernel registry: gpu.js routes
 * are listed, probed, selected transparently for float32 and never for float64.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  availableBackends,
  backend,
  backendUnavailableReason,
  BackendUnavailableError,
  defaultBackend,
  listBackends,
  setBackend,
  withBackend,
} from '../../lib/backend.ts';
import { ValueError } from '../../lib/errors.ts';
import { kernel, kernelsOf, registerBackend, servingBackend, activate as setBackendRaw, unregisterBackend } from '../../kernels/registry.ts';
import { TensorData } from '../../kernels/data.ts';
import { jsKernels } from '../../kernels/js/index.ts';

describe('backend layer', () => {
  const initial = backend();
  afterEach(() => setBackend('js'));

  it('lists js, wasm and the gpu.js routes; js is always available; the default is wasm where it runs, else js', () => {
    expect(listBackends()).toEqual(expect.arrayContaining(['js', 'wasm', 'gpujs-cpu', 'gpujs-webasm', 'gpujs-headlessgl']));
    expect(availableBackends()).toContain('js');
    const wasmReason = backendUnavailableReason('wasm');
    console.log(`[backend] default here: ${defaultBackend()}${wasmReason === null ? '' : ` (wasm unavailable: ${wasmReason})`}`);
    expect(defaultBackend()).toBe(wasmReason === null ? 'wasm' : 'js');
    // no GYROGRAD_BACKEND in the test environment: the first kernel use selected the default
    if (process.env.GYROGRAD_BACKEND === undefined) expect(initial).toBe(defaultBackend());
    expect(() => backendUnavailableReason('nope')).toThrow(ValueError);
  });

  it('withBackend selects a backend for one call and restores the previous one, also on throw', () => {
    setBackend('js');
    expect(withBackend('js', () => backend())).toBe('js');
    if (availableBackends().includes('wasm')) {
      expect(withBackend('wasm', () => backend())).toBe('wasm');
      expect(() =>
        withBackend('wasm', () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
    }
    expect(backend()).toBe('js');
    expect(() => withBackend('nope', () => 1)).toThrow(ValueError);
    expect(backend()).toBe('js');
  });

  it('withBackend covers the synchronous part of an async fn only (as its TSDoc says)', async () => {
    setBackend('js');
    const other = availableBackends().includes('wasm') ? 'wasm' : 'js';
    const seen: string[] = [];
    const done = withBackend(other, async () => {
      seen.push(backend());
      await null;
      seen.push(backend());
    });
    expect(backend()).toBe('js');
    await done;
    expect(seen).toEqual([other, 'js']);
  });

  it('with a gpu.js backend active, small products run on the wasm matmul and missing kernels on wasm before js', () => {
    const avail = availableBackends();
    if (!avail.includes('gpujs-cpu') || !avail.includes('wasm')) {
      console.log(`[backend] fallback chain not testable here: available ${avail.join(', ')}`);
      expect(avail).toContain('js');
      return;
    }
    const M = 8,
      K = 64,
      N = 8; // 4096 multiply-adds: below the gpu.js threshold
    let s = 12345;
    const rnd = (n: number): Float32Array =>
      Float32Array.from({ length: n }, () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return Math.fround(s / 2 ** 32 - 0.5);
      });
    const args = {
      a: rnd(M * K),
      aShape: [M, K],
      b: rnd(K * N),
      bShape: [K, N],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32' as const,
    };
    const viaWasm = kernelsOf('wasm')!.matmul!(args);
    const viaJs = jsKernels.matmul(args);
    // float32 accumulation (wasm) and float64 accumulation (js) differ on these data, so the check below can tell them apart
    expect(Array.from(viaWasm)).not.toEqual(Array.from(viaJs));
    setBackend('gpujs-cpu');
    const dataArgs = { ...args, a: TensorData.fromHost(args.a), b: TensorData.fromHost(args.b) };
    expect(Array.from(kernel('matmul', 'float32')(dataArgs).host())).toEqual(Array.from(viaWasm));
    // a backend without a matmul of its own gets wasm's; with js active, float32 stays on js
    registerBackend({ name: 'test-without-kernels', kernels: {} });
    setBackendRaw('test-without-kernels');
    expect(servingBackend('matmul', 'float32')).toBe('wasm');
    expect(Array.from(kernel('matmul', 'float32')(dataArgs).host())).toEqual(Array.from(viaWasm));
    expect(servingBackend('reduce', 'float32')).toBe('js');
    setBackend('js');
    expect(servingBackend('matmul', 'float32')).toBe('js');
    expect(Array.from(kernel('matmul', 'float32')(dataArgs).host())).toEqual(Array.from(viaJs));
    expect(unregisterBackend('test-without-kernels')).toBe(true);
    expect(availableBackends()).not.toContain('test-without-kernels');
  });

  it('wasm, when available, serves float32 matmul only; float64 and other kernels stay on js', () => {
    const reason = backendUnavailableReason('wasm');
    if (reason !== null) {
      console.log(`[backend] wasm unavailable here: ${reason}`);
      expect(() => setBackend('wasm')).toThrow(BackendUnavailableError);
      return;
    }
    setBackend('wasm');
    expect(backend()).toBe('wasm');
    expect(servingBackend('matmul', 'float32')).toBe('wasm');
    expect(servingBackend('matmul', 'float64')).toBe('js');
    expect(servingBackend('reduce', 'float32')).toBe('js');
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
    expect(servingBackend('matmul', 'float32')).toBe('gpujs-cpu');
    expect(servingBackend('poincarePairwiseForward', 'float32')).toBe('gpujs-cpu');
    expect(servingBackend('matmul', 'float64')).toBe('js');
    expect(['js', 'wasm']).toContain(servingBackend('reduce', 'float32')); // not implemented on gpu.js
    // a small float32 product goes through the gpu backend's kernel and falls back to js below the threshold
    const r = kernel(
      'matmul',
      'float32',
    )({
      a: TensorData.fromHost(new Float32Array([1, 2, 3, 4])),
      aShape: [2, 2],
      b: TensorData.fromHost(new Float32Array([1, 0, 0, 1])),
      bShape: [2, 2],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32',
    });
    expect(Array.from(r.host())).toEqual([1, 2, 3, 4]);
  });
});
