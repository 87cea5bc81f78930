/**
 * Tensor data that lives where its backend put it (tfjs's `dataId`).
 *
 * A {@link TensorData} is the storage cell behind one tensor value: a host
 * typed array, a handle into a {@link DeviceStore} (a gpu.js texture, a
 * WebGPU buffer), or both once one side has been copied to the other. The
 * values never change, so a copy, once made, stays valid: reading a device
 * tensor twice reads back once, and a host tensor used twice by device
 * kernels is uploaded once.
 *
 * - **Transfers.** Every host↔device copy goes through this module and is
 *   counted ({@link transferStats}); nothing else moves data between host
 *   and device.
 * - **Device memory without `dispose`.** A store registers each handle with
 *   a `FinalizationRegistry` keyed on its TensorData, so a handle is freed
 *   when its tensor is garbage-collected, and keeps the live handles in an
 *   LRU bounded by a byte budget: past the budget the least recently used
 *   ones *spill* (copied to host, then freed), so device memory stays bounded
 *   even while the garbage collector lags. See {@link DeviceMemory}.
 * - **Row-sparse data and row updates** (embedding tables). The gradient of
 *   `take` is {@link TensorData.rowSparse} data (rows + indices, scattered
 *   into a dense array only when something reads it), and an optimizer
 *   replaces rows of a table with {@link TensorData.withRows}, which shares
 *   one buffer between versions (Baker's persistent arrays): both cost
 *   O(rows touched), not O(table).
 * - **Host kernels.** `js` and `wasm` kernels take typed arrays; the
 *   registry wraps them with {@link onHost}, which reads each argument's host
 *   copy (a counted readback when it lives on a device only) and wraps
 *   results as host data.
 */
import type { DType, Storage } from './types.ts';

/** Cumulative host↔device copies (see {@link transferStats}). */
export interface TransferStats {
  /** host → device copies */
  uploads: number;
  /** device → host copies */
  readbacks: number;
  /** bytes copied host → device */
  uploadBytes: number;
  /** bytes copied device → host */
  readbackBytes: number;
}

const stats: TransferStats = { uploads: 0, readbacks: 0, uploadBytes: 0, readbackBytes: 0 };

/** TensorData made so far (their creation order). */
let created = 0;

/** The host↔device copies since start or the last {@link resetTransferStats} (a snapshot). */
export function transferStats(): TransferStats {
  return { ...stats };
}

/** Runs `fn` without counting its transfers (the library's own probes). @internal */
export function uncounted<T>(fn: () => T): T {
  const before = { ...stats };
  try {
    return fn();
  } finally {
    Object.assign(stats, before);
  }
}

/** Sets every transfer counter to zero. */
export function resetTransferStats(): void {
  stats.uploads = stats.readbacks = stats.uploadBytes = stats.readbackBytes = 0;
}

/**
 * Thrown when reading device data that was released: an intermediate of a
 * `grad`/`valueAndGrad` call or of an optimizer update that escaped it (a
 * closure kept it). Those calls free the device memory of what they made and
 * did not return, as JAX rejects leaked tracers; return the value instead.
 */
