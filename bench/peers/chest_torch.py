"""The CHEST training step in PyTorch: the peer of bench/chest-step.ts.

The same formulas as bench/chest-tfjs.ts (docs/math.md §1-§5, the defaults of
gyrograd's `chest({ centersPerClass: K })`): Euclidean SoftTriple on cosine
similarities + tau x the centre regularizer, hyperbolic SoftTriple on
-d_c(toPoincare(x), toPoincare(v)) with the pairwise distance from the Gram
matrix, HypHC on the hyperbolic proxies (closed-form LCA depth of §4, weights
from the Euclidean proxies computed without gradient, for the 3T sampled pairs
only, as gyrograd does — bench/chest-tfjs.ts forms the whole [P, P] matrix),
weights 1 / 1 / 0.1.
float32 on the CPU, autograd for the backward pass.

A small server driven by the Node benchmark over stdin/stdout (one JSON object
per line), so that both sides run in one process tree and alternate:
  {"cmd": "load", "path": P, "B":, "D":, "C":, "K":, "T":}  inputs from a raw file
  {"cmd": "step", "out": P}   one step; writes value + the four gradients (float32) to P
  {"cmd": "time", "reps": n}  runs n steps, answers {"ms": mean wall ms per step,
                              "cpuMs": mean CPU ms per step, all threads}
  {"cmd": "threads", "n": n}  sets torch's intra-op threads
  {"cmd": "quit"}
Each timed step builds its per-step constants (one-hot labels, triplet
indices) from plain arrays and reads the value and the gradients back into
NumPy arrays, as the other sides do.
"""
import json
import os
import sys
import time

import torch

DEFAULTS = dict(c=0.1, clipR=2.3, temperature=0.05,
                euclidean=dict(la=20.0, gamma=0.1, margin=0.01, tau=0.2),
                hyperbolic=dict(la=5.0, gamma=0.1, margin=0.01),
                weights=dict(euclidean=1.0, hyperbolic=1.0, hyphc=0.1))
MIN_NORM = 1e-15
PROJ_EPS = 1e-3
ATANH_EPS = 1e-5


def row_norm(x):
    return torch.clamp_min(x.square().sum(-1, keepdim=True).sqrt(), MIN_NORM)


def row_sq(x):
    return x.square().sum(-1, keepdim=True)


def normalize(x):
    return x / torch.clamp_min(x.square().sum(-1, keepdim=True).sqrt(), 1e-12)


def artanh(x):
    return torch.atanh(torch.clamp(x, -1 + ATANH_EPS, 1 - ATANH_EPS))


def to_poincare(x, c, clip_r):
    sc = c ** 0.5
    clipped = x * torch.clamp_max(clip_r / row_norm(x), 1.0)
    scn = row_norm(clipped) * sc
    e = torch.tanh(scn) / scn * clipped
    ne = row_norm(e)
    max_norm = (1 - PROJ_EPS) / sc
    return e * torch.where(ne > max_norm, max_norm / ne, torch.ones_like(ne))


def pairwise_dist(x, y, c):
    sc = c ** 0.5
    x2 = row_sq(x)
    y2 = row_sq(y).reshape(1, -1)
    xy = x @ y.t()
    A = 1 - 2 * c * xy + c * y2
    B = 1 - c * x2
    num2 = A.square() * x2 - 2 * A * B * xy + B.square() * y2
    den = 1 - 2 * c * xy + c * c * x2 * y2
    m = torch.clamp_min(num2, MIN_NORM * MIN_NORM).sqrt() / torch.clamp_min(den, MIN_NORM)
    return artanh(m * sc) * (2 / sc)


def soft_triple(sim, hot, p, C, K):
    B = sim.shape[0]
    s = sim.reshape(B, C, K)
    prob = torch.softmax(s / p['gamma'], dim=2)
    S = (prob * s).sum(2)
    logits = (S - hot * p['margin']) * p['la']
    return -(torch.log_softmax(logits, dim=1) * hot).sum(1).mean()


def center_regularizer(centers, mask, C, K):
    w = normalize(centers).reshape(C, K, -1)
    gram = w @ w.transpose(1, 2)
    d = torch.sqrt(2 + 1e-5 - torch.clamp_max(gram * 2, 2.0))
    return (d * mask).sum() / (C * K * (K - 1))


