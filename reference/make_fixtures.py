#!/usr/bin/python3
"""Reference fixtures for gyrograd's losses, computed with PyTorch in float64.

This is an INDEPENDENT implementation written from docs/chest-math.md §1–§5
(the shared math spec), not a translation of lib/. It writes JSON fixtures to
property-tests/fixtures/ holding inputs, options, explicit triplets, loss
values and the gradients (torch.autograd) with respect to every tensor input.
test/reference-parity.test.ts reads them and compares with our TypeScript.

Regenerate (needs the system python with PyTorch, e.g. Debian's python3-torch):

    apt-get install python3-torch
    /usr/bin/python3 reference/make_fixtures.py

The output is deterministic (seeded numpy inputs, float64 throughout). Before
writing, every number is cross-checked against a 50-digit mpmath evaluation of
the same formulas (skip with --no-mp); see reference/README.md.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

# --------------------------------------------------------------------------
# Numerical constants of chest-math.md §1 (float64 values)
PROJ_EPS = 1e-5        # projection: ‖x‖ ≤ (1 − ε)/√c            [float64]
ATANH_EPS = 1e-7       # artanh argument clamped to [−1+ε', 1−ε'] [float64]
MIN_NORM = 1e-15       # guard for divisions by a norm (never active on these inputs)
REG_EPS = 1e-5         # SoftTriple center regularizer: sqrt(2 + 1e-5 − 2cos)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, '..', 'property-tests', 'fixtures')


# ==========================================================================
# §1 Poincaré ball, curvature −c
# ==========================================================================
def norm(x):
    return torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp_min(MIN_NORM)


class _Artanh(torch.autograd.Function):
    """artanh with its argument clamped to [−1+ε', 1−ε'] (chest-math.md §1).

    Backward as in hyptorch / geoopt (the conventions §1 names): g / (1 − ẑ²) at
    the clamped point ẑ, i.e. the gradient passes straight through the clamp
    instead of being cut to zero (torch.clamp's own backward), so points whose
    distance saturates the clamp still get a (finite) gradient.
    """

    @staticmethod
    def forward(ctx, z):
        z = z.clamp(-1 + ATANH_EPS, 1 - ATANH_EPS)
        ctx.save_for_backward(z)
        return 0.5 * (torch.log1p(z) - torch.log1p(-z))

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g / (1 - z * z)


def artanh(z):
    return _Artanh.apply(z)


def mobius_add(x, y, c):
    """x ⊕ y = ((1 + 2c⟨x,y⟩ + c‖y‖²) x + (1 − c‖x‖²) y) / (1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖²)."""
    xy = (x * y).sum(-1, keepdim=True)
    x2 = (x * x).sum(-1, keepdim=True)
    y2 = (y * y).sum(-1, keepdim=True)
    num = (1 + 2 * c * xy + c * y2) * x + (1 - c * x2) * y
    den = 1 + 2 * c * xy + c * c * x2 * y2
    return num / den.clamp_min(MIN_NORM)


def expmap0(v, c):
    """tanh(√c‖v‖) v / (√c‖v‖)."""
    sc = math.sqrt(c)
    n = norm(v)
    return torch.tanh(sc * n) * v / (sc * n)


def project(x, c):
    """Rescale rows with ‖x‖ > (1 − ε)/√c onto that norm."""
    maxnorm = (1 - PROJ_EPS) / math.sqrt(c)
    n = norm(x)
    return torch.where(n > maxnorm, x / n * maxnorm, x)


def clip_r(x, r):
    """x · min(1, r/‖x‖)  (feature clipping, Guo et al. 2021)."""
    n = norm(x)
    return torch.where(n > r, x * (r / n), x)


def to_poincare(x, c, r=2.3):
    return project(expmap0(clip_r(x, r), c), c)


def mobius_sub_norm(x, y, c):
    """‖−x ⊕ y‖ through the identity
        c‖−x ⊕ y‖² = c‖x − y‖² / (c‖x − y‖² + (1 − c‖x‖²)(1 − c‖y‖²)),
    (from §1's ⊕; it is tanh²(√c·d_c/2) with cosh(√c·d_c) = 1 + 2c‖x−y‖²/((1−c‖x‖²)(1−c‖y‖²))).
    Unlike the textbook quotient, which loses ~u·λ_x·λ_y when both points are
    near the boundary, every term here is a sum of non-negative numbers.
    `dist_textbook` below checks the two agree."""
    diff2 = ((x - y) ** 2).sum(-1)
    ax = 1 - c * (x * x).sum(-1)
    ay = 1 - c * (y * y).sum(-1)
    return torch.sqrt(diff2 / (c * diff2 + ax * ay))


def dist(x, y, c):
    """d_c(x, y) = (2/√c) artanh(√c ‖−x ⊕ y‖), row-wise → [N]."""
    sc = math.sqrt(c)
    return (2 / sc) * artanh(sc * mobius_sub_norm(x, y, c))


def dist_textbook(x, y, c):
    """The same with ‖−x ⊕ y‖ from mobius_add (self-check only)."""
    sc = math.sqrt(c)
    return (2 / sc) * artanh(sc * torch.linalg.vector_norm(mobius_add(-x, y, c), dim=-1))


def pairwise_dist(x, y, c):
    """[N, D] × [M, D] → [N, M], the same formula per pair."""
    N, M = x.shape[0], y.shape[0]
    xx = x[:, None, :].expand(N, M, x.shape[1])
    yy = y[None, :, :].expand(N, M, y.shape[1])
    return dist(xx.reshape(N * M, -1), yy.reshape(N * M, -1), c).reshape(N, M)


# ---- HypHC lowest-common-ancestor depth (Chami et al. 2020, hyp_lca) -----
# HypHC works in the unit ball (c = 1). For curvature −c we map the points to
# the unit ball by x ↦ √c·x (an isometry up to the factor 1/√c on distances),
# run the reflection construction there, and return (2/√c)·artanh(‖proj‖).
def _inversion(center, x):
    """Circle inversion of x in the circle centred at `center`, orthogonal to the unit sphere."""
    r2 = (center * center).sum(-1, keepdim=True) - 1.0
    u = x - center
    return r2 / (u * u).sum(-1, keepdim=True) * u + center


def _euc_reflection(x, a):
    """Reflection of x in the line through 0 and a (a diameter: a geodesic)."""
    xa = (x * a).sum(-1, keepdim=True)
    a2 = (a * a).sum(-1, keepdim=True).clamp_min(MIN_NORM)
    return 2 * xa * a / a2 - x


def _halve(x):
    """Point of the geodesic 0 → x at half the (unit-ball) distance."""
    return x / (1.0 + torch.sqrt(1.0 - (x * x).sum(-1, keepdim=True)))


def lca_depth_hyphc(a, b, c):
    """HypHC's hyp_lca, literally (unit ball, after scaling by √c). Self-check only:
    in float64 it loses ~log10(1/δ) digits when a is near the boundary
    (δ = 1 − c‖a‖²), because b's image under the inversion is a/‖a‖² + O(δ)."""
    sc = math.sqrt(c)
    a1, b1 = sc * a, sc * b
    center = a1 / (a1 * a1).sum(-1, keepdim=True)   # inversion centre: maps a1 → 0, 0 → a1
    b_inv = _inversion(center, b1)
    o_inv = a1                                      # image of the origin
    o_inv_ref = _euc_reflection(o_inv, b_inv)      # reflect it in the geodesic (now a diameter)
    o_ref = _inversion(center, o_inv_ref)           # reflection of 0 in geodesic(a, b)
    proj = _halve(o_ref)                            # closest point of the geodesic to 0
    return (2 / sc) * artanh(torch.linalg.vector_norm(proj, dim=-1))


def lca_depth(a, b, c):
    """d_o(a ∨ b): distance from 0 to the geodesic through a and b, row-wise → [N].

    HypHC's reflection construction (lca_depth_hyphc), generalised to curvature
    −c by working on √c·a, √c·b in the unit ball and returning (2/√c)·artanh(‖proj‖),
    with the same steps carried on the small differences from the inversion
    centre m = a/‖a‖² instead of on points near m (which cancel):
      r² = ‖m‖² − 1 = δ/‖a‖²                   (δ = 1 − ‖a‖²)
      w  = b_inv − m = r² (b − m)/‖b − m‖²
      a_⊥ = −‖a‖² w_⊥   (a's component normal to the diameter through b_inv; w_⊥ likewise)
      u  = (reflection of a in that diameter) − m = (a − m) − 2a_⊥ = −(δ/‖a‖²) a + 2‖a‖² w_⊥
      o_ref = m + r² u/‖u‖²   (the origin reflected in the geodesic), proj = o_ref/(1 + √(1 − ‖o_ref‖²)).
    d_o is symmetric; each row inverts about the point nearer the origin.
    """
    sc = math.sqrt(c)
    swap = ((a * a).sum(-1, keepdim=True) > (b * b).sum(-1, keepdim=True))
    a, b = torch.where(swap, b, a), torch.where(swap, a, b)
    a1, b1 = sc * a, sc * b
    s = (a1 * a1).sum(-1, keepdim=True)
    delta = 1 - s
    m = a1 / s
    r2 = delta / s
    v = b1 - m
    w = r2 * v / (v * v).sum(-1, keepdim=True)
    b_inv = m + w
    w_perp = w - (w * b_inv).sum(-1, keepdim=True) / (b_inv * b_inv).sum(-1, keepdim=True) * b_inv
    u = -(delta / s) * a1 + 2 * s * w_perp
    o_ref = m + r2 * u / (u * u).sum(-1, keepdim=True)
    proj = _halve(o_ref)
    return (2 / sc) * artanh(torch.linalg.vector_norm(proj, dim=-1))


def lca_depth_closed_form(a, b, c):
    """The closed form of chest-math.md §4 (used only as a self-check)."""
    r = 1.0 / c
    na = torch.linalg.vector_norm(a, dim=-1)
    nb = torch.linalg.vector_norm(b, dim=-1)
    cos_t = (a * b).sum(-1) / (na * nb)
    sin_t = torch.sqrt(1 - cos_t ** 2)
    alpha = torch.atan((1 / sin_t) * (na * (nb ** 2 + r) / (nb * (na ** 2 + r)) - cos_t))
    R = torch.sqrt(((na ** 2 + r) / (2 * na * torch.cos(alpha))) ** 2 - r)
    p = torch.sqrt(R ** 2 + r) - R
    return (2 / math.sqrt(c)) * artanh(math.sqrt(c) * p)


# ==========================================================================
# §2 SoftTriple
# ==========================================================================
def soft_triple(sim, labels, K, la=20.0, gamma=0.1, margin=0.01):
    B, CK = sim.shape
    C = CK // K
    s = sim.reshape(B, C, K)                                   # class-major columns c·K + k
    prob = torch.softmax(s / gamma, dim=2)
    S = (prob * s).sum(2)                                      # relaxed class similarity [B, C]
    y = torch.as_tensor(labels, dtype=torch.long)
    delta = torch.zeros(B, C)
    delta[torch.arange(B), y] = margin
    return F.cross_entropy(la * (S - delta), y)               # mean over the batch


def center_regularizer(w, K):
    """Σ_c Σ_{k<k'} sqrt(2 + 1e-5 − min(2cos, 2)) / (C·K·(K−1)); 0 when K = 1."""
    CK = w.shape[0]
    C = CK // K
    if K == 1:
        return (w * 0).sum()
    wn = F.normalize(w, dim=1)
    cos = wn @ wn.T
    mask = torch.zeros(CK, CK, dtype=torch.bool)
    for cl in range(C):
        for k in range(K):
            for k2 in range(k + 1, K):
                mask[cl * K + k, cl * K + k2] = True
    two_cos = torch.clamp(2.0 * cos[mask], max=2.0)           # as pytorch-metric-learning
    return torch.sqrt(2.0 + REG_EPS - two_cos).sum() / (C * K * (K - 1))


def cosine_sim(x, w):
    return F.normalize(x, dim=1) @ F.normalize(w, dim=1).T


def euclidean_soft_triple(x, w, labels, K, la=20.0, gamma=0.1, margin=0.01, tau=0.2):
    loss = soft_triple(cosine_sim(x, w), labels, K, la, gamma, margin)
    if tau != 0 and K > 1:
        loss = loss + tau * center_regularizer(w, K)
    return loss


# ==========================================================================
# §3 Hyperbolic SoftTriple
# ==========================================================================
def hyperbolic_soft_triple(x, v, labels, K, c=0.1, clipR=2.3, la=5.0, gamma=0.1, margin=0.01):
    h = to_poincare(x, c, clipR)
    p = to_poincare(v, c, clipR)
    return soft_triple(-pairwise_dist(h, p, c), labels, K, la, gamma, margin)


# ==========================================================================
# §4 HypHC
# ==========================================================================
def hyphc(points, sim, triplets, c, temperature=0.05):
    t = torch.as_tensor(triplets, dtype=torch.long)
    i, j, k = t[:, 0], t[:, 1], t[:, 2]
    xi, xj, xk = points[i], points[j], points[k]
    d = torch.stack([lca_depth(xi, xj, c), lca_depth(xi, xk, c), lca_depth(xj, xk, c)], dim=1)
    w = torch.stack([sim[i, j], sim[i, k], sim[j, k]], dim=1)
    loss = w.sum(1) - (w * torch.softmax(d / temperature, dim=1)).sum(1)
    return loss.mean()


# ==========================================================================
# §5 CHEST
# ==========================================================================
CHEST_DEFAULTS = dict(c=0.1, clipR=2.3,
                      euclidean=dict(la=20.0, gamma=0.1, margin=0.01, tau=0.2),
                      hyperbolic=dict(la=5.0, gamma=0.1, margin=0.01),
                      hyphc=dict(temperature=0.05),
                      weights=dict(euclidean=1.0, hyperbolic=1.0, hyphc=0.1))


def chest_terms(inp, labels, triplets, opts):
    o = json.loads(json.dumps(CHEST_DEFAULTS))
    for key, val in opts.items():
        if isinstance(val, dict):
            o[key].update(val)
        else:
            o[key] = val
    K, c, r = o['centersPerClass'], o['c'], o['clipR']
    e = o['euclidean']
    h = o['hyperbolic']
    wts = o['weights']
    lE = euclidean_soft_triple(inp['euclidean'], inp['euclideanProxies'], labels, K,
                               e['la'], e['gamma'], e['margin'], e['tau'])
    lH = hyperbolic_soft_triple(inp['hyperbolic'], inp['hyperbolicProxies'], labels, K,
                                c, r, h['la'], h['gamma'], h['margin'])
    wE = inp['euclideanProxies'].detach()              # similarities are constants
    W = (1 + cosine_sim(wE, wE)) / 2
    pts = to_poincare(inp['hyperbolicProxies'], c, r)
    lHC = hyphc(pts, W, triplets, c, o['hyphc']['temperature'])
    total = wts['euclidean'] * lE + wts['hyperbolic'] * lH + wts['hyphc'] * lHC
    return dict(euclidean=lE, hyperbolic=lH, hyphc=lHC, total=total)


# ==========================================================================
# fixture helpers
# ==========================================================================
def T(a):
    """numpy → float64 leaf tensor requiring grad."""
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def enc(t):
    a = t.detach().cpu().numpy().astype(np.float64)
    data = [float(v) for v in a.reshape(-1)]
    assert all(math.isfinite(v) for v in data), 'non-finite value in a fixture'
    return dict(shape=list(a.shape), data=data)


def grads_of(value, named):
    names = list(named)
    gs = torch.autograd.grad(value, [named[n] for n in names], allow_unused=True, retain_graph=True)
    return {n: enc(g if g is not None else torch.zeros_like(named[n])) for n, g in zip(names, gs)}


def rand_ball(rng, n, d, c, lo=0.05, hi=0.9):
    """n points of the ball of radius 1/√c with √c‖x‖ uniform in [lo, hi]."""
    v = rng.standard_normal((n, d))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v * rng.uniform(lo, hi, (n, 1)) / math.sqrt(c)


def set_norm(row, target):
    return row / np.linalg.norm(row) * target


def labels_for(rng, B, C):
    y = np.concatenate([np.arange(C), rng.integers(0, C, B - C)])  # every class present
    rng.shuffle(y)
    return [int(v) for v in y]


def random_triplets(rng, P, n):
    out = set()
    while len(out) < n:
        t = tuple(int(v) for v in rng.choice(P, 3, replace=False))
        out.add(t)
    return [list(t) for t in sorted(out)]


DEFAULT_RTOL = 1e-9


def write(name, cases):
    os.makedirs(OUT_DIR, exist_ok=True)
    for cs in cases:
        cs.setdefault('rtol', DEFAULT_RTOL)
    doc = dict(
        generator='reference/make_fixtures.py',
        spec='docs/chest-math.md',
        torch=torch.__version__,
        numpy=np.__version__,
        dtype='float64',
        cases=cases,
    )
    path = os.path.join(OUT_DIR, name)
    with open(path, 'w') as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write('\n')
    print(f'wrote {os.path.relpath(path)}: {len(cases)} cases')


# ==========================================================================
# cases
# ==========================================================================
def poincare_cases():
    """Row-wise ball ops: values and vector-Jacobian products with a fixed cotangent."""
    cases = []

    def vjp_case(name, op, c, fn, inputs, extra=None):
        xs = {k: T(v) for k, v in inputs.items()}
        out = fn(*xs.values())
        rng_c = np.random.default_rng(1000 + len(cases))
        cot = torch.tensor(rng_c.standard_normal(tuple(out.shape)))
        scalar = (out * cot).sum()
        case = dict(name=name, op=op, c=c, inputs={k: enc(v) for k, v in xs.items()},
                    cotangent=enc(cot), output=enc(out), grads=grads_of(scalar, xs))
        if extra:
            case.update(extra)
        cases.append(case)

    for c in (0.1, 1.0):
        rng = np.random.default_rng(int(100 * c) + 1)
        x = rand_ball(rng, 5, 4, c)
        y = rand_ball(rng, 5, 4, c)
        x[4] = set_norm(x[4], (1 - 2e-5) / math.sqrt(c))          # near the boundary
        y[3] = set_norm(y[3], (1 - 3e-5) / math.sqrt(c))
        tx, ty = torch.tensor(x), torch.tensor(y)
        rel = ((dist(tx, ty, c) - dist_textbook(tx, ty, c)).abs() / dist(tx, ty, c))[:3].max().item()
        assert rel < 1e-13, f'distance identity vs textbook Möbius form disagree on interior rows: {rel}'
        vjp_case(f'mobiusAdd c={c}', 'mobiusAdd', c, lambda a, b: mobius_add(a, b, c), dict(x=x, y=y))
        vjp_case(f'dist c={c} (incl. near-boundary rows)', 'dist', c, lambda a, b: dist(a, b, c), dict(x=x, y=y))
        vjp_case(f'pairwiseDist c={c}', 'pairwiseDist', c, lambda a, b: pairwise_dist(a, b, c),
                 dict(x=x[:4], y=y[:3]))
        v = rng.standard_normal((5, 4)) * np.array([[0.3], [1.0], [2.0], [4.0], [9.0]])
        vjp_case(f'expmap0 c={c}', 'expmap0', c, lambda a: expmap0(a, c), dict(v=v[:4]))
        p = rand_ball(rng, 4, 3, c)
        p[1] = set_norm(p[1], 1.2 / math.sqrt(c))                  # outside: projected
        p[2] = set_norm(p[2], (1 - 1e-6) / math.sqrt(c))           # inside the ball, beyond 1 − ε: projected
        p[3] = set_norm(p[3], (1 - 2e-5) / math.sqrt(c))           # inside the projection radius: kept
        vjp_case(f'project c={c}', 'project', c, lambda a: project(a, c), dict(x=p))
        for r in (2.3, 1.0):
            vjp_case(f'toPoincare c={c} clipR={r}', 'toPoincare', c, lambda a: to_poincare(a, c, r),
                     dict(x=v), extra=dict(clipR=r))
        a = rand_ball(rng, 6, 4, c, 0.1, 0.95)
        b = rand_ball(rng, 6, 4, c, 0.1, 0.95)
        a[5] = set_norm(a[5], (1 - 2e-5) / math.sqrt(c))
        b[4] = set_norm(b[4], (1 - 4e-5) / math.sqrt(c))
        ta, tb = torch.tensor(a), torch.tensor(b)
        ref, cf, lit = lca_depth(ta, tb, c), lca_depth_closed_form(ta, tb, c), lca_depth_hyphc(ta, tb, c)
        rel = ((ref - cf).abs() / ref.abs()).max().item()
        assert rel < 1e-8, f'reflection vs closed-form LCA depth disagree: {rel}'
        rel = ((ref - lit).abs() / ref.abs())[:4].max().item()
        assert rel < 1e-13, f'stable vs literal HypHC construction disagree on interior rows: {rel}'
        vjp_case(f'lcaDepth c={c} (incl. near-boundary rows)', 'lcaDepth', c, lambda s, t: lca_depth(s, t, c),
                 dict(a=a, b=b))
    return cases


def softtriple_cases():
    cases = []
    specs = [
        ('defaults, C=3 K=3 B=6', dict(centersPerClass=3), 6, 3, 11),
        ('la=10 gamma=0.5 margin=0.2, C=4 K=2 B=8', dict(centersPerClass=2, la=10.0, gamma=0.5, margin=0.2), 8, 4, 12),
        ('defaults, C=4 K=1 B=5', dict(centersPerClass=1), 5, 4, 13),
    ]
    for name, opts, B, C, seed in specs:
        rng = np.random.default_rng(seed)
        K = opts['centersPerClass']
        sim = T(rng.uniform(-1, 1, (B, C * K)))
        labels = labels_for(rng, B, C)
        val = soft_triple(sim, labels, K, opts.get('la', 20.0), opts.get('gamma', 0.1), opts.get('margin', 0.01))
        cases.append(dict(name=name, options=opts, inputs=dict(sim=enc(sim)), labels=labels,
                          value=val.item(), grads=grads_of(val, dict(sim=sim))))
    return cases


def center_regularizer_cases():
    cases = []
    for name, C, K, D, seed in [('C=3 K=3 D=5', 3, 3, 5, 21), ('C=4 K=2 D=4', 4, 2, 4, 22), ('C=3 K=1 D=3', 3, 1, 3, 23)]:
        rng = np.random.default_rng(seed)
        w = T(rng.standard_normal((C * K, D)) * rng.uniform(0.5, 3, (C * K, 1)))
        val = center_regularizer(w, K)
        cases.append(dict(name=name, options=dict(centersPerClass=K), inputs=dict(centers=enc(w)),
                          value=val.item(), grads=grads_of(val, dict(centers=w))))
    return cases


def euclidean_cases():
    cases = []
    specs = [
        ('tau=0.2 K=3', dict(centersPerClass=3, tau=0.2), 31),
        ('tau=0 (regularizer off) K=3', dict(centersPerClass=3, tau=0.0), 32),
        ('tau=0.2 K=1', dict(centersPerClass=1, tau=0.2), 33),
        ('tau=0 K=1', dict(centersPerClass=1, tau=0.0), 34),
        ('tau=0.2 K=2 la=15 gamma=0.2 margin=0.05', dict(centersPerClass=2, tau=0.2, la=15.0, gamma=0.2, margin=0.05), 35),
    ]
    for name, opts, seed in specs:
        rng = np.random.default_rng(seed)
        K, B, C, D = opts['centersPerClass'], 7, 3, 5
        x = T(rng.standard_normal((B, D)) * 2)
        w = T(rng.standard_normal((C * K, D)))
        labels = labels_for(rng, B, C)
        val = euclidean_soft_triple(x, w, labels, K, opts.get('la', 20.0), opts.get('gamma', 0.1),
                                    opts.get('margin', 0.01), opts['tau'])
        cases.append(dict(name=name, options=opts, inputs=dict(embeddings=enc(x), centers=enc(w)), labels=labels,
                          value=val.item(), grads=grads_of(val, dict(embeddings=x, centers=w))))
    return cases


def hyperbolic_cases():
    cases = []
    specs = [
        ('c=0.1 defaults (clipR 2.3, la 5, gamma 0.1, margin 0.01), K=2', dict(centersPerClass=2, c=0.1), 41, 0.3, 4.0),
        ('c=1 clipR=1 la=8 gamma=0.2 margin=0.05, K=3', dict(centersPerClass=3, c=1.0, clipR=1.0, la=8.0, gamma=0.2, margin=0.05), 42, 0.2, 2.0),
        ('c=1 clipR=10: features mapped near/onto the boundary (projected), interior proxies, K=2',
         dict(centersPerClass=2, c=1.0, clipR=10.0), 43, 0.2, 3.0),
        ('c=1 clipR=10: a feature and a proxy both projected onto the boundary, their distance saturates '
         'the artanh clamp (straight-through gradient), K=2',
         dict(centersPerClass=2, c=1.0, clipR=10.0, la=2.0, gamma=1.0), 44, 0.2, 3.0),
    ]
    for name, opts, seed, lo, hi in specs:
        rng = np.random.default_rng(seed)
        K, B, C, D = opts['centersPerClass'], 6, 3, 4
        xs = rng.standard_normal((B, D))
        xs = xs / np.linalg.norm(xs, axis=1, keepdims=True) * rng.uniform(lo, hi, (B, 1))
        vs = rng.standard_normal((C * K, D))
        vs = vs / np.linalg.norm(vs, axis=1, keepdims=True) * rng.uniform(lo, hi, (C * K, 1))
        if seed in (43, 44):
            xs[0] = set_norm(xs[0], 8.0)    # tanh(8) > 1 − 1e-5: projected onto (1 − 1e-5)/√c
            xs[1] = set_norm(xs[1], 6.0)    # tanh(6) ≈ 1 − 1.2e-5: inside, very close to the boundary
        if seed == 44:
            vs[0] = set_norm(vs[0], 9.0)    # projected proxy: d(h_0, p_0) saturates the clamp
        x, v = T(xs), T(vs)
        labels = labels_for(rng, B, C)
        val = hyperbolic_soft_triple(x, v, labels, K, opts['c'], opts.get('clipR', 2.3), opts.get('la', 5.0),
                                     opts.get('gamma', 0.1), opts.get('margin', 0.01))
        case = dict(name=name, options=opts, inputs=dict(features=enc(x), proxies=enc(v)), labels=labels,
                    value=val.item(), grads=grads_of(val, dict(features=x, proxies=v)))
        if seed in (43, 44):
            # Rows within 1e-5 of the boundary: the loss is ~1/(1 − c‖h‖²) ≈ 1e5 times worse
            # conditioned, and the gradient of a projected row is the tangential part of a
            # gradient ~1e5 larger. Measured against 50-digit mpmath, both float64
            # implementations (this one and lib/) are off by up to ~1.6e-9 here.
            case['rtol'] = 1e-8
        cases.append(case)
    return cases


def hyphc_cases():
    cases = []
    specs = [
        ('c=0.1 T=0.05, all triplets i<j<k', 0.1, 0.05, 51, 'all', False),
        ('c=0.1 T=0.1, random ordered triplets', 0.1, 0.1, 52, 'random', False),
        ('c=1 T=0.05, random ordered triplets', 1.0, 0.05, 53, 'random', False),
        ('c=1 T=0.1, near-boundary points, all triplets', 1.0, 0.1, 54, 'all', True),
    ]
    for name, c, temp, seed, tmode, near in specs:
        rng = np.random.default_rng(seed)
        P, D = 6, 4
        pts = rand_ball(rng, P, D, c, 0.1, 0.9)
        if near:
            pts[0] = set_norm(pts[0], (1 - 2e-5) / math.sqrt(c))
            pts[3] = set_norm(pts[3], (1 - 1e-4) / math.sqrt(c))
        s = rng.uniform(0, 1, (P, P))
        s = (s + s.T) / 2
        np.fill_diagonal(s, 1.0)
        if tmode == 'all':
            trip = [list(t) for t in itertools.combinations(range(P), 3)]
        else:
            trip = []
            for t in random_triplets(rng, P, 12):
                trip.append([int(v) for v in rng.permutation(t)])
        x, w = T(pts), T(s)
        val = hyphc(x, w, trip, c, temp)
        cases.append(dict(name=name, c=c, options=dict(temperature=temp), inputs=dict(points=enc(x), similarity=enc(w)),
                          triplets=trip, value=val.item(), grads=grads_of(val, dict(points=x, similarity=w))))
    return cases


def chest_cases():
    cases = []
    specs = [
        ('defaults, C=3 K=2 B=8, D_E=5 D_H=4', dict(centersPerClass=2), 3, 8, 5, 4, 61, 2.0, 1.5),
        ('c=0.5 clipR=1.5 non-default la/gamma/margin/tau, weights {0.5, 2, 0.3}, T=0.1, C=4 K=2 B=8, D_E=6 D_H=3',
         dict(centersPerClass=2, c=0.5, clipR=1.5,
              euclidean=dict(la=15.0, gamma=0.2, margin=0.05, tau=0.3),
              hyperbolic=dict(la=8.0, gamma=0.2, margin=0.03),
              hyphc=dict(temperature=0.1),
              weights=dict(euclidean=0.5, hyperbolic=2.0, hyphc=0.3)), 4, 8, 6, 3, 62, 2.5, 2.5),
        ('defaults, C=2 K=3 B=6, D_E=4 D_H=5', dict(centersPerClass=3), 2, 6, 4, 5, 63, 1.0, 3.0),
    ]
    for name, opts, C, B, DE, DH, seed, escale, hscale in specs:
        rng = np.random.default_rng(seed)
        K = opts['centersPerClass']
        P = C * K
        inp = dict(
            euclidean=T(rng.standard_normal((B, DE)) * escale),
            hyperbolic=T(rng.standard_normal((B, DH)) * hscale / math.sqrt(DH)),
            euclideanProxies=T(rng.standard_normal((P, DE))),
            hyperbolicProxies=T(rng.standard_normal((P, DH)) * hscale / math.sqrt(DH)),
        )
        labels = labels_for(rng, B, C)
        trip = [[int(v) for v in rng.permutation(t)] for t in random_triplets(rng, P, min(12, math.comb(P, 3)))]
        terms = chest_terms(inp, labels, trip, opts)
        cases.append(dict(
            name=name, options=opts, inputs={k: enc(v) for k, v in inp.items()}, labels=labels, triplets=trip,
            terms={k: v.item() for k, v in terms.items()},
            grads={k: grads_of(v, inp) for k, v in terms.items()},
        ))
    return cases


# ==========================================================================
# high-precision cross-check of the fixtures (mpmath, 50 digits)
# ==========================================================================
# A third, scalar implementation of the same formulas in mpmath (textbook forms
# throughout: at 50 digits their cancellations are harmless), differentiated by
# central finite differences (h = 1e-20: truncation ~1e-40, rounding ~1e-30).
# It checks that the float64 torch numbers written to the fixtures are accurate,
# not merely self-consistent. Gradients through a saturated artanh clamp are
# straight-through by convention; for the finite differences the clamped
# artanh is continued linearly past the clamp with that slope.
def mp_verify(files):
    try:
        import mpmath as mp
    except ImportError:
        print('mpmath not installed: skipping the high-precision check')
        return
    mp.mp.dps = 50
    H = mp.mpf(10) ** -20
    state = dict(clamped=False, linear=False, base=[], i=0)

    def dot(u, v):
        return mp.fsum(a * b for a, b in zip(u, v))

    def nrm(u):
        return mp.sqrt(dot(u, u))

    def m_artanh(z):
        lim = 1 - mp.mpf(ATANH_EPS)
        if state['linear']:
            # replay: the call sites come in the same order as in the base evaluation
            z0 = state['base'][state['i']]
            state['i'] += 1
            if z0 > lim or z0 < -lim:
                # straight-through convention: around a clamped base argument z0 use
                # atanh(ẑ0) + (z − z0)/(1 − ẑ0²), whose derivative is the straight-through one
                zc = max(min(z0, lim), -lim)
                return mp.atanh(zc) + (z - z0) / (1 - zc * zc)
            return mp.atanh(z)
        state['base'].append(z)
        if z > lim or z < -lim:
            state['clamped'] = True
            z = max(min(z, lim), -lim)
        return mp.atanh(z)

    def m_madd(x, y, c):
        xy, x2, y2 = dot(x, y), dot(x, x), dot(y, y)
        den = 1 + 2 * c * xy + c * c * x2 * y2
        return [((1 + 2 * c * xy + c * y2) * a + (1 - c * x2) * b) / den for a, b in zip(x, y)]

    def m_dist(x, y, c):
        sc = mp.sqrt(c)
        return 2 / sc * m_artanh(sc * nrm(m_madd([-a for a in x], y, c)))

    def m_expmap0(v, c):
        sc, n = mp.sqrt(c), nrm(v)
        return [mp.tanh(sc * n) * a / (sc * n) for a in v]

    def m_project(x, c):
        mx, n = (1 - mp.mpf(PROJ_EPS)) / mp.sqrt(c), nrm(x)
        return [a / n * mx for a in x] if n > mx else list(x)

    def m_clip(x, r):
        n = nrm(x)
        return [a * r / n for a in x] if n > r else list(x)

    def m_to_poincare(x, c, r):
        return m_project(m_expmap0(m_clip(x, r), c), c)

    def m_lca(a, b, c):
        sc = mp.sqrt(c)
        a1, b1 = [sc * t for t in a], [sc * t for t in b]
        aa = dot(a1, a1)
        cen = [t / aa for t in a1]

        def inv(x):
            r2 = dot(cen, cen) - 1
            u = [p - q for p, q in zip(x, cen)]
            uu = dot(u, u)
            return [r2 / uu * p + q for p, q in zip(u, cen)]

        bi = inv(b1)
        k = 2 * dot(a1, bi) / dot(bi, bi)
        o = inv([k * q - p for p, q in zip(a1, bi)])
        oo = dot(o, o)
        proj = [t / (1 + mp.sqrt(1 - oo)) for t in o]
        return 2 / sc * m_artanh(nrm(proj))

    def m_softmax(v):
        m = max(v)
        e = [mp.exp(t - m) for t in v]
        z = mp.fsum(e)
        return [t / z for t in e]

    def m_soft_triple(sim, labels, K, la, gamma, margin):
        tot = []
        for row, y in zip(sim, labels):
            C = len(row) // K
            S = []
            for cl in range(C):
                s = row[cl * K:(cl + 1) * K]
                S.append(mp.fsum(p * t for p, t in zip(m_softmax([t / gamma for t in s]), s)))
            logits = [la * (S[cl] - (margin if cl == y else 0)) for cl in range(C)]
            m = max(logits)
            tot.append(m + mp.log(mp.fsum(mp.exp(t - m) for t in logits)) - logits[y])
        return mp.fsum(tot) / len(tot)

    def m_normalize(u):
        n = nrm(u)
        return [t / n for t in u]

    def m_cos(X, W):
        Xn, Wn = [m_normalize(r) for r in X], [m_normalize(r) for r in W]
        return [[dot(a, b) for b in Wn] for a in Xn]

    def m_reg(W, K):
        if K == 1:
            return mp.mpf(0)
        C = len(W) // K
        Wn = [m_normalize(r) for r in W]
        acc = []
        for cl in range(C):
            for k in range(K):
                for k2 in range(k + 1, K):
                    acc.append(mp.sqrt(2 + mp.mpf(REG_EPS) - min(2 * dot(Wn[cl * K + k], Wn[cl * K + k2]), 2)))
        return mp.fsum(acc) / (C * K * (K - 1))

    def m_est(X, W, labels, o):
        K = o['centersPerClass']
        l = m_soft_triple(m_cos(X, W), labels, K, o.get('la', 20.0), o.get('gamma', 0.1), o.get('margin', 0.01))
        tau = o.get('tau', 0.2)
        return l + tau * m_reg(W, K) if tau != 0 and K > 1 else l

    def m_hst(X, V, labels, o):
        c, r = mp.mpf(o.get('c', 0.1)), mp.mpf(o.get('clipR', 2.3))
        h = [m_to_poincare(t, c, r) for t in X]
        p = [m_to_poincare(t, c, r) for t in V]
        sim = [[-m_dist(a, b, c) for b in p] for a in h]
        return m_soft_triple(sim, labels, o['centersPerClass'], o.get('la', 5.0), o.get('gamma', 0.1), o.get('margin', 0.01))

    def m_hyphc(Pt, S, trip, c, T):
        acc = []
        for i, j, k in trip:
            d = [m_lca(Pt[i], Pt[j], c), m_lca(Pt[i], Pt[k], c), m_lca(Pt[j], Pt[k], c)]
            w = [S[i][j], S[i][k], S[j][k]]
            acc.append(mp.fsum(w) - mp.fsum(a * b for a, b in zip(w, m_softmax([t / T for t in d]))))
        return mp.fsum(acc) / len(acc)

    def rows(flat, shape):
        if len(shape) == 1:
            return list(flat)
        return [list(flat[i * shape[1]:(i + 1) * shape[1]]) for i in range(shape[0])]

    def chest_fn(o, labels, trip):
        oo = json.loads(json.dumps(CHEST_DEFAULTS))
        for key, val in o.items():
            if isinstance(val, dict):
                oo[key].update(val)
            else:
                oo[key] = val
        K, c, r = oo['centersPerClass'], mp.mpf(oo['c']), mp.mpf(oo['clipR'])

        def f(a, const):
            e = m_est(a['euclidean'], a['euclideanProxies'], labels, dict(oo['euclidean'], centersPerClass=K))
            h = m_hst(a['hyperbolic'], a['hyperbolicProxies'], labels,
                      dict(oo['hyperbolic'], centersPerClass=K, c=oo['c'], clipR=oo['clipR']))
            WE = const['euclideanProxies']          # detached: the unperturbed proxies
            cs = m_cos(WE, WE)
            S = [[(1 + t) / 2 for t in row] for row in cs]
            pts = [m_to_poincare(t, c, r) for t in a['hyperbolicProxies']]
            hc = m_hyphc(pts, S, trip, c, mp.mpf(oo['hyphc']['temperature']))
            wt = oo['weights']
            return dict(euclidean=e, hyperbolic=h, hyphc=hc, total=wt['euclidean'] * e + wt['hyperbolic'] * h + wt['hyphc'] * hc)
        return f

    def relerr(ours, ref):
        scale = max([abs(t) for t in ref] + [0])
        worst = 0.0
        for a, b in zip(ours, ref):
            den = max(abs(b), 1e-6 * scale)
            worst = max(worst, float(abs(a - b) / den) if den else float(abs(a - b)))
        return worst

    def check(label, inputs, f, expect_vals, expect_grads):
        """f(arrays, const) → dict name → mpf scalar or list of mpf (flat)."""
        base = {n: rows([mp.mpf(v) for v in a['data']], a['shape']) for n, a in inputs.items()}
        state['clamped'] = False
        state['base'] = []
        vals = f(base, base)
        clamped = state['clamped']
        ev = 0.0
        for n, want in expect_vals.items():
            got = vals[n] if isinstance(vals[n], list) else [vals[n]]
            ev = max(ev, relerr(want, [float(t) for t in got]))
        eg = 0.0
        state['linear'] = True
        if True:
            for n, a in inputs.items():
                flat = [mp.mpf(v) for v in a['data']]
                fd = {k: [] for k in expect_grads}
                for idx in range(len(flat)):
                    out = []
                    for sgn in (1, -1):
                        state['i'] = 0
                        pert = list(flat)
                        pert[idx] += sgn * H
                        arrs = dict(base)
                        arrs[n] = rows(pert, a['shape'])
                        out.append(f(arrs, base))
                    for k in expect_grads:
                        fd[k].append((out[0][k] - out[1][k]) / (2 * H))
                for k in expect_grads:
                    eg = max(eg, relerr(expect_grads[k][n]['data'], [float(t) for t in fd[k]]))
        state['linear'] = False
        note = '(artanh clamp saturated: straight-through gradient)' if clamped else ''
        print(f'  {label:<100.100} value {ev:.1e}  grad {eg:.1e} {note}')
        return ev, eg

    worst = [0.0, 0.0, 0.0]   # worst value error, worst gradient error, worst error / (case rtol)

    def acc(r, cs):
        worst[0], worst[1] = max(worst[0], r[0]), max(worst[1], r[1])
        worst[2] = max(worst[2], max(r) / cs.get('rtol', DEFAULT_RTOL))

    print('high-precision check (mpmath, 50 digits): max relative difference of the float64 fixture')
    for cs in files['poincare.json']:
        c, op, names = mp.mpf(cs['c']), cs['op'], list(cs['inputs'])
        cot = [mp.mpf(v) for v in cs['cotangent']['data']]

        def f(a, const, c=c, op=op, names=names, cs=cs, cot=cot):
            X = a[names[0]]
            Y = a[names[1]] if len(names) > 1 else None
            if op == 'mobiusAdd':
                out = [t for x, y in zip(X, Y) for t in m_madd(x, y, c)]
            elif op == 'dist':
                out = [m_dist(x, y, c) for x, y in zip(X, Y)]
            elif op == 'pairwiseDist':
                out = [m_dist(x, y, c) for x in X for y in Y]
            elif op == 'expmap0':
                out = [t for x in X for t in m_expmap0(x, c)]
            elif op == 'project':
                out = [t for x in X for t in m_project(x, c)]
            elif op == 'toPoincare':
                out = [t for x in X for t in m_to_poincare(x, c, mp.mpf(cs['clipR']))]
            else:
                out = [m_lca(x, y, c) for x, y in zip(X, Y)]
            return dict(output=out, vjp=mp.fsum(o * w for o, w in zip(out, cot)))
        acc(check(f'poincare: {cs["name"]}', cs['inputs'], f, dict(output=cs['output']['data']), dict(vjp=cs['grads'])), cs)
    for cs in files['softTriple.json']:
        o = cs['options']
        f = (lambda a, const, o=o, cs=cs: dict(value=m_soft_triple(a['sim'], cs['labels'], o['centersPerClass'],
                                                                     o.get('la', 20.0), o.get('gamma', 0.1), o.get('margin', 0.01))))
        acc(check(f'softTriple: {cs["name"]}', cs['inputs'], f, dict(value=[cs['value']]), dict(value=cs['grads'])), cs)
    for cs in files['centerRegularizer.json']:
        f = lambda a, const, cs=cs: dict(value=m_reg(a['centers'], cs['options']['centersPerClass']))
        acc(check(f'centerRegularizer: {cs["name"]}', cs['inputs'], f, dict(value=[cs['value']]), dict(value=cs['grads'])), cs)
    for cs in files['euclideanSoftTriple.json']:
        f = lambda a, const, cs=cs: dict(value=m_est(a['embeddings'], a['centers'], cs['labels'], cs['options']))
        acc(check(f'euclideanSoftTriple: {cs["name"]}', cs['inputs'], f, dict(value=[cs['value']]), dict(value=cs['grads'])), cs)
    for cs in files['hyperbolicSoftTriple.json']:
        f = lambda a, const, cs=cs: dict(value=m_hst(a['features'], a['proxies'], cs['labels'], cs['options']))
        acc(check(f'hyperbolicSoftTriple: {cs["name"]}', cs['inputs'], f, dict(value=[cs['value']]), dict(value=cs['grads'])), cs)
    for cs in files['hyphc.json']:
        f = lambda a, const, cs=cs: dict(value=m_hyphc(a['points'], a['similarity'], cs['triplets'], mp.mpf(cs['c']),
                                                        mp.mpf(cs['options']['temperature'])))
        acc(check(f'hyphc: {cs["name"]}', cs['inputs'], f, dict(value=[cs['value']]), dict(value=cs['grads'])), cs)
    for cs in files['chest.json']:
        f = chest_fn(cs['options'], cs['labels'], cs['triplets'])
        acc(check(f'chest: {cs["name"]}', cs['inputs'], f, {k: [v] for k, v in cs['terms'].items()}, cs['grads']), cs)
    print(f'high-precision check: worst value {worst[0]:.2e}, worst gradient {worst[1]:.2e}, '
          f'worst error / case tolerance {worst[2]:.2f}')
    # the reference must use at most a quarter of each case's parity tolerance
    assert worst[2] <= 0.25, 'the float64 reference is less accurate than the parity tolerance needs'


def main():
    files = {
        'poincare.json': poincare_cases(),
        'softTriple.json': softtriple_cases(),
        'centerRegularizer.json': center_regularizer_cases(),
        'euclideanSoftTriple.json': euclidean_cases(),
        'hyperbolicSoftTriple.json': hyperbolic_cases(),
        'hyphc.json': hyphc_cases(),
        'chest.json': chest_cases(),
    }
    if '--no-mp' not in sys.argv:
        mp_verify(files)   # fails (and writes nothing) if the float64 numbers are not accurate enough
    for name, cases in files.items():
        write(name, cases)


if __name__ == '__main__':
    sys.exit(main())