export class ReleasedDataError extends Error {
  /** `'ReleasedDataError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'ReleasedDataError';
}

/** Thrown when device data cannot be read synchronously (WebGPU): use `toArrayAsync`. */
export class SyncReadError extends Error {
  /** `'SyncReadError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'SyncReadError';
}

/**
 * A backend's device memory: how to copy float32 data in and out and free it.
 * `H` is the backend's handle type (a texture, a buffer).
 */
export interface DeviceStore<H = unknown> {
  /** the backend name (for messages) */
  readonly name: string;
  /** copies host values onto the device */
  upload(values: Float32Array): H;
  /** the values of a handle of `length` elements (synchronous; may throw {@link SyncReadError}) */
  read(handle: H, length: number): Float32Array;
  /** the values of a handle, asynchronously */
  readAsync(handle: H, length: number): Promise<Float32Array>;
  /** a handle of `length` copies of `value`, made on the device (no upload) */
  fill(value: number, length: number): H;
  /** frees a handle */
  free(handle: H): void;
  /** the memory accounting of this store */
  readonly memory: DeviceMemory;
}

/**
 * A device copy: shared by its TensorData and its store's memory (the LRU key
 * and the FinalizationRegistry token). The memory never holds the TensorData
 * itself — not even weakly: a WeakRef keeps its target alive until the
 * current job ends, which in a synchronous training loop is never — so a
 * dropped tensor is collectable at once.
 */
interface Resident {
  readonly store: DeviceStore;
  readonly handle: unknown;
  readonly length: number;
  /** set when the memory spilled this copy: the values read back (the handle is freed) */
  spilled?: Storage;
}

/**
 * The row slices behind a row-sparse {@link TensorData} (TensorFlow's
 * `IndexedSlices`): the value is zero except that slice `i` (`rowLength`
 * values of `rows`) is added to row `indices[i]`; repeated indices add up.
 */
export interface RowSlices {
  /** the row of each slice (may repeat) */
  readonly indices: Int32Array;
  /** the slices, `[indices.length · rowLength]` values */
  readonly rows: TensorData;
  /** values per row */
  readonly rowLength: number;
}

/** How an older version of a row-patched buffer differs from the next newer one (see {@link TensorData.withRows}). */
interface RowDiff {
  readonly next: TensorData;
  readonly indices: Int32Array;
  readonly rows: Storage;
  readonly rowLength: number;
}

/**
 * The storage of one tensor value. Immutable as a value; internally it caches
 * the host and device copies it has been asked for.
 */
export class TensorData {
  /** element type */
  readonly dtype: DType;
  /** number of elements */
  readonly length: number;
  #host: Storage | undefined;
  #device: Resident | undefined;
  /** creation order, for {@link releaseIfNewer} */
  readonly #seq = ++created;
  /** for a constant made by {@link TensorData.filled}: its value (materialised on first use, never uploaded) */
  readonly #fill: number | undefined;
  /** for row-sparse data made by {@link TensorData.rowSparse}: its slices (scattered on first use) */
  readonly #slices: RowSlices | undefined;
  /**
   * Versions made by {@link TensorData.withRows} share one buffer (Baker's persistent arrays): the
   * newest version holds it, an older one holds only the rows in which it differs from the next
   * newer version (`#diff`) and gets the buffer back (rerooting) when it is read.
   */
  #diff: RowDiff | undefined;
  /** whether `#host` is a buffer that only a {@link TensorData.withRows} chain has ever seen */
  #owned = false;

  private constructor(dtype: DType, length: number, host: Storage | undefined, fill?: number, slices?: RowSlices) {
    this.dtype = dtype;
    this.length = length;
    this.#host = host;
    this.#fill = fill;
    this.#slices = slices;
  }

  /**
   * Row-sparse data of `length` values: zero but for the row slices (which
   * must be host data). Operations that read the values get them scattered
   * into a dense array on first use (O(length)); code that knows about row
   * slices ({@link TensorData.slices}: sparse gradients and optimizer
   * updates) works on the slices alone.
   */
  static rowSparse(slices: RowSlices, length: number): TensorData {
    return new TensorData(slices.rows.dtype, length, undefined, undefined, slices);
  }

  /** The row slices of row-sparse data (made by {@link TensorData.rowSparse}), else undefined. */
  get slices(): RowSlices | undefined {
    return this.#slices;
  }

