/**
 * PyTorch as a benchmark peer: finds a Python that can `import torch`
 * (Debian's python3-torch; `GYROGRAD_TORCH_PYTHON` overrides) and drives a
 * peer script (bench/peers/*.py) over stdin/stdout, one JSON object per line.
 * Optional: {@link startTorchPeer} answers a reason instead when no Python
 * with torch is found, and the benchmark prints it and skips the peer.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running peer script. */
export interface TorchPeer {
  /** torch version and intra-op threads the peer runs with */
  readonly info: { torch: string; threads: number; python: string };
  /** Sends one command, resolves with the peer's answer. */
  request(msg: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Ends the peer process. */
  close(): void;
}

const CANDIDATES = ['python3', '/usr/bin/python3', 'python'];

/** The first Python that imports torch, or the reason none does. */
export function findTorchPython(): { python: string } | { reason: string } {
  const list = process.env.GYROGRAD_TORCH_PYTHON ? [process.env.GYROGRAD_TORCH_PYTHON] : CANDIDATES;
  const tried: string[] = [];
  for (const py of list) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { reason: `no Python with torch found (install Debian's python3-torch, or set GYROGRAD_TORCH_PYTHON); tried ${tried.join('; ')}` };
}

/** Starts `script` under a Python with torch, with `threads` intra-op threads. */
export async function startTorchPeer(script: string, threads: number): Promise<TorchPeer | { reason: string }> {
  const found = findTorchPython();
  if ('reason' in found) return found;
  const child: ChildProcessWithoutNullStreams = spawn(found.python, [script], { env: { ...process.env, TORCH_THREADS: String(threads) } });
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l) as Record<string, unknown>));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`torch peer exited (${code}): ${stderr.trim()}`));
  });
  const next = (): Promise<Record<string, unknown>> => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const hello = await next();
  const peer: TorchPeer = {
    info: { torch: String(hello.torch), threads: Number(hello.threads), python: found.python },
    request: (msg) => {
      const p = next();
      child.stdin.write(JSON.stringify(msg) + '\n');
      return p;
    },
    close: () => {
      child.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
      child.stdin.end();
    },
  };
  return peer;
}
