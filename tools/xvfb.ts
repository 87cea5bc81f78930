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
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + 10_000;
  while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    if (exited) throw new Error(`Xvfb ${display} exited at startup`);
    if (Date.now() > deadline) { child.kill(); throw new Error(`Xvfb ${display} did not start within 10 s`); }
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