  /**
   * New data equal to `base` with the rows at `indices` (distinct, `rowLength`
   * values each) replaced by `rows`: O(indices · rowLength). `base` keeps its
   * values: when it is the newest version of a buffer made here (no device
   * copy), the buffer is updated in place and `base` keeps the rows it had,
   * which it puts back when it is read again (Baker's persistent arrays);
   * otherwise the values are copied first (O(length)).
   */
  static withRows(base: TensorData, indices: Int32Array, rows: Storage, rowLength: number): TensorData {
    if (base.#diff !== undefined) base.#reroot();
    const L = rowLength;
    let buf: Storage;
    if (base.#owned && base.#host !== undefined && base.#diff === undefined && base.#device === undefined) {
      buf = base.#host;
      const saved = base.dtype === 'float64' ? new Float64Array(indices.length * L) : new Float32Array(indices.length * L);
      for (let i = 0; i < indices.length; i++) saved.set(buf.subarray(indices[i] * L, (indices[i] + 1) * L), i * L);
      base.#host = undefined;
      const next = new TensorData(base.dtype, base.length, buf);
      next.#owned = true;
      base.#diff = { next, indices, rows: saved, rowLength: L };
      for (let i = 0; i < indices.length; i++) buf.set(rows.subarray(i * L, (i + 1) * L), indices[i] * L);
      return next;
    }
    buf = base.host().slice();
    for (let i = 0; i < indices.length; i++) buf.set(rows.subarray(i * L, (i + 1) * L), indices[i] * L);
    const d = new TensorData(base.dtype, base.length, buf);
    d.#owned = true;
    return d;
  }

  /** Makes this (an older version) the holder of its chain's buffer, undoing the newer versions' row changes. */
  #reroot(): void {
    const path: TensorData[] = [];
    for (let d = this.#diff, n: TensorData | undefined = d === undefined ? undefined : this; d !== undefined && n !== undefined; n = d.next, d = n.#diff)
      path.push(n);
    // path[k].#diff.next is path[k + 1] (or the root for the last one): walk back from the root
    for (let k = path.length - 1; k >= 0; k--) {
      const n = path[k];
      const { next: w, indices, rows, rowLength: L } = n.#diff!;
      const buf = w.#host!;
      const saved = n.dtype === 'float64' ? new Float64Array(rows.length) : new Float32Array(rows.length);
      for (let i = 0; i < indices.length; i++) {
        saved.set(buf.subarray(indices[i] * L, (indices[i] + 1) * L), i * L);
        buf.set(rows.subarray(i * L, (i + 1) * L), indices[i] * L);
      }
      w.#host = undefined;
      w.#diff = { next: n, indices, rows: saved, rowLength: L };
      n.#diff = undefined;
      n.#host = buf;
    }
  }

  /** The dense values of row-sparse data: zeros with each slice added to its row. */
  #scatter(rows: Storage): Storage {
    const { indices, rowLength: L } = this.#slices!;
    const h = this.dtype === 'float64' ? new Float64Array(this.length) : new Float32Array(this.length);
    for (let i = 0; i < indices.length; i++) {
      const o = indices[i] * L,
        r = i * L;
      for (let j = 0; j < L; j++) h[o + j] += rows[r + j];
    }
    return h;
  }

  /**
   * `length` copies of `value`: made where it is first needed (a host array,
   * or a fill kernel on the device: never an upload).
   */
  static filled(value: number, length: number, dtype: DType): TensorData {
    return new TensorData(dtype, length, undefined, value);
  }

  /** Wraps host storage the caller owns and never touches again. */
  static fromHost(values: Storage): TensorData {
    return new TensorData(values instanceof Float64Array ? 'float64' : 'float32', values.length, values);
  }

  /** Wraps a freshly made device handle of `length` float32 values, owned from now on by the data. */
  static fromDevice<H>(store: DeviceStore<H>, handle: H, length: number): TensorData {
    const d = new TensorData('float32', length, undefined);
    d.#device = store.memory.adopt(d, store as DeviceStore, handle, length);
    scopes[scopes.length - 1]?.push(d);
    return d;
  }

  #released = false;

  /** Whether this data was created after creation count `mark`. @internal */
  seqAfter(mark: number): boolean {
    return this.#seq > mark;
  }

  /**
   * Frees the device copy without reading it back; afterwards the values are
   * gone unless a host copy exists (then reads still work). @internal (deviceScope)
   */
  release(): void {
    const dev = this.#resident();
    if (dev === undefined) return;
    this.#device = undefined;
    dev.store.memory.release(dev);
    if (this.#host === undefined && this.#fill === undefined && this.#slices === undefined && this.#diff === undefined) this.#released = true;
  }

  /** The live device copy, if any (a spilled one moves its values to the host copy first). */
  #resident(): Resident | undefined {
    const dev = this.#device;
    if (dev?.spilled !== undefined) {
      this.#host ??= dev.spilled;
      this.#device = undefined;
      return undefined;
    }
    return dev;
  }

