/**
 * Test helper (not a test file): which gpu.js modes run here, for the GL
 * parity and soak tests. Starts an Xvfb for `headlessgl` when needed (stopped
 * after the calling file), probes every mode once, and prints each skip with
 * its reason.
 */
import { afterAll } from 'vitest';
import { GPU_MODES, probeMode, type GpuMode } from '../../kernels/gpu/index.ts';
import { displayForHeadlessGl } from '../../tools/xvfb.ts';

/** `null` for a mode that runs, else why it does not; `tag` prefixes the printed lines. */
export async function gpuModeAvailability(tag: string): Promise<Map<GpuMode, string | null>> {
  const display = await displayForHeadlessGl();
  afterAll(() => display.started?.stop());
  if (display.started !== undefined) console.log(`[${tag}] ${display.note}`);
  const availability = new Map<GpuMode, string | null>();
  for (const mode of GPU_MODES) {
    if (mode === 'headlessgl' && display.reason !== undefined) {
      availability.set(mode, display.reason);
      continue;
    }
    const r = probeMode(mode);
    if (r.ok) r.set.destroy();
    availability.set(mode, r.ok ? null : r.reason);
  }
  for (const [mode, reason] of availability) {
    console.log(reason !== null ? `[${tag}] SKIPPING gpujs-${mode}: ${reason}` : `[${tag}] running on gpujs-${mode}`);
  }
  return availability;
}