def lca_depth(a, b, c):
    sc, r = c ** 0.5, 1 / c
    na, nb = row_norm(a), row_norm(b)
    na2, nb2 = na.square(), nb.square()
    cos_t = (a * b).sum(-1, keepdim=True) / (na * nb)
    sin_t = torch.clamp_min(1 - cos_t.square(), MIN_NORM).sqrt()
    ratio = na * (nb2 + r) / (nb * (na2 + r))
    alpha = torch.atan((ratio - cos_t) / sin_t)
    R = torch.sqrt(((na2 + r) / (2 * na * torch.cos(alpha))).square() - r)
    p = torch.sqrt(R.square() + r) - R
    return (artanh(p * sc) * (2 / sc)).reshape(-1)


class Step:
    def __init__(self, path, B, D, C, K, T):
        raw = open(path, 'rb').read()
        f = torch.frombuffer(bytearray(raw), dtype=torch.float32)
        P = C * K
        sizes = [B * D, B * D, P * D, P * D]
        parts, o = [], 0
        for n in sizes:
            parts.append(f[o:o + n].clone())
            o += n
        ints = torch.frombuffer(bytearray(raw[o * 4:]), dtype=torch.int32)
        self.labels = ints[:B].tolist()
        self.triplets = ints[B:B + 3 * T].reshape(T, 3).tolist()
        self.inputs = [parts[0].reshape(B, D), parts[1].reshape(B, D), parts[2].reshape(P, D), parts[3].reshape(P, D)]
        self.C, self.K = C, K
        self.cfg = DEFAULTS

    def run(self):
        cfg, C, K = self.cfg, self.C, self.K
        # per-step constants from plain arrays, as the other sides build them
        hot = torch.nn.functional.one_hot(torch.tensor(self.labels, dtype=torch.int64), C).to(torch.float32)
        mask = torch.triu(torch.ones(K, K), diagonal=1)
        tri = torch.tensor(self.triplets, dtype=torch.int64)
        I, J, Kx = tri[:, 0], tri[:, 1], tri[:, 2]
        e, h, pe, ph = (t.clone().requires_grad_(True) for t in self.inputs)
        with torch.no_grad():
            # (1 + cos)/2 of the 3T pairs only, as gyrograd computes them (never the [P, P] matrix)
            pn = normalize(pe)
            pair = lambda u, v: ((pn[u] * pn[v]).sum(1) + 1) / 2
            w = torch.stack([pair(I, J), pair(I, Kx), pair(J, Kx)], 1)
        c = cfg['c']
        sE = normalize(e) @ normalize(pe).t()
        euclidean = soft_triple(sE, hot, cfg['euclidean'], C, K) + center_regularizer(pe, mask, C, K) * cfg['euclidean']['tau']
        hp = to_poincare(ph, c, cfg['clipR'])
        sH = -pairwise_dist(to_poincare(h, c, cfg['clipR']), hp, c)
        hyperbolic = soft_triple(sH, hot, cfg['hyperbolic'], C, K)
        xi, xj, xk = hp[I], hp[J], hp[Kx]
        depth = torch.stack([lca_depth(xi, xj, c), lca_depth(xi, xk, c), lca_depth(xj, xk, c)], 1)
        w_ord = (w * torch.softmax(depth / cfg['temperature'], dim=1)).sum(1)
        hyphc = (w.sum(1) - w_ord).mean()
        ws = cfg['weights']
        total = euclidean * ws['euclidean'] + hyperbolic * ws['hyperbolic'] + hyphc * ws['hyphc']
        grads = torch.autograd.grad(total, [e, h, pe, ph])
        return float(total.item()), [g.numpy() for g in grads]


def main():
    torch.set_num_threads(int(os.environ.get('TORCH_THREADS', os.cpu_count() or 1)))
    step = None
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg['cmd']
        if cmd == 'load':
            step = Step(msg['path'], msg['B'], msg['D'], msg['C'], msg['K'], msg['T'])
            print(json.dumps({'ok': True}), flush=True)
        elif cmd == 'step':
            value, grads = step.run()
            with open(msg['out'], 'wb') as f:
                f.write(torch.tensor([value], dtype=torch.float32).numpy().tobytes())
                for g in grads:
                    f.write(g.astype('float32').tobytes())
            print(json.dumps({'value': value}), flush=True)
        elif cmd == 'time':
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(msg['reps']):
                step.run()
            n = msg['reps']
            print(json.dumps({'ms': (time.perf_counter() - t0) * 1000 / n, 'cpuMs': (time.process_time() - c0) * 1000 / n}), flush=True)
        elif cmd == 'threads':
            torch.set_num_threads(int(msg['n']))
            print(json.dumps({'threads': torch.get_num_threads()}), flush=True)
        elif cmd == 'quit':
            break


if __name__ == '__main__':
    main()