  #checkReleased(): void {
    if (this.#released) {
      throw new ReleasedDataError(
        'this tensor was an intermediate of a grad/valueAndGrad call or an optimizer update and its device memory was freed when the call returned; ' +
          'return it from the function (e.g. as part of the loss computation you read) or compute it outside, to keep it',
      );
    }
  }

  /** Whether the values are on the host, or a constant made there for free (reading them costs no transfer). */
  get onHost(): boolean {
    const dev = this.#resident();
    return (
      this.#host !== undefined ||
      this.#diff !== undefined ||
      (dev === undefined && (this.#fill !== undefined || (this.#slices !== undefined && this.#slices.rows.onHost)))
    );
  }

  /** The store holding a device copy, if any. */
  get deviceStore(): DeviceStore | undefined {
    return this.#resident()?.store;
  }

  /** The host values (read only by contract); reads back (counted) when only a device copy exists. */
  host(): Storage {
    const dev = this.#resident();
    if (this.#host !== undefined) return this.#host;
    if (this.#diff !== undefined) {
      this.#reroot();
      return this.#host!;
    }
    this.#checkReleased();
    if (this.#fill !== undefined && dev === undefined) {
      const h = this.dtype === 'float64' ? new Float64Array(this.length) : new Float32Array(this.length);
      if (this.#fill !== 0) h.fill(this.#fill);
      return (this.#host = h);
    }
    if (this.#slices !== undefined && dev === undefined) return (this.#host = this.#scatter(this.#slices.rows.host()));
    const v = dev!.store.read(dev!.handle, this.length);
    countReadback(v.byteLength);
    this.#host = v;
    return v;
  }

  /** The host values, read back asynchronously when only a device copy exists. */
  async hostAsync(): Promise<Storage> {
    const dev = this.#resident();
    if (this.#host !== undefined || this.#diff !== undefined || (this.#fill !== undefined && dev === undefined)) return this.host();
    this.#checkReleased();
    if (this.#slices !== undefined && dev === undefined) return (this.#host ??= this.#scatter(await this.#slices.rows.hostAsync()));
    const v = await dev!.store.readAsync(dev!.handle, this.length);
    countReadback(v.byteLength);
    this.#host ??= v;
    return this.#host;
  }

  /**
   * The handle of these values in `store`, uploading them (counted) when they
   * are not there yet. Values on another device are first read back.
   */
  on<H>(store: DeviceStore<H>): H {
    const dev = this.#resident();
    if (dev !== undefined && dev.store === (store as DeviceStore)) {
      store.memory.touch(dev);
      return dev.handle as H;
    }
    let handle: H;
    if (this.#fill !== undefined && this.#host === undefined && dev === undefined) {
      handle = store.fill(this.#fill, this.length);
    } else {
      const host = this.host();
      const f32 = host instanceof Float32Array ? host : Float32Array.from(host);
      handle = store.upload(f32);
      countUpload(f32.byteLength);
    }
    if (dev !== undefined) dev.store.memory.release(dev);
    this.#device = store.memory.adopt(this, store as DeviceStore, handle, this.length);
    // an upload inside a scope is freed with the scope (the host copy stays)
    scopes[scopes.length - 1]?.push(this);
    return handle;
  }
}

/** `GYROGRAD_TRACE_TRANSFERS=1` prints a stack trace for every transfer (to find where a step copies). */
const traceTransfers = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GYROGRAD_TRACE_TRANSFERS === '1';
const con = (globalThis as { console?: { trace(msg: string): void } }).console;

function countReadback(bytes: number): void {
  if (traceTransfers) con?.trace(`readback ${bytes} B`);
  stats.readbacks++;
  stats.readbackBytes += bytes;
}

function countUpload(bytes: number): void {
  if (traceTransfers) con?.trace(`upload ${bytes} B`);
  stats.uploads++;
  stats.uploadBytes += bytes;
}

/** Counters of a {@link DeviceMemory}. */
export interface DeviceMemoryStats {
  /** handles alive now */
  live: number;
  /** bytes held by the live handles */
  liveBytes: number;
  /** most bytes held at once */
  peakBytes: number;
  /** handles freed because their tensor was garbage-collected */
  collected: number;
  /** handles spilled to host because the budget was exceeded */
  spilled: number;
  /** handles freed in all */
  freed: number;
}

/**
 * The device memory of one store: an LRU of live handles with a byte budget.
 * A handle is freed exactly once: when its tensor is garbage-collected
 * (FinalizationRegistry), when it spills over the budget, or when its data
 * moves to another store.
 */
export class DeviceMemory {
  /** the byte budget; past it the least recently used handles spill to host */
  budgetBytes: number;
  /** live device copies, least recently used first */
  readonly #live = new Set<Resident>();
  readonly #registry = new FinalizationRegistry<Resident>((r) => this.#collect(r));
  readonly #stats: DeviceMemoryStats = { live: 0, liveBytes: 0, peakBytes: 0, collected: 0, spilled: 0, freed: 0 };

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes;
  }

  /** A snapshot of the counters. */
  stats(): DeviceMemoryStats {
    return { ...this.#stats };
  }

  /** Takes ownership of `handle` for `data`. @internal (TensorData) */
  adopt(data: TensorData, store: DeviceStore, handle: unknown, length: number): Resident {
    const r: Resident = { store, handle, length };
    this.#live.add(r);
    this.#registry.register(data, r, r);
    this.#stats.live++;
    this.#stats.liveBytes += 4 * length;
    if (this.#stats.liveBytes > this.#stats.peakBytes) this.#stats.peakBytes = this.#stats.liveBytes;
    this.#enforce(r);
    return r;
  }

  /** Marks a copy as just used. @internal */
  touch(r: Resident): void {
    if (!this.#live.delete(r)) return;
    this.#live.add(r);
  }

  /** Frees a copy its data no longer needs. @internal */
  release(r: Resident): void {
    this.#registry.unregister(r);
    this.#free(r);
  }

  /** Spills every live copy to host (e.g. before a backend is destroyed). */
  spillAll(): void {
    for (const r of [...this.#live]) this.#spill(r);
  }

  /** Spills (to host) every live copy whose handle satisfies `pred`. */
  spillIf(pred: (handle: unknown) => boolean): void {
    for (const r of [...this.#live]) if (pred(r.handle)) this.#spill(r);
  }

  /** Reads a copy back into `r.spilled` and frees it; false when its store cannot read synchronously (WebGPU). */
  #spill(r: Resident): boolean {
    let v: Float32Array;
    try {
      v = r.store.read(r.handle, r.length);
    } catch (e) {
      if (e instanceof SyncReadError) return false;
      throw e;
    }
    countReadback(v.byteLength);
    r.spilled = v;
    this.#stats.spilled++;
    this.release(r);
    return true;
  }

  #collect(r: Resident): void {
    if (this.#live.has(r)) this.#stats.collected++;
    this.#free(r);
  }

  #free(r: Resident): void {
    if (!this.#live.delete(r)) return;
    this.#stats.live--;
    this.#stats.liveBytes -= 4 * r.length;
    this.#stats.freed++;
    r.store.free(r.handle);
  }

  /** Spills least recently used copies (never `keep`) until the live bytes fit the budget. */
  #enforce(keep: Resident): void {
    if (this.#stats.liveBytes <= this.budgetBytes) return;
    for (const r of [...this.#live]) {
      if (this.#stats.liveBytes <= this.budgetBytes) break;
      if (r !== keep) this.#spill(r);
    }
  }
}

// ------------------------------------------------------------ scopes

/** Open scopes: the device data made in each, innermost last. */
const scopes: TensorData[][] = [];

/**
 * Runs `fn` as a *device scope*: device data made while it runs that is not
 * among `kept(result)` is released when it returns (no readback), so a
 * training step frees its intermediates at once instead of waiting for the
 * garbage collector (which a synchronous loop never lets run finalizers).
 * Nested scopes hand their survivors to the enclosing scope; only the
 * outermost releases, and nothing when `kept(result)` answers `'all'`: an
 * outer trace (a `vjp`, a `grad` of this `grad`) recorded the computation. The library opens one around each
 * `grad`/`valueAndGrad` call and each optimizer update — transformations
 * are scopes, as in JAX, where intermediates do not outlive the traced
 * function.
 */
export function deviceScope<T>(fn: () => T, kept: (result: T) => readonly TensorData[] | 'all'): T {
  const made: TensorData[] = [];
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const parent = scopes[scopes.length - 1];
  if (parent !== undefined) {
    for (const d of made) parent.push(d);
    return result;
  }
  if (made.length === 0) return result;
  const k = kept(result);
  if (k === 'all') return result;
  const keep = new Set(k);
  for (const d of made) if (!keep.has(d)) d.release();
  return result;
}

/**
 * A mark for {@link releaseIfNewer}: the creation count now, when exactly one
 * device scope is open (an outermost `valueAndGrad`), else undefined.
 */
export function creationMark(): number | undefined {
  return scopes.length === 1 ? created : undefined;
}

/**
 * Releases the device copy of `d` early when it was made after `mark` inside
 * the one open scope: the backward pass frees each cotangent once it is
 * consumed, so a step's peak holds the forward values and only the live
 * cotangents. Data made before the mark (forward values, saved residuals,
 * inputs) is never touched. @internal
 */
export function releaseIfNewer(d: TensorData, mark: number): void {
  if (scopes.length === 1 && d.seqAfter(mark)) d.release();
}

/** How many data the one open scope has made so far (a mark for {@link releaseMadeSince}), else undefined. */
export function madeCount(): number | undefined {
  return scopes.length === 1 ? scopes[0].length : undefined;
}

/**
 * Releases the device copies of what the one open scope made after `count`
 * (see {@link madeCount}) except what `keep` keeps: the temporaries of one
 * step of the backward pass. @internal
 */
export function releaseMadeSince(count: number, keep: (d: TensorData) => boolean): void {
  if (scopes.length !== 1) return;
  const made = scopes[0];
  for (let i = count; i < made.length; i++) if (!keep(made[i])) made[i].release();
}

// ------------------------------------------------------------ host kernels

/** `T` with host storage replaced by {@link TensorData} (kernel parameters: storage, arrays of storage, and the storage fields of a named-argument object). */
export type DataParam<T> = [T] extends [Storage]
  ? TensorData
  : [T] extends [readonly Storage[]]
    ? readonly TensorData[]
    : [T] extends [ArrayBufferView | readonly unknown[]]
      ? T
      : [T] extends [object]
        ? { [K in keyof T]: [T[K]] extends [Storage] ? TensorData : T[K] }
        : T;

/** `T` with host storage replaced by {@link TensorData} (kernel results). */
export type DataResult<T> = [T] extends [Storage]
  ? TensorData
  : { [K in keyof T]: [Exclude<T[K], undefined>] extends [Storage] ? TensorData | Extract<T[K], undefined> : T[K] };

type DataParams<P extends readonly unknown[]> = { [I in keyof P]: DataParam<P[I]> };

/** A kernel's signature on {@link TensorData}: what the registry hands the ops. */
export type OnData<F> = F extends (...args: infer P) => infer R ? (...args: DataParams<P>) => DataResult<R> : never;

function isStorage(x: unknown): x is Storage {
  return x instanceof Float32Array || x instanceof Float64Array;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

function argToHost(a: unknown): unknown {
  if (a instanceof TensorData) return a.host();
  if (Array.isArray(a) && a.some((x) => x instanceof TensorData)) return a.map(argToHost);
  if (isPlainObject(a) && Object.values(a).some((x) => x instanceof TensorData)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) o[k] = v instanceof TensorData ? v.host() : v;
    return o;
  }
  return a;
}

function resultToData(r: unknown): unknown {
  if (isStorage(r)) return TensorData.fromHost(r);
  if (isPlainObject(r)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) o[k] = isStorage(v) ? TensorData.fromHost(v) : v;
    return o;
  }
  return r;
}

/**
 * A host kernel (typed arrays in, typed arrays out) as a kernel on
 * {@link TensorData}: arguments are read on the host (a counted readback for
 * device-only data), results wrapped as host data.
 */
export function onHost<F extends (...args: never[]) => unknown>(f: F): OnData<F> {
  return ((...args: unknown[]) => resultToData((f as unknown as (...a: unknown[]) => unknown)(...args.map(argToHost)))) as OnData<F>;
}
