/**
 * The device backend `gpujs-headlessgl` (Node: the native `gl` package under
 * Xvfb, Mesa rendering in software here): tensors live in textures and ops
 * pass them along without readback.
 *
 * - **Kernel parity** (the properties of device-parity.ts, shared with the
 *   browser suite): every device kernel against the js kernel in float64 on
 *   random shapes, under float32 bounds stated per family; index arithmetic
 *   past 2²¹ elements, where float32 division alone can misplace an index,
 *   exact.
 * - **A CHEST training step** (valueAndGrad + Riemannian Adam) matches js and
 *   keeps to the transfer targets: one readback per step (the loss), the
 *   parameters never uploaded after the first step, uploads per step only
 *   for batch-derived data.
 * - **Memory over 1,000 steps** with no `dispose`: live device tensors and GL
 *   textures constant from step 100 to step 1,000; garbage made outside any
 *   transformation is bounded by the budget (spilled).
 * - Default selection passes over the software renderer with its reason.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../../lib/index.ts';
import { ReleasedDataError } from '../../kernels/data.ts';
import { probeDeviceMode, type DeviceProbe } from '../../kernels/gpu/device/probe.ts';
import type { DeviceBackend } from '../../kernels/gpu/device/index.ts';
import { deviceParityCases, values } from './device-parity.ts';
import { dataRef } from '../../lib/tensor/tensor.ts';
import * as registry from '../../kernels/registry.ts';
import { displayForHeadlessGl } from '../../tools/xvfb.ts';

const display = await displayForHeadlessGl();
afterAll(() => display.started?.stop());
let probe: DeviceProbe | undefined;
let reason: string | null = display.reason ?? null;
if (reason === null) {
  probe = probeDeviceMode('headlessgl', 'test-device');
  if (!probe.ok) reason = probe.reason;
}
console.log(reason === null ? `[device] running on gpujs-headlessgl (${display.note})` : `[device] SKIPPING gpujs-headlessgl: ${reason}`);
const dev = (): DeviceBackend => (probe as { backend: DeviceBackend }).backend;

describe.skipIf(reason !== null)('gpujs-headlessgl device kernels match the js kernels (float64)', () => {
  if (reason !== null) return;
  for (const c of deviceParityCases(dev())) {
    it(
      c.name,
      () => {
        fc.assert(c.property, { numRuns: c.numRuns });
      },
      120_000,
    );
  }
});

// ------------------------------------------------------------------ training on the device

describe.skipIf(reason !== null)('a CHEST training step on gpujs-headlessgl', () => {
  const B = 24,
    D = 12,
    C = 12,
    K = 4,
    T = 48;
  const [k1, k2, k3, k4] = g.split(g.prngKey(0), 4);
  // batches come from host arrays, as a data loader gives them
  const batchAt = (step: number) => ({
    euclidean: g.tensor(g.toTypedArray(g.randomNormal(g.foldIn(k1, step), [B, D], 'float32')), [B, D]),
    hyperbolic: g.tensor(g.toTypedArray(g.mul(g.randomNormal(g.foldIn(k2, step), [B, D], 'float32'), 0.3)), [B, D]),
  });
  const init = {
    euclideanProxies: g.tensor(g.toTypedArray(g.randomNormal(k3, [C * K, D])), [C * K, D]),
    hyperbolicProxies: g.tensor(g.toTypedArray(g.mul(g.randomNormal(k4, [C * K, D]), 0.2)), [C * K, D]),
  };
  const labels = Int32Array.from({ length: B }, (_, i) => (i * 5) % C);
  const triplets = g.sampleTriplets(g.prngKey(5), C * K, T);
  const loss = g.chest({ centersPerClass: K });
  type P = typeof init;

  function train(backend: string, steps: number): { losses: number[]; params: P; transfers: g.TransferStats[] } {
    return g.withBackend(backend, () => {
      const opt = g.radam({ lr: 0.02 });
      let params = init;
      let state = opt.init(params);
      const losses: number[] = [];
      const transfers: g.TransferStats[] = [];
      for (let s = 0; s < steps; s++) {
        const batch = batchAt(s);
        g.resetTransferStats();
        const [v, gr] = g.valueAndGrad((p: P) => loss({ ...batch, ...p }, labels, triplets))(params);
        [params, state] = opt.update(gr, state, params);
        losses.push(g.item(v));
        transfers.push(g.transferStats());
      }
      return { losses, params, transfers };
    });
  }

  it('matches js, reads back only the loss and never re-uploads the parameters', () => {
    g.setBackend('wasm');
    const ref = train('js', 4);
    const run = train('gpujs-headlessgl', 4);
    for (let s = 0; s < 4; s++) expect(Math.abs(run.losses[s] - ref.losses[s])).toBeLessThan(1e-4 * Math.abs(ref.losses[s]));
    const pj = g.toArray(ref.params.hyperbolicProxies),
      pd = g.toArray(run.params.hyperbolicProxies);
    for (let i = 0; i < pj.length; i++) expect(Math.abs(pd[i] - pj[i])).toBeLessThan(1e-4);
    // one readback per step: the loss value
    for (const t of run.transfers) expect(t.readbacks).toBe(1);
    expect(run.transfers[0].readbackBytes).toBe(4);
    // after the first step the parameters live on the device: later steps upload only batch-derived data
    const paramBytes = 2 * C * K * D * 4;
    for (const t of run.transfers.slice(1)) {
      expect(t.uploads).toBe(run.transfers[1].uploads);
      expect(t.uploadBytes).toBe(run.transfers[1].uploadBytes);
    }
    expect(run.transfers[0].uploadBytes - run.transfers[1].uploadBytes).toBeGreaterThanOrEqual(paramBytes);
    console.log(`[device] CHEST step on gpujs-headlessgl: ${JSON.stringify(run.transfers[1])} per step (parameters ${paramBytes} B, uploaded in step 1 only)`);
    // the js run made no transfers at all
    for (const t of ref.transfers) expect(t).toEqual({ uploads: 0, readbacks: 0, uploadBytes: 0, readbackBytes: 0 });
  }, 300_000);
});

describe.skipIf(reason !== null)('data on one device used by another', () => {
  it('moves through the host once, counted (one readback, one upload), and keeps its values', () => {
    const x = g.tensor(values(64, 21), [8, 8]);
    const onA = g.withBackend('gpujs-headlessgl', () => g.exp(x)); // device data of the registered backend
    expect(dataRef(onA).onHost).toBe(false);
    g.resetTransferStats();
    const other = dev(); // a second GL context: another store
    const onB = other.kernels.unary('neg', dataRef(onA), 'float32');
    const t = g.transferStats();
    expect(t.readbacks).toBe(1);
    expect(t.uploads).toBe(1);
    expect(Array.from(onB.host())).toEqual(g.toArray(onA).map((v) => -v));
    // used again on B: already there, no transfer
    g.resetTransferStats();
    other.kernels.unary('abs', dataRef(onA), 'float32');
    expect(g.transferStats().uploads).toBe(0);
  });
});

describe.skipIf(reason !== null)('optimizer updates on the device', () => {
  it('rsgd (with momentum, on the ball), radam, adam and sgd run without a transfer and match js', () => {
    const ball = g.poincareBall({ c: 0.5 });
    const x0 = g.tensor(values(10 * 3, 11, -0.4, 0.4), [10, 3]);
    const t0 = g.tensor(values(10 * 3, 12), [10, 3]);
    const loss = (p: { x: g.Tensor; w: g.Tensor }): g.Tensor => g.add(g.sum(ball.dist(p.x, g.mul(p.x, 0.5))), g.sum(g.square(g.sub(p.w, t0))));
    const opts = [
      // parameter leaves in order [w, x]: x lives on the ball, w in Euclidean space
      g.rsgd({ lr: 0.05, momentum: 0.9, manifold: (i) => (i === 1 ? ball : g.euclidean()) }),
      g.radam({ lr: 0.05, manifold: (i) => (i === 1 ? ball : g.euclidean()) }),
      g.adam({ lr: 0.05 }),
      g.sgd({ lr: 0.05, momentum: 0.5 }),
    ];
    const run = (backend: string, k: number): { v: number[]; x: number[]; t: g.TransferStats } =>
      g.withBackend(backend, () => {
        const opt = opts[k] as g.Optimizer<unknown>;
        let p = { w: t0, x: x0 };
        let st = opt.init(p);
        g.resetTransferStats();
        const vs: g.Tensor[] = [];
        for (let s = 0; s < 3; s++) {
          const [v, gr] = g.valueAndGrad(loss)(p);
          [p, st] = opt.update(gr, st, p);
          vs.push(v);
        }
        const t = g.transferStats();
        return { v: vs.map((v) => g.item(v)), x: g.toArray(p.x), t };
      });
    for (let k = 0; k < opts.length; k++) {
      const a = run('js', k),
        b = run('gpujs-headlessgl', k);
      for (let s = 0; s < 3; s++) expect(Math.abs(b.v[s] - a.v[s])).toBeLessThan(1e-4 * Math.max(1, Math.abs(a.v[s])));
      for (let i = 0; i < a.x.length; i++) expect(Math.abs(b.x[i] - a.x[i])).toBeLessThan(1e-4);
      // the parameters and the state go in once (x0, t0 uploaded in step 1) and nothing comes back during the steps
      expect(b.t.readbacks).toBe(0);
      expect(b.t.uploadBytes).toBeLessThanOrEqual(3 * (x0.size + t0.size) * 4);
    }
  }, 120_000);
});

describe.skipIf(reason !== null)('device memory without dispose', () => {
  it('the backward pass frees cotangents and VJP temporaries as it goes: peak ≈ the forward values, not 4×', () => {
    // a fresh device backend, so that its peak counter sees only this call
    const p2 = probeDeviceMode('headlessgl', 'test-peak');
    if (!p2.ok) throw new Error(p2.reason);
    registry.registerBackend({ name: 'test-peak', kind: 'device', kernels: p2.backend.kernels });
    const previous = registry.activeName();
    registry.activate('test-peak');
    try {
      const n = 100_000,
        depth = 40;
      const x = g.tensor(values(n, 31, -1, 1), [n]);
      const f = (t: g.Tensor): g.Tensor => {
        let y = t;
        for (let k = 0; k < depth; k++) y = g.tanh(y);
        return g.sum(y);
      };
      const dx = g.grad(f)(x);
      const peak = p2.backend.context.store.memory.stats().peakBytes;
      const forward = (depth + 1) * n * 4; // x uploaded, and one tanh output per layer
      // without the early release the peak holds the forward values, every cotangent and every temporary (3 per layer)
      expect(peak).toBeLessThan(1.5 * forward);
      // and the gradient is right (the js float64 reference of the same chain)
      const ref = g.withBackend('js', () => g.toArray(g.grad(f)(g.cast(x, 'float64'))));
      const got = g.toArray(dx);
      for (let i = 0; i < n; i += 997) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-5);
      console.log(
        `[device] backward of a ${depth}-layer chain on [${n}]: peak ${(peak / 1e6).toFixed(1)} MB for ${(forward / 1e6).toFixed(1)} MB of forward values`,
      );
    } finally {
      registry.activate(previous);
      p2.backend.context.destroy();
    }
  }, 120_000);

  it('a gradient recorded by an outer trace keeps its temporaries (vjp of grad, hvp) and matches js', () => {
    const x = g.tensor(values(64, 41, -1, 1), [64]);
    const f = (t: g.Tensor): g.Tensor => g.sum(g.mul(g.tanh(t), g.square(t)));
    const run = (backend: string): number[][] =>
      g.withBackend(backend, () => {
        const [, back] = g.vjp((t: g.Tensor) => g.grad(f)(t), x);
        const h = g.hvp(f, x, g.onesLike(x));
        return [g.toArray((back(g.onesLike(x)) as g.Tensor[])[0]), g.toArray(h)];
      });
    const a = run('js'),
      b = run('gpujs-headlessgl');
    for (let k = 0; k < 2; k++) for (let i = 0; i < 64; i++) expect(Math.abs(b[k][i] - a[k][i])).toBeLessThan(1e-4);
  });

  const x = g.tensor(values(8 * 4, 1), [8, 4]);
  const y = g.tensor(values(8 * 6, 2), [8, 6]);
  type W = { w: g.Tensor };
  const f = (q: W): g.Tensor => g.mean(g.square(g.sub(g.tanh(g.matmul(x, q.w, { transposeB: true })), y)));

  it('a synchronous 1,000-step loop stays within the budget: intermediates freed per step, the rest spilled', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    g.withBackend('gpujs-headlessgl', () => {
      const budget = 16 * 1024;
      const base = g.deviceMemoryStats();
      g.setDeviceMemoryBudget(budget);
      try {
        const opt = g.adam({ lr: 0.01 });
        let p: W = { w: g.tensor(values(6 * 4, 3), [6, 4]) };
        let st = opt.init(p);
        let at500 = base,
          first = NaN,
          last = NaN,
          maxBytes = 0,
          heap500 = 0;
        for (let s = 1; s <= 1000; s++) {
          const [v, gr] = g.valueAndGrad(f)(p);
          [p, st] = opt.update(gr, st, p);
          maxBytes = Math.max(maxBytes, g.deviceMemoryStats().liveBytes);
          if (s === 1) first = g.item(v);
          if (s === 500) {
            at500 = g.deviceMemoryStats();
            heap500 = heap();
          }
          if (s === 1000) last = g.item(v);
        }
        const at1000 = g.deviceMemoryStats();
        // the JS heap does not grow either: nothing (not even a WeakRef, whose target a synchronous job keeps
        // alive to its end) holds the tensors of finished steps
        const growth = heap() - heap500;
        expect(growth).toBeLessThan(1024 * 1024);
        expect(last).toBeLessThan(first);
        expect(maxBytes).toBeLessThanOrEqual(budget + 256);
        // steady state: the same live tensors and GL textures at step 500 and step 1000
        expect(at1000.live).toBe(at500.live);
        expect(at1000.glTextures).toBe(at500.glTextures);
        // a step's ~30 intermediates are freed by the scopes; what survives a step (loss, gradients, superseded
        // parameters and moments) is unreachable but cannot be known dead inside one synchronous job, so it spills
        const perStep = (at1000.freed - at500.freed) / 500;
        const spilledPerStep = (at1000.spilled - at500.spilled) / 500;
        expect(perStep).toBeGreaterThan(20);
        expect(spilledPerStep).toBeLessThanOrEqual(6);
        console.log(
          `[device] synchronous 1,000 steps, budget ${budget} B: max live ${maxBytes} B, live tensors ${at500.live} → ${at1000.live}, ` +
            `GL textures ${at500.glTextures} → ${at1000.glTextures}; per step ${perStep} freed, ${spilledPerStep} spilled; heap growth step 500 → 1000: ${(growth / 1024).toFixed(0)} KiB`,
        );
      } finally {
        g.setDeviceMemoryBudget(base.budgetBytes);
      }
    });
  }, 300_000);

  it('a loop that yields to the event loop lets the garbage collector free the rest: nothing spills', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const previous = g.backend();
    g.setBackend('gpujs-headlessgl');
    try {
      const opt = g.adam({ lr: 0.01 });
      let p: W = { w: g.tensor(values(6 * 4, 3), [6, 4]) };
      let st = opt.init(p);
      const settle = async (): Promise<void> => {
        gc();
        await new Promise((r) => setTimeout(r, 5));
        gc();
        await new Promise((r) => setTimeout(r, 5));
      };
      await settle();
      const start = g.deviceMemoryStats();
      let at100 = start;
      g.resetTransferStats();
      for (let s = 1; s <= 1000; s++) {
        const [, gr] = g.valueAndGrad(f)(p);
        [p, st] = opt.update(gr, st, p);
        if (s % 100 === 0) {
          await settle();
          if (s === 100) at100 = g.deviceMemoryStats();
        }
      }
      await settle();
      const at1000 = g.deviceMemoryStats();
      expect(at1000.live).toBe(at100.live);
      expect(at1000.glTextures).toBe(at100.glTextures);
      expect(at1000.spilled).toBe(start.spilled);
      expect(at1000.collected - at100.collected).toBeGreaterThan(900 * 4);
      expect(g.transferStats().readbacks).toBe(0);
      console.log(
        `[device] yielding 1,000 steps: live tensors ${at100.live} → ${at1000.live}, GL textures ${at100.glTextures} → ${at1000.glTextures}, collected ${at1000.collected - start.collected}, spilled ${at1000.spilled - start.spilled}`,
      );
    } finally {
      g.setBackend(previous);
    }
  }, 300_000);

  it('device data made outside any transformation stays within the budget (least recently used spill to host)', () => {
    g.withBackend('gpujs-headlessgl', () => {
      const before = g.deviceMemoryStats();
      g.setDeviceMemoryBudget(64 * 1024);
      try {
        let x = g.tensor(values(1024, 4), [1024]);
        const kept: g.Tensor[] = [];
        for (let s = 0; s < 200; s++) {
          x = g.add(g.mul(x, 0.5), 1); // 4 KiB per result, none of them in a scope
          if (s % 50 === 0) kept.push(x);
          expect(g.deviceMemoryStats().liveBytes).toBeLessThanOrEqual(64 * 1024 + before.liveBytes);
        }
        expect(g.deviceMemoryStats().spilled).toBeGreaterThan(before.spilled);
        // spilled values read correctly from their host copies
        const exact = (s: number): number => {
          let v = 0;
          for (let i = 0; i <= s; i++) v = v * 0.5 + 1;
          return v;
        };
        const v0 = values(1024, 4)[0];
        expect(g.toArray(kept[0])[0]).toBeCloseTo(v0 * 0.5 + 1, 5);
        expect(g.toArray(kept[3])[0]).toBeCloseTo(v0 * 0.5 ** 151 + exact(150), 5);
      } finally {
        g.setDeviceMemoryBudget(before.budgetBytes);
      }
    });
  }, 120_000);

  it('an intermediate that escapes valueAndGrad is released: reading it is a typed error', () => {
    g.withBackend('gpujs-headlessgl', () => {
      let leaked: g.Tensor | undefined;
      const x = g.tensor([1, 2, 3]);
      const [v, gr] = g.valueAndGrad((t: g.Tensor) => {
        leaked = g.exp(t);
        return g.sum(leaked);
      })(x);
      expect(g.item(v)).toBeCloseTo(Math.E + Math.E ** 2 + Math.E ** 3, 4);
      expect(g.toArray(gr as g.Tensor)[2]).toBeCloseTo(Math.E ** 3, 4);
      expect(() => g.toArray(leaked!)).toThrow(ReleasedDataError);
      expect(dataRef(gr as g.Tensor).onHost).toBe(true); // read above
    });
  });
});

describe.skipIf(reason !== null)('choosing a backend', () => {
  it('the default passes over headless GL on a software renderer and says why', () => {
    const info = g.backendInfo().find((b) => b.name === 'gpujs-headlessgl')!;
    expect(info.available).toBe(true);
    expect(info.kind).toBe('device');
    expect(info.isDefault).toBe(false);
    expect(info.software).toBe(true);
    expect(info.passedOver).toMatch(/software|not identified/);
    expect(g.defaultBackend()).not.toBe('gpujs-headlessgl');
    console.log(`[device] gpujs-headlessgl passed over: ${info.passedOver}`);
  });
});
