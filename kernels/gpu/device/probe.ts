/**
 * Probing gpu.js's GL modes as device backends: a mode is available when a
 * `GPU` of that mode can be made and a tiny pipelined kernel round-trips
 * through a texture correctly. The probe also reads the GL renderer
 * (`WEBGL_debug_renderer_info` where exposed, else `RENDERER`) and flags
 * software rasterisers (SwiftShader, llvmpipe, softpipe, …): they run the
 * kernels correctly but slower than the CPU backends, so the default never
 * picks them (see lib/backend.ts).
 */
import type { GPU } from 'gpu.js';
import { gpuJs } from '../load.ts';
import { isSoftwareRenderer } from '../renderer.ts';
import { TensorData, uncounted } from '../../data.ts';
import type { MatmulArgs } from '../../js/matmul.ts';
import type { Storage } from '../../types.ts';
import { createDeviceBackend, type DeviceBackend } from './index.ts';
import type { DeviceContextOptions } from './context.ts';

/** gpu.js GL modes wrapped as device backends. */
export type DeviceMode = 'headlessgl' | 'webgl2' | 'webgl';
/** Every device mode, in order of preference. */
export const DEVICE_MODES: readonly DeviceMode[] = ['webgl2', 'webgl', 'headlessgl'];

/** What a probe learned about the GL implementation. */
export interface RendererInfo {
  /** the GL renderer string, or '' when unreadable */
  readonly renderer: string;
  /** the GL vendor string, or '' when unreadable */
  readonly vendor: string;
  /** whether the renderer is a software rasteriser */
  readonly software: boolean;
}

/** What a timed probe measured (see {@link timedProbe}). */
export interface TimedProbe {
  /** best time of a 256³ float32 matmul with its readback on the device (ms) */
  readonly deviceMs: number;
  /** best time of the same product on the host kernel it was compared with (ms) */
  readonly hostMs: number;
}

/** Result of {@link probeDeviceMode}. */
export type DeviceProbe = { readonly ok: true; readonly backend: DeviceBackend; readonly info: RendererInfo } | { readonly ok: false; readonly reason: string };

export { isHardwareRenderer, isSoftwareRenderer } from '../renderer.ts';

interface GlLike {
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
  RENDERER: number;
  VENDOR: number;
}

/** The renderer of a gpu.js GPU's GL context. */
export function rendererOf(gpu: GPU): RendererInfo {
  const gl = (gpu as unknown as { context?: GlLike }).context;
  let renderer = '',
    vendor = '';
  try {
    if (gl && typeof gl.getParameter === 'function') {
      const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number; UNMASKED_VENDOR_WEBGL: number } | null;
      renderer = String((ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : null) ?? gl.getParameter(gl.RENDERER) ?? '');
      vendor = String((ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : null) ?? gl.getParameter(gl.VENDOR) ?? '');
      if (renderer === 'ANGLE') {
        // headless-gl's JS wrapper masks RENDERER as "ANGLE"; its native getParameter (one prototype up) tells the truth
        const native = Object.getPrototypeOf(Object.getPrototypeOf(gl)) as { getParameter?: (this: GlLike, p: number) => unknown } | null;
        const real = native?.getParameter?.call(gl, gl.RENDERER);
        if (typeof real === 'string' && real !== '') renderer = real;
        const realVendor = native?.getParameter?.call(gl, gl.VENDOR);
        if (typeof realVendor === 'string' && realVendor !== '') vendor = realVendor;
      }
    }
  } catch {
    // unreadable: leave empty
  }
  return { renderer, vendor, software: isSoftwareRenderer(renderer) };
}

/** The probe kernel of every device mode: `2·a + 1`, pipelined. */
export const PROBE_SRC = 'function (a) { return 2 * a[this.thread.x] + 1; }';

/** Values an 8-bit packing (gpu.js's 'unsigned' precision, where float textures are missing) would not keep. */
export const PROBE_INPUT = Float32Array.of(1 / 3, -12345.678, 1e-20);

/** Throws unless `r` is the probe kernel's float32 result on {@link PROBE_INPUT}. */
export function checkProbeResult(r: ArrayLike<number>): void {
  const want = Array.from(PROBE_INPUT, (v) => Math.fround(Math.fround(2 * v) + 1));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(r[i] - want[i]) <= 2 ** -22 * Math.abs(want[i]))) {
      throw new Error(`probe kernel returned [${Array.from(r).join(', ')}], expected [${want.join(', ')}] (no float32 storage?)`);
    }
  }
}

/** Tries to make a device backend of `mode`; returns it with its renderer, or the reason it cannot run. */
export function probeDeviceMode(mode: DeviceMode, name: string, opts: DeviceContextOptions = {}): DeviceProbe {
  let gpu: GPU | undefined;
  try {
    gpu = new (gpuJs())({ mode });
    if (gpu.mode !== mode) throw new Error(`gpu.js runs mode '${gpu.mode}' instead of '${mode}'`);
    const k = gpu.createKernel(PROBE_SRC, {
      output: [PROBE_INPUT.length],
      pipeline: true,
      immutable: true,
      precision: 'single',
    }) as unknown as ((a: Float32Array) => { toArray(): ArrayLike<number>; delete(): void }) & { destroy?: () => void };
    const t = k(PROBE_INPUT);
    const r = t.toArray();
    t.delete();
    k.destroy?.();
    checkProbeResult(r);
    const info = rendererOf(gpu);
    return { ok: true, backend: createDeviceBackend(name, gpu, opts), info };
  } catch (e) {
    if (gpu) void gpu.destroy().catch(() => undefined);
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/**
 * Times a 256³ float32 matmul with its readback on the device against
 * `hostMatmul` (best of three after a warm-up), for GLs that hide their
 * renderer (headless-gl reports only "ANGLE"): a device slower than the CPU
 * route is treated like a software renderer. Transfers are not counted.
 */
export function timedProbe(b: DeviceBackend, hostMatmul: (args: MatmulArgs) => Storage): TimedProbe {
  const n = 256;
  const vals = new Float32Array(n * n);
  for (let i = 0; i < vals.length; i++) vals[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const shape = [n, n];
  const common = { aShape: shape, bShape: shape, transposeA: false, transposeB: false, batchShape: [], dtype: 'float32' as const };
  const clock = (globalThis as { performance?: { now(): number } }).performance ?? Date;
  return uncounted(() => {
    const best = (f: () => void): number => {
      f();
      let t = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = clock.now();
        f();
        t = Math.min(t, clock.now() - t0);
      }
      return t;
    };
    const deviceMs = best(() => {
      const a = TensorData.fromHost(vals),
        c = TensorData.fromHost(vals);
      const out = b.kernels.matmul({ ...common, a, b: c });
      out.host();
      out.release();
      a.release();
      c.release();
    });
    const hostMs = best(() => {
      hostMatmul({ ...common, a: vals, b: vals });
    });
    return { deviceMs, hostMs };
  });
}
