/**
 * The part of the JavaScript engine's `WebAssembly` object this backend uses,
 * typed locally: the library compiles without DOM or Node type libraries, and
 * reads `WebAssembly` from `globalThis` so that an engine without it is
 * reported (the backend is then unavailable) rather than crashing at import.
 */

/** A WebAssembly linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled WebAssembly module (opaque here). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** The `WebAssembly` namespace, as far as this backend uses it. */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** The engine's `WebAssembly`; throws an Error naming what is missing when there is none. */
export function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) throw new Error('WebAssembly is not available in this JavaScript engine');
  return api;
}
