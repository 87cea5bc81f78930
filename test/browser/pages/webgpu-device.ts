/**
 * Browser page for the WebGPU part of test/browser/device.test.ts (Chromium
 * launched with --enable-unsafe-webgpu: SwiftShader's Vulkan adapter):
 * `await setBackend('gpujs-webgpu')`, the op cases and the CHEST training loop
 * of device-shared.ts read with `toArrayAsync`, and what a synchronous read
 * of device data does there.
 */
import * as g from '../../../lib/index.ts';
import { publish } from '../../../tools/browser/page.ts';
import { opCases, readAll, trainChest, type TrainReport } from './device-shared.ts';

/** What the WebGPU page publishes. */
export interface WebGpuDeviceReport {
  available: boolean;
  reason: string | null;
  info: g.BackendInfo | undefined;
  ops: Record<string, number[]> | null;
  train: TrainReport | null;
  /** the error a synchronous toArray of device data threw (name: message) */
  syncRead: string | null;
  /** deviceMemoryStats('gpujs-webgpu') after the loop */
  memory: g.DeviceMemoryInfo | null;
  /** String(t) of a WebGPU-only tensor */
  printed: string | null;
}

publish(async (): Promise<WebGpuDeviceReport> => {
  try {
    await g.setBackend('gpujs-webgpu');
  } catch (e) {
    return {
      available: false,
      reason: e instanceof Error ? e.message : String(e),
      info: undefined,
      ops: null,
      train: null,
      syncRead: null,
      memory: null,
      printed: null,
    };
  }
  const ops = await readAll(opCases());
  let syncRead: string | null = null;
  try {
    g.toArray(g.exp(g.tensor([1, 2, 3])));
  } catch (e) {
    syncRead = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const train = await trainChest('gpujs-webgpu', 3);
  const info = g.backendInfo().find((b) => b.name === 'gpujs-webgpu');
  const printed = String(g.exp(g.tensor([1, 2, 3])));
  return { available: true, reason: null, info, ops, train, syncRead, memory: g.deviceMemoryStats('gpujs-webgpu'), printed };
});
