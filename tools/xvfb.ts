/**
 * Test helper: starts Xvfb on a free display so that gpu.js's `headlessgl`
 * mode (the native `gl` package) has an X server, when none is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Whether the optional native `gl` package is installed and loads. */
export function glInstalled(): { ok: boolean; reason: string } {
  try {
    createRequire(import.meta.url)('gl');
    return { ok: true, reason: '' };
  } catch (e) {
    return { ok: false, reason: `the optional native 'gl' package is not installed or did not build (${(e as Error).message.split('\n')[0]})` };
  }
}

/** Path of the Xvfb binary, or undefined. */
export function findXvfb(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/Xvfb`)) return `${dir}/Xvfb`;
  }
  return undefined;
}

/** A running Xvfb started by {@link startXvfb}. */
export interface XvfbHandle {
  display: string;
  stop(): void;
}

/**
 * Starts Xvfb on the first free display ≥ :90, sets `process.env.DISPLAY`,
 * and waits until its socket exists; `stop()` kills that process (by its own
 * pid) and restores DISPLAY.
 */
export async function startXvfb(xvfb: string): Promise<XvfbHandle> {
  let n = 90;
  while (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) n++;
  const display = `:${n}`;
  const child: ChildProcess = spawn(xvfb, [display, '-screen', '0', '64x64x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    if (exited) throw new Error(`Xvfb ${display} exited at startup`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`Xvfb ${display} did not start within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = process.env.DISPLAY;
  process.env.DISPLAY = display;
  return {
    display,
    stop() {
      if (before === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = before;
      if (!exited) child.kill('SIGTERM');
    },
  };
}

/** Outcome of {@link displayForHeadlessGl}. */
export interface HeadlessDisplay {
  /** why headlessgl cannot run here (no `gl`, no display, Xvfb failed); undefined when it may */
  reason: string | undefined;
  /** the Xvfb started for it, to stop afterwards (undefined when DISPLAY was given or none started) */
  started: XvfbHandle | undefined;
  /** one line for a report */
  note: string;
}

/**
 * Makes an X display available to gpu.js's `headlessgl` mode: the given
 * DISPLAY, else an Xvfb started on a free display, when the native `gl`
 * package is installed. Used by the GL tests and the benchmarks.
 */
export async function displayForHeadlessGl(): Promise<HeadlessDisplay> {
  const gl = glInstalled();
  if (!gl.ok) return { reason: gl.reason, started: undefined, note: `no X display: ${gl.reason}` };
  if (process.env.DISPLAY) return { reason: undefined, started: undefined, note: `DISPLAY=${process.env.DISPLAY} (given)` };
  const bin = findXvfb();
  if (bin === undefined) {
    const reason = 'no DISPLAY is set and Xvfb is not installed';
    return { reason, started: undefined, note: reason };
  }
  try {
    const started = await startXvfb(bin);
    return { reason: undefined, started, note: `started Xvfb on ${started.display} for headlessgl (software GL unless a GPU is attached)` };
  } catch (e) {
    const reason = `could not start Xvfb: ${(e as Error).message}`;
    return { reason, started: undefined, note: reason };
  }
}
