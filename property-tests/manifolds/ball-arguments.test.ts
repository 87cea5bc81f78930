/**
 * The ball's argument checks (issue 15, categories 5, 6, 8 and the "name the public function" note):
 * every method given an argument of the wrong kind throws an ArgumentError, and row tensors whose
 * feature sizes differ or whose batches do not broadcast throw a ShapeError — both naming the method
 * called, never an op deep inside it (`mul: shapes … cannot be broadcast`) or an untyped TypeError.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { PoincareBall, Tensor } from '../../lib/index.ts';

const ball = g.poincareBall({ c: 1 });
const P = g.tensor([
  [0.1, 0.2],
  [0.3, -0.1],
]);
const key = g.prngKey(0);

/** method → a valid call from its arguments, the valid arguments, and which of them are row tensors */
const METHODS: [string, (b: PoincareBall, a: unknown[]) => unknown, unknown[], number[]][] = [
  ['expmap0', (b, a) => b.expmap0(a[0] as Tensor), [P], [0]],
  ['logmap0', (b, a) => b.logmap0(a[0] as Tensor), [P], [0]],
  ['expmap', (b, a) => b.expmap(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['logmap', (b, a) => b.logmap(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['mobiusAdd', (b, a) => b.mobiusAdd(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['mobiusScalarMul', (b, a) => b.mobiusScalarMul(a[0] as number, a[1] as Tensor), [0.5, P], [1]],
  ['mobiusMatvec', (b, a) => b.mobiusMatvec(a[0] as Tensor, a[1] as Tensor), [g.eye(2), P], [1]],
  ['gyration', (b, a) => b.gyration(a[0] as Tensor, a[1] as Tensor, a[2] as Tensor), [P, P, P], [0, 1, 2]],
  ['dist', (b, a) => b.dist(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['dist0', (b, a) => b.dist0(a[0] as Tensor), [P], [0]],
  ['pairwiseDist', (b, a) => b.pairwiseDist(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['lambda', (b, a) => b.lambda(a[0] as Tensor), [P], [0]],
  ['lcaDepth', (b, a) => b.lcaDepth(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['project', (b, a) => b.project(a[0] as Tensor), [P], [0]],
  ['projx', (b, a) => b.projx(a[0] as Tensor), [P], [0]],
  ['toPoincare', (b, a) => b.toPoincare(a[0] as Tensor), [P], [0]],
  ['clip', (b, a) => b.clip(a[0] as Tensor), [P], [0]],
  ['egrad2rgrad', (b, a) => b.egrad2rgrad(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['transp', (b, a) => b.transp(a[0] as Tensor, a[1] as Tensor, a[2] as Tensor), [P, P, P], [0, 1, 2]],
  ['transp0', (b, a) => b.transp0(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['transp0back', (b, a) => b.transp0back(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['geodesic', (b, a) => b.geodesic(a[0] as Tensor, a[1] as Tensor, a[2] as number), [P, P, 0.5], [0, 1]],
  ['weightedMidpoint', (b, a) => b.weightedMidpoint(a[0] as Tensor, a[1] as Tensor), [P, g.tensor([1, 2])], [0]],
  ['wrappedNormal', (b, a) => b.wrappedNormal(a[0] as g.PRNGKey, a[1] as Tensor, a[2] as number, a[3] as number), [key, g.tensor([[0.1, 0.2]]), 0.5, 3], [1]],
  ['inner', (b, a) => b.inner(a[0] as Tensor, a[1] as Tensor, a[2] as Tensor), [P, P, P], [0, 1, 2]],
  ['norm', (b, a) => b.norm(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['componentInner', (b, a) => b.componentInner(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['proju', (b, a) => b.proju(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['retr', (b, a) => b.retr(a[0] as Tensor, a[1] as Tensor), [P, P], [0, 1]],
  ['randomPoint', (b, a) => b.randomPoint(a[0] as g.PRNGKey, a[1] as number, a[2] as number), [key, 3, 2], []],
];

const badArb = fc.constantFrom<unknown>(null, undefined, 'x', [[0.1, 0.2]], {}, () => 0, Symbol('s'), true);

function expectTyped(f: () => unknown, Err: typeof g.GyrogradError, fn: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `${fn}: expected a ${Err.name}`).toBeInstanceOf(Err);
  expect((err as Error).message.startsWith(`${fn}:`), (err as Error).message).toBe(true);
}

describe('ball methods reject arguments of the wrong kind with typed errors naming the method', () => {
  it('every method runs on its valid arguments', () => {
    for (const [, call, args] of METHODS) expect(() => call(ball, args)).not.toThrow();
  });

  for (const [name, call, args] of METHODS) {
    test.prop([fc.integer({ min: 0, max: args.length - 1 }), badArb], { numRuns: 16 })(`${name}: a wrong kind in any position`, (pos, bad) => {
      // an optional argument may be omitted: undefined is valid there
      if (bad === undefined && ((name === 'inner' && pos === 2) || (name === 'weightedMidpoint' && pos === 1))) return;
      const a = args.slice();
      a[pos] = bad;
      let err: unknown;
      try {
        call(ball, a);
      } catch (e) {
        err = e;
      }
      expect(err, `${name}(${String(pos)} := ${typeof bad})`).toBeInstanceOf(g.GyrogradError);
      expect((err as Error).message.startsWith(`${name}:`), (err as Error).message).toBe(true);
    });
  }

  it("the issue's examples: geodesic(x, y, null), componentInner(null, u)", () => {
    expectTyped(() => ball.geodesic(P, P, null as unknown as number), g.ArgumentError, 'geodesic');
    expectTyped(() => ball.componentInner(null as unknown as Tensor, P), g.ArgumentError, 'componentInner');
  });
});

describe('checkInBall', () => {
  it('arguments of the wrong kind → typed errors; points outside → DomainError', () => {
    for (const bad of [null, undefined, 5, 'x', [[0.1]]]) {
      expect(() => g.checkInBall('f', bad as never, 1)).toThrow(g.ArgumentError);
      if (bad !== 5) expect(() => g.checkInBall('f', P, bad as never)).toThrow(g.GyrogradError); // 5 is a valid curvature
      if (bad !== undefined && typeof bad !== 'string') expect(() => g.checkInBall(bad as never, P, 1)).toThrow(g.ArgumentError);
    }
    expect(() => g.checkInBall('f', P, 1, null as never)).toThrow(g.ArgumentError);
    expect(() => g.checkInBall('f', g.tensor([[1, 1]]), 1)).toThrow(g.DomainError);
    expect(() => g.checkInBall('f', P, 1)).not.toThrow();
  });
});

describe('poincareBall options', () => {
  it('null, a number, a string or an array as options → ArgumentError; omitted or {} → the default ball', () => {
    for (const o of [null, 5, 'c', [1], true]) expectTyped(() => g.poincareBall(o as never), g.ArgumentError, 'poincareBall');
    expect(g.poincareBall().c).toBe(1);
    expect(g.poincareBall(undefined).c).toBe(1);
    expect(g.poincareBall({}).c).toBe(1);
    expectTyped(() => g.poincareBall({ checkPoints: 'yes' as never }), g.ArgumentError, 'poincareBall');
    expectTyped(() => g.poincareBall({ c: 'one' as never }), g.ValueError, 'poincareBall');
  });
});

describe('shape checks at the entry of every method with two or more row tensors', () => {
  const multi = METHODS.filter(([, , , r]) => r.length >= 2);
  for (const [name, call, args, rowArgs] of multi) {
    it(`${name}: a different feature size or a batch that does not broadcast → ShapeError naming ${name}`, () => {
      for (const pos of rowArgs) {
        const a = args.slice();
        a[pos] = g.mul(g.ones([2, 3]), 0.1); // feature size 3 against 2
        expectTyped(() => call(ball, a), g.ShapeError, name);
        if (name === 'pairwiseDist') continue; // [N, D] × [M, D]: any N, M
        const b = args.slice();
        b[pos] = g.mul(g.ones([3, 2]), 0.1); // 3 rows against 2
        expectTyped(() => call(ball, b), g.ShapeError, name);
      }
    });
  }

  it("the issue's examples: componentInner(x [2,2], u [2,3]); expmap with a batch mismatch names expmap", () => {
    expectTyped(() => ball.componentInner(P, g.zeros([2, 3])), g.ShapeError, 'componentInner');
    expectTyped(() => ball.expmap(P, g.zeros([3, 2])), g.ShapeError, 'expmap');
  });

  it('broadcasting batches and per-row t / r still work', () => {
    expect(ball.expmap(P, g.zeros([1, 2])).shape).toEqual([2, 2]);
    expect(ball.lcaDepth(P, g.tensor([[0.2, 0.1]])).shape).toEqual([2]);
    expect(ball.geodesic(P, P, g.tensor([0.2, 0.7])).shape).toEqual([2, 2]);
    expect(ball.mobiusScalarMul(g.tensor([[2], [0.5]]), P).shape).toEqual([2, 2]);
    expectTyped(() => ball.geodesic(P, P, g.tensor([0.2, 0.7, 0.1])), g.ShapeError, 'geodesic');
    // a batch of times along one geodesic (x, y one point each)
    const one = g.tensor([[0.1, 0.2]]),
      two = g.tensor([[-0.3, 0.1]]);
    expect(ball.geodesic(one, two, g.tensor([0, 0.5, 1])).shape).toEqual([3, 2]);
    expectTyped(() => ball.mobiusScalarMul(g.tensor([2, 0.5, 1]), P), g.ShapeError, 'mobiusScalarMul');
    expect(ball.componentInner(P, P).shape).toEqual([2, 2]);
    expect(ball.inner(P, P, g.cast(P, 'float64')).dtype).toBe('float64');
  });
});
