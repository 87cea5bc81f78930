/**
 * Browser page for test/browser/device.test.ts: on `gpujs-webgl2` (WebGL2,
 * rendered by SwiftShader in headless Chromium), `gpujs-webgl` (WebGL1) and `wasm`, the op cases
 * and a CHEST training loop of device-shared.ts, with the backend that ran,
 * its renderer and why the default passed it over, and the transfer counts;
 * and the device kernel parity properties (property-tests/kernels/device-parity.ts)
 * on fresh webgl2 and webgl backends.
 */
import * as g from '../../../lib/index.ts';
import { publish } from '../../../tools/browser/page.ts';
import { opCases, readAll, trainChest, type TrainReport } from './device-shared.ts';
import { deviceParityCases, runParityCases } from '../../../property-tests/kernels/device-parity.ts';
import { probeDeviceMode } from '../../../kernels/gpu/device/probe.ts';

/** What the device page publishes. */
export interface DeviceReport {
  defaultBackend: string;
  info: g.BackendInfo[];
  ops: Record<string, Record<string, number[]>>;
  train: Record<string, TrainReport>;
  memory: g.DeviceMemoryInfo;
  /** the device kernel parity properties per GL mode: name, pass, failure report */
  parity: Record<string, { name: string; ok: boolean; message: string }[]>;
}

publish(async (): Promise<DeviceReport> => {
  await g.loadGpuBackends(); // gpu.js loads on demand in a browser
  const info = g.backendInfo();
  const ops: Record<string, Record<string, number[]>> = {};
  const train: Record<string, TrainReport> = {};
  for (const b of ['gpujs-webgl2', 'gpujs-webgl', 'wasm']) {
    ops[b] = await readAll(g.withBackend(b, opCases));
    train[b] = await trainChest(b, 3);
  }
  const parity: DeviceReport['parity'] = {};
  for (const mode of ['webgl2', 'webgl'] as const) {
    const p = probeDeviceMode(mode, `parity-${mode}`);
    parity[mode] = p.ok ? runParityCases(deviceParityCases(p.backend), 20261125) : [{ name: 'probe', ok: false, message: p.reason }];
    if (p.ok) p.backend.context.destroy();
  }
  return { defaultBackend: g.defaultBackend(), info, ops, train, memory: g.deviceMemoryStats('gpujs-webgl2'), parity };
});
