"""PyTorch peer of bench/wordnet-step.ts (issue 14): the same Poincaré-embedding
training step, in the style of the reference code (facebookresearch/poincare-embeddings):
an nn.Embedding(sparse=True) table in float64, 10 edges x (1 positive + 50 negatives)
drawn uniformly among the non-neighbours of u (rejection, distinct), the Poincare
distance acosh(1 + 2|u-v|^2 / ((1-|u|^2)(1-|v|^2))), softmax cross-entropy ranking the
positive first, backward (a sparse gradient), and Riemannian SGD on the touched rows:
the gradient coalesced, scaled by (1-|x|^2)^2/4, x - lr*g, projected to norm <= 1-1e-5
(retraction). One thread (torch.set_num_threads(1)).

Driven by the TypeScript benchmark through stdin/stdout, one command per line:
  hello               -> prints "torch <version>, 1 thread"
  <side> <steps>      -> runs <steps> steps on side "mammals" or "nouns", prints ms/step
Arguments: <dir with wordnet-<side>.i32 edge files> <B> <K> <DIM> <LR>.
"""
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

DIR, B, K, DIM, LR = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
MAX_NORM = 1 - 1e-5


def poincare_dist(u, v):
    su = (u * u).sum(-1).clamp(0, MAX_NORM)
    sv = (v * v).sum(-1).clamp(0, MAX_NORM)
    sq = ((u - v) ** 2).sum(-1)
    z = 1 + 2 * sq / ((1 - su) * (1 - sv))
    return torch.acosh(z.clamp_min(1 + 1e-12))


class Side:
    def __init__(self, name, seed):
        e = np.fromfile(f"{DIR}/wordnet-{name}.i32", dtype=np.int32).reshape(-1, 2)
        self.edges = e
        self.n = int(e.max()) + 1
        order = np.lexsort((e[:, 1], e[:, 0]))
        self.nb = e[order, 1]
        self.start = np.searchsorted(e[order, 0], np.arange(self.n + 1))
        self.rng = np.random.default_rng(seed)
        self.perm = self.rng.permutation(len(e))
        self.t = 0
        self.emb = torch.nn.Embedding(self.n, DIM, sparse=True)
        with torch.no_grad():
            self.emb.weight.uniform_(-1e-3, 1e-3)

    def negatives(self, u):
        nbrs = self.nb[self.start[u]:self.start[u + 1]]
        out = []
        tries = 0
        while len(out) < K and tries < 10 * K:
            c = self.rng.integers(0, self.n, size=2 * K)
            tries += 2 * K
            c = c[(c != u) & ~np.isin(c, nbrs)]
            for x in c:
                if x not in out:
                    out.append(int(x))
                    if len(out) == K:
                        break
        while len(out) < K:
            out.append(out[self.rng.integers(0, len(out))])
        return out

    def step(self):
        b0 = (self.t * B) % (len(self.edges) - B)
        self.t += 1
        ids = self.perm[b0:b0 + B]
        cand = np.empty((B, K + 2), dtype=np.int64)
        for r, i in enumerate(ids):
            u, v = self.edges[i]
            cand[r, 0], cand[r, 1] = u, v
            cand[r, 2:] = self.negatives(u)
        e = self.emb(torch.from_numpy(cand))
        d = poincare_dist(e[:, :1].expand(-1, K + 1, -1), e[:, 1:])
        loss = torch.nn.functional.cross_entropy(-d, torch.zeros(B, dtype=torch.long))
        self.emb.weight.grad = None
        loss.backward()
        grad = self.emb.weight.grad.coalesce()
        ix, gv = grad.indices()[0], grad.values()
        with torch.no_grad():
            p = self.emb.weight
            x = p[ix]
            sq = (x * x).sum(-1, keepdim=True)
            y = x - LR * gv * ((1 - sq) ** 2 / 4)
            nrm = y.norm(dim=-1, keepdim=True)
            y = torch.where(nrm > MAX_NORM, y / nrm * MAX_NORM, y)
            p.index_copy_(0, ix, y)
        return loss.item()


sides = {"mammals": Side("mammals", 1), "nouns": Side("nouns", 2)}
for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == "hello":
        print(f"torch {torch.__version__}, 1 thread", flush=True)
        continue
    side, steps = sides[cmd[0]], int(cmd[1])
    t0 = time.perf_counter()
    for _ in range(steps):
        v = side.step()
        if not np.isfinite(v):
            raise SystemExit(f"non-finite loss {v}")
    print((time.perf_counter() - t0) * 1000 / steps, flush=True)
