/**
 * saveParams / loadParams (safetensors): round trips of random float32 and
 * float64 trees (values bit-exact, structure and dtypes kept), the byte layout
 * (little-endian u64 header length, 8-byte aligned JSON header, contiguous
 * offsets), and every kind of malformed file giving a Left — in linear time.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../lib/index.ts';
import type { Tensor, Tree } from '../../lib/index.ts';
import { shapeArb } from '../../lib/testing/index.ts';
import { DeviceMemory, SyncReadError, TensorData, type DeviceStore } from '../../kernels/data.ts';
import { fromData } from '../../lib/tensor/tensor.ts';
import { bestInterleaved } from '../support/timing.ts';

const leafArb = fc.tuple(shapeArb({ maxRank: 3, minDim: 0 }), fc.constantFrom('float32' as const, 'float64' as const)).chain(([s, dt]) => {
  const n = s.reduce((p, d) => p * d, 1);
  const v = dt === 'float32' ? fc.float({ noNaN: true }).map((x) => Math.fround(x)) : fc.double({ noNaN: true });
  return fc.array(v, { minLength: n, maxLength: n }).map((vals) => g.tensor(vals, s, dt));
});

const keyArb = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }),
    fc.dictionary(keyArb, tie('tree'), { minKeys: 1, maxKeys: 3 }),
  ),
})).tree;

function expectSameTree(a: Tree, b: Tree): void {
  expect(g.sameStructure(a, b)).toBe(true);
  const la = g.treeLeaves(a),
    lb = g.treeLeaves(b);
  la.forEach((x: Tensor, i) => {
    expect(lb[i].dtype).toBe(x.dtype);
    expect(lb[i].shape).toEqual(x.shape);
    const va = g.toArray(x),
      vb = g.toArray(lb[i]);
    va.forEach((v, k) => expect(Object.is(vb[k], v)).toBe(true)); // bit-exact, −0 included
  });
}

/** A file made by hand from a header object and a data section. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), declared?: number): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, declared ?? h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('saveParams / loadParams round trip', () => {
  test.prop([treeArb], { numRuns: 60 })('random trees of float32 and float64 tensors come back bit-exact', (tree) => {
    const has = g.treeLeaves(tree).length > 0;
    fc.pre(has);
    const bytes = g.saveParams(tree);
    const back = g.loadParams(bytes);
    expect(E.isRight(back)).toBe(true);
    if (E.isRight(back)) expectSameTree(tree, back.right);
  });

  it('loadParamsWithMetadata names itself in its errors', () => {
    const r = g.loadParamsWithMetadata(new Uint8Array(3));
    expect(E.isLeft(r) && r.left.message).toMatch(/^loadParamsWithMetadata: the file has 3 bytes/);
    const l = g.loadParams(new Uint8Array(3));
    expect(E.isLeft(l) && l.left.message).toMatch(/^loadParams: the file has 3 bytes/);
  });

  it('layout: u64 LE header length, padded JSON header, dotted tree paths, F32/F64, metadata', () => {
    const tree = {
      layers: [
        {
          w: g.tensor([
            [1, 2],
            [3, 4],
          ]),
        },
        { w: g.tensor([5], undefined, 'float64') },
      ],
      scale: g.scalar(2),
    };
    const bytes = g.saveParams(tree, { note: 'hi' });
    const dv = new DataView(bytes.buffer);
    const n = dv.getUint32(0, true);
    expect(dv.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      'layers.0.w': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
      'layers.1.w': { dtype: 'F64', shape: [1], data_offsets: [16, 24] },
      scale: { dtype: 'F32', shape: [], data_offsets: [24, 28] },
    });
    expect(bytes.length).toBe(8 + n + 28);
    expect(dv.getFloat32(8 + n + 12, true)).toBe(4);
    expect(dv.getFloat64(8 + n + 16, true)).toBe(5);
    const r = g.loadParamsWithMetadata(bytes);
    expect(E.isRight(r) && r.right.metadata).toEqual({ note: 'hi' });
  });

  it('a lone tensor round-trips; saving does not change the tree', () => {
    const t = g.tensor([1.5, -2], undefined, 'float64');
    const r = g.loadParams(g.saveParams(t));
    expect(E.isRight(r) && g.toArray(r.right as Tensor)).toEqual([1.5, -2]);
    expect(g.toArray(t)).toEqual([1.5, -2]);
  });

  it('rejects trees it cannot name, with ArgumentErrors naming saveParams', () => {
    expect(() => g.saveParams({ 'a.b': g.scalar(1) })).toThrow(/saveParams: the key "a.b"/);
    expect(() => g.saveParams({ '': g.scalar(1) })).toThrow(g.ArgumentError);
    expect(() => g.saveParams({ a: 3 } as unknown as Tree)).toThrow(/saveParams/);
    expect(() => g.saveParams({ a: g.scalar(1) }, { k: 1 } as unknown as Record<string, string>)).toThrow(/metadata/);
    const proto: Record<string, Tensor> = {};
    Object.defineProperty(proto, '__proto__', { value: g.scalar(1), enumerable: true, writable: true, configurable: true });
    expect(() => g.saveParams({ a: proto })).toThrow(/saveParams: the key "__proto__" at a\.__proto__/);
    expect(() => g.vmap((x: Tensor) => g.saveParams({ x }) as unknown as Tensor)(g.ones([2, 3]))).toThrow(/saveParams: the tensor at x is batched inside vmap/);
    // inside grad the values are concrete: saving works
    const gr = g.grad((x: Tensor) => {
      expect(g.saveParams({ x }).length).toBeGreaterThan(8);
      return g.sum(x);
    })(g.ones([2]));
    expect(g.toArray(gr)).toEqual([1, 1]);
  });
});

describe('loadParams keeps a metadata key named __proto__', () => {
  it('as an own string entry (not dropped by assignment)', () => {
    const r = g.loadParamsWithMetadata(file('{"__metadata__":{"__proto__":"x","k":"v"}}'));
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) {
      expect(Object.keys(r.right.metadata)).toEqual(['__proto__', 'k']);
      expect(Object.getOwnPropertyDescriptor(r.right.metadata, '__proto__')?.value).toBe('x');
      expect(Object.getPrototypeOf(r.right.metadata)).toBe(Object.prototype);
    }
  });
});

describe('loadParams on malformed files: Left, never a throw', () => {
  const good = g.saveParams({ a: g.tensor([1, 2, 3]), b: g.tensor([4], undefined, 'float64') });
  const f32 = (vals: number[]) => new Uint8Array(new Float32Array(vals).buffer);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /8-byte header length/],
    ['truncated header', good.subarray(0, 20), /runs past the end/],
    ['truncated data', good.subarray(0, good.length - 3), /past the .*data section|cover/],
    ['trailing bytes', new Uint8Array([...good, 0, 0, 0, 0]), /cover/],
    ['bad JSON', file('{"a": '), /not valid UTF-8 JSON/],
    ['invalid UTF-8', file('{"a":1}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8 JSON/],
    ['not an object', file('[1,2]'), /must be a JSON object/],
    [
      'huge header length',
      (() => {
        const b = file('{}');
        new DataView(b.buffer).setUint32(4, 1, true);
        return b;
      })(),
      /above the limit/,
    ],
    ['header length beyond file', file('{}', new Uint8Array(0), 1000), /runs past the end/],
    ['unknown dtype', file({ a: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /dtype "I8"/],
    ['bad shape', file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32([1])), /invalid shape/],
    ['bad offsets', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32([1])), /invalid data_offsets/],
    ['wrong size', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, f32([1])), /needs 8/],
    [
      'overlap',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32([1, 2])),
      /overlaps/,
    ],
    ['gap', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32([1, 2])), /gap/],
    ['huge shape', file({ a: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)), /spans 8 bytes/],
    ['bad metadata', file({ __metadata__: { k: 1 } }), /not a string/],
    [
      'path clash',
      file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, 'a.b': { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32([1, 2])),
      /continues below|clashes/,
    ],
    ['not bytes', 'abc' as unknown as Uint8Array, /expected a Uint8Array/],
    // assigning the key '__proto__' would set the tree's prototype and silently drop the tensor
    [
      'a tensor named __proto__',
      file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32([1, 2])),
      /"__proto__"/,
    ],
    ['a path through __proto__', file('{"a.__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32([1])), /"__proto__"/],
  ];
  for (const [name, bytes, msg] of cases) {
    it(name, () => {
      const r = g.loadParams(bytes);
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) {
        expect(r.left).toBeInstanceOf(g.SafetensorsError);
        expect(r.left.message).toMatch(msg);
      }
    });
  }

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 200 })], { numRuns: 300 })(
    'random bytes and random truncations never throw',
    (junk, cut) => {
      expect(() => g.loadParams(junk)).not.toThrow();
      expect(() => g.loadParams(good.subarray(0, Math.min(cut, good.length)))).not.toThrow();
    },
  );

  it('is linear time: 4× the tensors take about 4× the time (not 16×); 4× the junk is a Left in about 4× the time', () => {
    const headerOf = (n: number): Uint8Array => {
      const many: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) many[`t${i}`] = { dtype: 'F32', shape: [1], data_offsets: [4 * i, 4 * i + 4] };
      return file(many, new Uint8Array(4 * n));
    };
    // the best of 5 interleaved rounds, so that other jobs on the machine inflate neither side
    const right = (bytes: Uint8Array) => () => expect(E.isRight(g.loadParams(bytes))).toBe(true);
    const [small, large] = bestInterleaved([right(headerOf(12_500)), right(headerOf(50_000))]);
    expect(large).toBeLessThan(10 * small + 50);
    // junk: a Left whose cost scales linearly with its size (a ratio, not a wall-clock bound)
    const junkOf = (n: number): Uint8Array => file('{"a":' + '['.repeat(n));
    const left = (bytes: Uint8Array) => () => expect(E.isLeft(g.loadParams(bytes))).toBe(true);
    const [j1, j4] = bestInterleaved([left(junkOf(1_000_000)), left(junkOf(4_000_000))]);
    expect(j4).toBeLessThan(10 * j1 + 50);
  });
});

describe('saveParamsFile / loadParamsFile (Node)', () => {
  it('round-trips through a file; a missing file or a directory is a Left', async () => {
    const { existsSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'gyrograd-st-'));
    try {
      const tree = { w: g.tensor([[1, 2]], undefined, 'float64'), b: [g.tensor([3])] };
      const path = join(dir, 'p.safetensors');
      expect(E.isRight(await g.saveParamsFile(path, tree))).toBe(true);
      const back = await g.loadParamsFile(path);
      expect(E.isRight(back)).toBe(true);
      if (E.isRight(back)) expectSameTree(tree, back.right);
      const missing = await g.loadParamsFile(join(dir, 'nope.safetensors'));
      expect(E.isLeft(missing) && missing.left.message).toMatch(/loadParamsFile: cannot read/);
      const bad = await g.saveParamsFile(dir, tree);
      expect(E.isLeft(bad) && bad.left.message).toMatch(/saveParamsFile: cannot write/);
      // errors name the function the user called: a malformed file read by loadParamsFile, a tree saveParamsFile cannot store
      const junk = join(dir, 'junk.safetensors');
      writeFileSync(junk, new Uint8Array([1, 2, 3]));
      const malformed = await g.loadParamsFile(junk);
      expect(E.isLeft(malformed) && malformed.left).toBeInstanceOf(g.SafetensorsError);
      expect(E.isLeft(malformed) && malformed.left.message).toMatch(/^loadParamsFile: the file has 3 bytes/);
      // thrown at the call (not a rejected promise), before anything is written
      expect(() => g.saveParamsFile(join(dir, 'x.safetensors'), { 'a.b': g.scalar(1) })).toThrow(/^saveParamsFile: the key "a\.b"/);
      expect(existsSync(join(dir, 'x.safetensors'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('saveParamsAsync', () => {
  /** A device store whose handles can only be read asynchronously, as WebGPU buffers. */
  const asyncOnly: DeviceStore<Float32Array> = {
    name: 'async-only test store',
    upload: (v) => Float32Array.from(v),
    read: () => {
      throw new SyncReadError('async-only test store: read it with toArrayAsync');
    },
    readAsync: (h) => Promise.resolve(Float32Array.from(h)),
    fill: (value, n) => new Float32Array(n).fill(value),
    free: () => undefined,
    memory: new DeviceMemory(1 << 30),
  };
  const onDevice = (values: number[], shape: number[]): g.Tensor => fromData(TensorData.fromDevice(asyncOnly, Float32Array.from(values), values.length), shape);

  it('writes the bytes saveParams writes for host tensors', async () => {
    const tree = { a: g.tensor([1.5, -2, 3], [3]), b: [g.tensor([[0.25]], undefined, 'float64')] };
    expect(await g.saveParamsAsync(tree, { note: 'x' })).toEqual(g.saveParams(tree, { note: 'x' }));
  });

  it('saves tensors that only an asynchronous read can reach, where saveParams throws SyncReadError', async () => {
    const tree = { w: onDevice([1, 2, 3, 4, 5, 6], [2, 3]), b: g.tensor([7, 8], [2]) };
    expect(() => g.saveParams(tree)).toThrow(SyncReadError);
    const bytes = await g.saveParamsAsync(tree);
    const back = g.loadParams(bytes);
    if (E.isLeft(back)) throw back.left;
    const p = back.right as { w: g.Tensor; b: g.Tensor };
    expect(p.w.shape).toEqual([2, 3]);
    expect(g.toArray(p.w)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.toArray(p.b)).toEqual([7, 8]);
  });

  it('throws its validation errors synchronously, naming saveParamsAsync', () => {
    expect(() => g.saveParamsAsync({ 'a.b': g.ones([1]) })).toThrow(/saveParamsAsync: the key "a\.b"/);
    expect(() => g.saveParamsAsync({ a: 3 } as never)).toThrow(/saveParamsAsync/);
  });
});
