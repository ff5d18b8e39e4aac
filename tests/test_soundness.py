"""Soundness against an exhaustive oracle, in every regime of the cost model.

Random small instances (n <= 8, k <= 5) are solved exactly by `tests/oracle.py`, which is written from
the definition alone. Against that optimum OPT: every lower bound the package computes is <= OPT (up to
1e-9 relative and 1e-12 absolute), every partition it returns is valid and reports the oracle's cost of
that assignment, the slicing DP of an order equals brute force over the slicings of that order, and
"infeasible" is said only when no partition fits. Each test collects every violation with a reproducer
(the package code that rebuilds the instance) and fails listing them.

Profiles: by default >= 10,000 instances for the cheap checks and a few hundred for the MIP bounds;
`pytest --slow` runs ten times as many of each.
"""
from __future__ import annotations
import heapq, json, math, os
from collections import Counter

import numpy as np
import pytest

from pipeline_nb.graph import Contracted, CostModel, Graph, GraphError, Partition
from pipeline_nb.bounds import lb0, node_cut
from pipeline_nb.slicing import random_search, slice_given, slice_order
from pipeline_nb.brkga import partition
from pipeline_nb.ends import ends_bound
from pipeline_nb.mip import BOUNDS, bottleneck_mip, compute_bounds, exact_mip, guess_bound, node_mip, window_bound
from pipeline_nb.certificate import solve
from pipeline_nb.refine import refine

import oracle
from oracle import Instance

# ---------------------------------------------------------------------------------------------- instances

def _dag(rng, n, p):
    "Edges of a random DAG over nodes listed in random (usually not topological) order."
    rank = rng.permutation(n)
    return tuple((u, v) for u in range(n) for v in range(n) if rank[u] < rank[v] and rng.random() < p)


def _ints(rng, hi, n): return tuple(float(x) for x in rng.integers(0, hi, n))


def _groups(rng, n, edges, cycles: bool):
    "One or two colocation groups; `cycles`: only groups whose contraction has a cycle, else only ones without."
    for _ in range(50):
        group = [-1] * n
        nodes = rng.permutation(n)
        at = 0
        for label in range(rng.integers(1, 3)):
            size = int(rng.integers(2, 4))
            for v in nodes[at:at + size]: group[v] = label
            at += size
        inst = Instance((0.0,) * n, (0.0,) * n, (0.0,) * n, edges, tuple(group), 1)
        plain = {frozenset(v for v in range(n) if group[v] == g) for g in set(group) - {-1}}
        plain |= {frozenset([v]) for v in range(n) if group[v] == -1}
        has_cycle = set(inst.forced_classes()) != plain
        if has_cycle == cycles: return tuple(group)
    return None


def _base(rng, n_max=8):
    n = int(rng.integers(1, n_max + 1))
    edges = _dag(rng, n, rng.choice([0.0, 0.2, 0.35, 0.6]))
    k = int(rng.integers(1, 6))
    return n, edges, k


def _real(rng, n, scale=10.0):
    "Integer or continuous non-negative values."
    return _ints(rng, 10, n) if rng.random() < 0.5 else tuple(float(x) for x in rng.random(n) * scale)


def regime_plain(rng):
    n, edges, k = _base(rng)
    return Instance(_real(rng, n), _ints(rng, 6, n), _real(rng, n), edges, (-1,) * n, k)


def regime_c_in_c_out(rng):
    n, edges, k = _base(rng)
    c_in, c_out = (float(rng.choice([0.0, 0.1, 0.5, 1.7, 4.0, rng.random() * 3])) for _ in range(2))
    return Instance(_real(rng, n), _ints(rng, 6, n), _real(rng, n), edges, (-1,) * n, k, c_in=c_in, c_out=c_out)


def regime_memory_limit(rng):
    n, edges, k = _base(rng)
    param = _ints(rng, 8, n)
    limit = float(rng.choice([0.0, rng.integers(0, 1 + int(sum(param))), rng.random() * sum(param)]))
    c_ov = float(rng.choice([0.05, 0.5, 1.0, 4.0]))
    return Instance(_real(rng, n), param, _real(rng, n), edges, (-1,) * n, k, memory_limit=limit, c_ov=c_ov,
                    c_in=float(rng.choice([1.0, 0.3])), c_out=float(rng.choice([1.0, 2.0])))


def regime_memory_cap(rng):
    n, edges, k = _base(rng)
    param = _ints(rng, 8, n)
    cap = float(rng.uniform(0.9, 1.6) * max(max(param), sum(param) / k))
    limit = float(rng.random() * cap) if rng.random() < 0.4 else None
    return Instance(_real(rng, n), param, _real(rng, n), edges, (-1,) * n, k, memory_cap=cap, memory_limit=limit)


def regime_bytes_small_c_ov(rng):
    "Parameters in bytes (~1e8), transfers in bytes at ~1 GB/s, c_ov ~1e-7 per byte, work in ms."
    n, edges, k = _base(rng)
    param = tuple(float(x) * 1e7 for x in rng.integers(1, 30, n))
    size = tuple(float(x) * 1e5 for x in rng.integers(0, 50, n))
    c = float(rng.choice([1e-9, 1000 / 2 ** 31, 1e-8]))
    limit = float(rng.uniform(0.3, 2.0) * sum(param) / k)
    c_ov = float(10 ** rng.uniform(-8, -6))
    cap = float(rng.uniform(1.0, 2.0) * max(param)) if rng.random() < 0.3 else None
    return Instance(_ints(rng, 50, n), param, size, edges, (-1,) * n, k, c_in=c, c_out=c, memory_limit=limit,
                    c_ov=c_ov, memory_cap=cap)


def regime_huge(rng):
    n, edges, k = _base(rng)
    scale = 10 ** rng.uniform(6, 9)
    param = tuple(x * scale for x in _ints(rng, 6, n))
    limit = float(rng.random() * sum(param)) if rng.random() < 0.5 else None
    return Instance(tuple(x * scale for x in _real(rng, n)), param, tuple(x * scale for x in _real(rng, n)), edges,
                    (-1,) * n, k, memory_limit=limit, c_ov=float(rng.choice([1.0, 1e-3])))


def regime_tiny(rng):
    n, edges, k = _base(rng)
    scale = 10 ** rng.uniform(-7, -5)
    param = tuple(x * scale for x in _ints(rng, 6, n))
    limit = float(rng.random() * sum(param)) if rng.random() < 0.5 else None
    return Instance(tuple(x * scale for x in _real(rng, n)), param, tuple(x * scale for x in _real(rng, n)), edges,
                    (-1,) * n, k, memory_limit=limit)


def regime_zero_work_memory(rng):
    "All work 0: only communication and the memory terms (limit with overflow weight, and/or a hard cap)."
    n, edges, k = _base(rng)
    param = _ints(rng, 8, n)
    size = _real(rng, n) if rng.random() < 0.7 else (0.0,) * n
    limit = float(rng.choice([0.0, rng.random() * sum(param)]))
    cap = float(max(param) + rng.integers(0, 6)) if rng.random() < 0.4 else None
    return Instance((0.0,) * n, param, size, edges, (-1,) * n, k, memory_limit=limit,
                    c_ov=float(rng.choice([1.0, 0.5, 3.0])), memory_cap=cap)


def regime_zero_work_cap(rng):
    n, edges, k = _base(rng)
    param = _ints(rng, 8, n)
    size = _real(rng, n) if rng.random() < 0.5 else (0.0,) * n
    cap = float(rng.uniform(0.9, 1.5) * max(max(param), sum(param) / k))
    return Instance((0.0,) * n, param, size, edges, (-1,) * n, k, memory_cap=cap)


def regime_zero_sizes(rng):
    n, edges, k = _base(rng)
    param = _ints(rng, 6, n)
    limit = float(rng.random() * sum(param)) if rng.random() < 0.5 else None
    return Instance(_real(rng, n), param, (0.0,) * n, edges, (-1,) * n, k, memory_limit=limit)


def regime_zero_everything(rng):
    n, edges, k = _base(rng)
    z = (0.0,) * n
    memory = dict(memory_limit=0.0) if rng.random() < 0.3 else dict(memory_cap=0.0) if rng.random() < 0.3 else {}
    return Instance(z, z, z, edges, (-1,) * n, k, **memory)


def regime_groups(rng):
    "Colocation groups whose contraction stays acyclic, with a random cost model."
    inst = regime_mixed(rng, groups=False)
    group = _groups(rng, inst.n, inst.edges, cycles=False) if inst.n >= 2 else None
    return inst if group is None else Instance(**{**inst.__dict__, "group": group})


def regime_mixed(rng, groups=True):
    "A bit of everything at once."
    n, edges, k = _base(rng)
    param = _ints(rng, 8, n)
    cm = {}
    if rng.random() < 0.5: cm.update(c_in=float(rng.random() * 2), c_out=float(rng.random() * 2))
    if rng.random() < 0.5: cm.update(memory_limit=float(rng.random() * sum(param)), c_ov=float(rng.random() * 3))
    if rng.random() < 0.3: cm.update(memory_cap=float(max(param) + rng.integers(0, 8)))
    work = _real(rng, n) if rng.random() < 0.9 else (0.0,) * n
    size = _real(rng, n) if rng.random() < 0.9 else (0.0,) * n
    group = _groups(rng, n, edges, cycles=False) if groups and n >= 2 and rng.random() < 0.3 else None
    return Instance(work, param, size, edges, group or (-1,) * n, k, **cm)


def regime_group_cycles(rng):
    "Groups whose contraction has a cycle (a -> x -> b with a, b grouped): the cycle shares a stage."
    for _ in range(100):
        inst = regime_mixed(rng, groups=False)
        if inst.n < 3 or not inst.edges: continue
        group = _groups(rng, inst.n, inst.edges, cycles=True)
        if group is not None: return Instance(**{**inst.__dict__, "group": group})
    n = 3  # fall back to the smallest such instance
    k = int(rng.integers(1, 4))
    return Instance(_real(rng, n), _ints(rng, 6, n), _real(rng, n), ((0, 1), (1, 2)), (0, -1, 0), k)


REGIMES = {name[len("regime_"):]: f for name, f in globals().items() if name.startswith("regime_")}
ACYCLIC = [r for r in REGIMES if r != "group_cycles"]


def instances(regime: str, count: int, salt: int):
    "`count` reproducible instances of one regime (each from its own seed)."
    index = list(REGIMES).index(regime)
    for i in range(count):
        yield i, REGIMES[regime](np.random.default_rng([salt, index, i]))


def build(inst: Instance):
    "The package's graph and cost model of an instance."
    g = Graph([f"v{i}" for i in range(inst.n)], inst.work, inst.param, inst.size, list(inst.edges), list(inst.group))
    cm = CostModel(c_in=inst.c_in, c_out=inst.c_out, memory_limit=inst.memory_limit, c_ov=inst.c_ov,
                   memory_cap=inst.memory_cap)
    return g, cm

# ---------------------------------------------------------------------------------------------- checks

def bound_ok(lb: float, opt: float) -> bool: return lb <= opt * (1 + 1e-9) + 1e-12


def same(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


class Violations:
    "Every failed check, with its reproducer; `assert_none` fails listing them."
    def __init__(self): self.items, self.checked = [], Counter()

    def check(self, ok: bool, what: str, inst: Instance, detail: str):
        self.checked[what] += 1
        if not ok: self.items.append((what, inst, detail))

    def assert_none(self, shown: int = 6):
        if not self.items: return
        if os.environ.get("ORACLE_DUMP"):  # one JSON line per violation, for minimising them later
            with open(os.environ["ORACLE_DUMP"], "a") as out:
                for what, inst, detail in self.items:
                    out.write(json.dumps(dict(what=what, detail=detail, instance=inst.__dict__)) + "\n")
        kinds = Counter(what for what, _, _ in self.items)
        lines = [f"{len(self.items)} violations ({dict(kinds)}) out of {dict(self.checked)} checks; first ones:"]
        seen = Counter()
        for what, inst, detail in self.items:
            if seen[what] >= shown: continue
            seen[what] += 1
            lines.append(f"[{what}] {detail}\n    {inst.code()}")
        pytest.fail("\n".join(lines), pytrace=False)


def check_partition(v: Violations, what: str, inst: Instance, opt: float, stage, reported: float):
    "A returned partition is valid, fits, and reports the oracle's cost of that assignment (which is >= OPT)."
    bad = oracle.problems(inst, stage)
    v.check(not bad, f"{what}: valid", inst, f"{bad}")
    if bad: return
    cost = oracle.bottleneck(inst, stage)
    stages = np.asarray(stage).tolist()
    v.check(same(reported, cost), f"{what}: reported cost", inst,
            f"reported {reported!r}, oracle {cost!r} for {stages}")
    v.check(math.isfinite(cost), f"{what}: fits the cap", inst, f"stages {stages} break the memory cap")
    v.check(cost >= opt * (1 - 1e-9) - 1e-12, f"{what}: >= OPT", inst, f"cost {cost!r} < OPT {opt!r}")


def all_bounds(g: Graph, k: int, cm: CostModel) -> dict:
    "compute_bounds with every method, none skipped (no target gap)."
    return compute_bounds(g, k, cm, list(BOUNDS), time_limit=None, mip_time_limit=20.0, target_gap=None, n_jobs=1)


def check_bound(v: Violations, what: str, inst: Instance, opt: float, bound, opt_stage):
    "A `Bound` is <= OPT, not an error, and its partition (if any) is valid and correctly costed."
    if math.isfinite(opt):  # (statuses on instances where nothing fits: `test_infeasible_is_not_an_error`)
        v.check(bound.status != "error", f"{what}: no error", inst, f"status error: {bound.message}")
    v.check(bound_ok(bound.value, opt), f"{what}: <= OPT", inst,
            f"bound {bound.value!r} ({bound.status}) > OPT {opt!r} "
            f"(optimal stages {None if opt_stage is None else opt_stage.tolist()})")
    if bound.partition is not None:
        part = bound.partition
        check_partition(v, f"{what} partition", inst, opt, part.stage, part.bottleneck(build(inst)[1]))


def block_order(inst: Instance, q: Contracted, key) -> list[int]:
    "Kahn's algorithm on the contracted blocks (edges from the instance itself), smallest `key` first."
    block = q.expand(np.arange(q.n))  # block of every node
    succ = {b: set() for b in range(q.n)}
    for u, w in inst.edges:
        if block[u] != block[w]: succ[block[u]].add(block[w])
    indeg = Counter(w for b in succ for w in succ[b])
    ready = [(key[b], b) for b in range(q.n) if indeg[b] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, b = heapq.heappop(ready); order.append(b)
        for w in succ[b]:
            indeg[w] -= 1
            if indeg[w] == 0: heapq.heappush(ready, (key[w], w))
    return order


def random_block_order(inst: Instance, q: Contracted, rng) -> list[int]:
    "A random-priority topological order of the contracted blocks."
    return block_order(inst, q, rng.random(q.n))


def spec_random_orders(q: Contracted, inst: Instance, n_orders: int, seed: int) -> list[list[int]]:
    "The orders random-N draws by its definition: key vectors from default_rng(seed), Kahn smallest key first."
    rng = np.random.default_rng(seed)
    return [block_order(inst, q, rng.random(q.n)) for _ in range(n_orders)]


def check_slicing(v: Violations, inst: Instance, q: Contracted, cm: CostModel, order: list[int], label: str,
                  cutoffs: bool = True):
    "slice_order of `order` equals brute force over its slicings, with and without a cutoff."
    blocks = [list(q.members[b]) for b in order]
    brute = oracle.best_slicing(inst, blocks)
    try: value, block_stage = slice_order(q, order, inst.k, cm)
    except GraphError as e:
        v.check(math.isinf(brute), f"slicing {label}: DP = brute force", inst,
                f"GraphError {e} but brute force {brute!r}")
        return brute
    v.check(same(value, brute), f"slicing {label}: DP = brute force", inst,
            f"DP {value!r}, brute force {brute!r}, order {order}")
    stage = q.expand(block_stage)
    pos = np.asarray(block_stage)[order]
    contiguous = bool(np.all(np.diff(pos) >= 0)) and len(set(pos.tolist())) <= inst.k
    v.check(contiguous, f"slicing {label}: contiguous", inst, f"stages along the order {pos.tolist()}")
    if not oracle.problems(inst, stage):
        cost = oracle.bottleneck(inst, stage)
        v.check(same(value, cost), f"slicing {label}: cost of cuts", inst, f"DP {value!r}, oracle {cost!r} of its cuts")
    if cutoffs and math.isfinite(brute) and brute > 0:
        below, _ = slice_order(q, order, inst.k, cm, cutoff=brute * (1 - 1e-6))
        v.check(math.isinf(below), f"slicing {label}: cutoff", inst, f"cutoff below brute {brute!r} returned {below!r}")
        above, _ = slice_order(q, order, inst.k, cm, cutoff=brute * (1 + 1e-6) + 1e-300)
        v.check(same(above, brute), f"slicing {label}: cutoff", inst,
                f"cutoff above brute {brute!r} returned {above!r}")
    return brute

# ---------------------------------------------------------------------------------------------- profile

@pytest.fixture(scope="module")
def scale(request):
    "How many instances per regime: the fast profile by default, ten times more with --slow."
    return 10 if request.config.getoption("--slow") else 1


CHEAP_PER_REGIME = -(-10_000 // len(ACYCLIC))  # >= 10,000 instances in all for the cheap checks
MIP_PER_REGIME = 20
SOLVE_PER_REGIME = 3


def test_profile_sizes():
    "The default profile checks at least 10,000 instances with the cheap checks and a few hundred MIP ones."
    assert CHEAP_PER_REGIME * len(ACYCLIC) >= 10_000
    assert MIP_PER_REGIME * len(ACYCLIC) >= 200


def test_oracle_definitions_agree():
    "The fast oracle (over chains of stage prefixes) equals plain enumeration of assignments; and the worked example."
    work, param, size, edges = (2, 5, 3, 4), (1, 4, 2, 3), (6, 1, 2, 5), ((0, 1), (0, 2), (1, 3), (2, 3))
    for k, expected in ((1, 19), (2, 14), (3, 13), (4, 12)):
        inst = Instance(work, param, size, edges, (-1,) * 4, k, memory_limit=5.0)
        assert oracle.optimum(inst)[0] == expected == oracle.optimum_by_enumeration(inst)
    k3 = Instance(work, param, size, edges, (-1,) * 4, 3, memory_limit=5.0)
    assert oracle.best_slicing(k3, [[0], [1], [2], [3]]) == 14  # order (a, b, c, d) misses the optimum 13
    checked = 0
    for regime in REGIMES:
        for _, inst in instances(regime, 25, salt=7):
            if inst.n > 7: continue
            fast, stage = oracle.optimum(inst)
            assert same(fast, oracle.optimum_by_enumeration(inst)), inst.code()
            if stage is not None: assert not oracle.problems(inst, stage) and same(oracle.bottleneck(inst, stage), fast)
            checked += 1
    assert checked > 200

# ---------------------------------------------------------------------------------------------- cheap checks

@pytest.mark.parametrize("regime", ACYCLIC)
def test_slicing_dp(regime, scale):
    "The slicing DP of a random order (every instance) and of the given order (every 3rd, with cutoffs) = brute force."
    v, counts = Violations(), Counter()
    for i, inst in instances(regime, CHEAP_PER_REGIME * scale, salt=1):
        g, cm = build(inst)
        q = Contracted(g)
        order = random_block_order(inst, q, np.random.default_rng([2, i]))
        check_slicing(v, inst, q, cm, order, "random order", cutoffs=False)
        if i % 3 == 0: check_slicing(v, inst, q, cm, list(q.given_order), "given order")
        counts["instances"] += 1
    assert counts["instances"] == CHEAP_PER_REGIME * scale and v.checked["slicing random order: contiguous"] > 0
    v.assert_none()


@pytest.mark.parametrize("regime", ACYCLIC)
def test_cheap_checks(regime, scale):
    """On every instance: the contraction, lb0, node-cut and ends <= OPT. On every third one `slice_given` (optimal for
    the given order by brute force, valid, costed); on every sixth random-N and BRKGA."""
    v, counts = Violations(), Counter()
    for i, inst in instances(regime, CHEAP_PER_REGIME * scale, salt=1):
        counts["instances"] += 1
        check_instance(v, counts, inst, i, searches=i % 6 == 0, given=i % 3 == 0)
    assert counts["instances"] == CHEAP_PER_REGIME * scale and counts["searched"] > 0 and counts["given"] > 0
    assert counts["feasible"] > 0, counts  # the checks above compared something
    v.assert_none()


def check_instance(v: Violations, counts: Counter, inst: Instance, i: int, searches: bool, given: bool):
    "The cheap checks of one instance."
    g, cm = build(inst)
    q = Contracted(g)
    opt, opt_stage = oracle.optimum(inst)
    counts["feasible" if math.isfinite(opt) else "infeasible"] += 1
    classes = sorted(sorted(c) for c in inst.forced_classes())
    v.check(sorted(sorted(m.tolist()) for m in q.members) == classes, "contraction blocks", inst,
            f"blocks {[m.tolist() for m in q.members]}, expected {classes}")
    check_bound(v, "lb0", inst, opt, lb0(q, inst.k, cm), opt_stage)
    check_bound(v, "node-cut", inst, opt, node_cut(q, inst.k, cm), opt_stage)
    check_bound(v, "ends", inst, opt, ends_bound(q, inst.k, cm), opt_stage)
    if not (given or searches): return
    counts["given"] += 1
    given_value = oracle.best_slicing(inst, [list(q.members[b]) for b in q.given_order])
    try:
        r = slice_given(g, inst.k, cm)
        check_partition(v, "slice", inst, opt, r.partition.stage, r.bottleneck)
        v.check(same(r.bottleneck, given_value), "slice: optimal for the given order", inst,
                f"{r.bottleneck!r} vs brute {given_value!r}")
    except GraphError as e:
        v.check(math.isinf(given_value), "slice: infeasible only if the given order is", inst,
                f"{e}; brute force of the given order {given_value!r}")
    if not searches: return
    counts["searched"] += 1
    n_orders = 4
    try:
        r = random_search(g, inst.k, cm, n_orders=n_orders, seed=i, progress=False)
        check_partition(v, "random-N", inst, opt, r.partition.stage, r.bottleneck)
    except GraphError as e:
        tried = spec_random_orders(q, inst, n_orders, i)
        fits = [o for o in tried if math.isfinite(oracle.best_slicing(inst, [list(q.members[b]) for b in o]))]
        v.check(not fits and not math.isfinite(given_value), "random-N: infeasible only if no order tried fits", inst,
                f"{e}; {len(fits)} of its {n_orders} orders (or the given order: {given_value!r}) can be sliced; "
                f"OPT {opt!r}")
    try:
        r = partition(g, inst.k, cm, method="brkga-4x3", seed=i, time_limit=None, n_jobs=1)
        check_partition(v, "brkga", inst, opt, r.partition.stage, r.bottleneck)
    except GraphError as e:  # the warm start decodes the given order: if that fits, BRKGA has a partition
        v.check(not math.isfinite(given_value), "brkga: infeasible only if no order tried fits", inst,
                f"{e}; the given order (warm start) slices to {given_value!r}; OPT {opt!r}")

# ---------------------------------------------------------------------------------------------- MIP bounds

@pytest.mark.parametrize("regime", ACYCLIC)
def test_mip_bounds(regime, scale):
    "compute_bounds with every method, and each MIP bound called on its own, stay <= OPT; no errors."
    v, counts = Violations(), Counter()
    for i, inst in instances(regime, MIP_PER_REGIME * scale, salt=3):
        g, cm = build(inst)
        opt, opt_stage = oracle.optimum(inst)
        counts["feasible" if math.isfinite(opt) else "infeasible"] += 1
        if i % 2 == 0:
            bounds = all_bounds(g, inst.k, cm)
            for method, b in bounds.items(): check_bound(v, f"compute_bounds[{method}]", inst, opt, b, opt_stage)
        else:
            check_bound(v, "exact_mip", inst, opt, exact_mip(g, inst.k, cm, time_limit=20.0), opt_stage)
            check_bound(v, "bottleneck_mip", inst, opt, bottleneck_mip(g, inst.k, cm, time_limit=20.0), opt_stage)
            check_bound(v, "guess_bound", inst, opt, guess_bound(g, inst.k, cm, time_limit=20.0), opt_stage)
            check_bound(v, "node_mip", inst, opt, node_mip(g, inst.k, cm, time_limit=20.0), opt_stage)
            # the targets of the window bound just below OPT itself: the tightest bracket a caller can give
            upper = opt if math.isfinite(opt) else None
            check_bound(v, "window_bound", inst, opt, window_bound(g, inst.k, cm, time_limit=20.0, upper=upper), opt_stage)
            check_bound(v, "window_bound mip", inst, opt,
                        window_bound(g, inst.k, cm, time_limit=20.0, upper=upper, relax=False), opt_stage)
        counts["instances"] += 1
    assert counts["instances"] == MIP_PER_REGIME * scale and sum(v.checked.values()) > 0
    v.assert_none()


@pytest.mark.parametrize("regime", ACYCLIC)
def test_solve_certificate(regime, scale):
    "solve's partition is valid and costed, and its certificate brackets OPT; it says infeasible only when it is."
    v, counts = Violations(), Counter()
    for i, inst in instances(regime, SOLVE_PER_REGIME * scale, salt=4):
        g, cm = build(inst)
        opt, _ = oracle.optimum(inst)
        try: cert = solve(g, inst.k, cm, time_limit=30.0, mip_time_limit=10.0, seed=i)
        except GraphError as e:
            v.check(math.isinf(opt), "solve: infeasible only when no partition fits", inst, f"{e}; OPT {opt!r}")
            continue
        v.check(bound_ok(cert.lower_bound, opt), "solve: lower bound <= OPT", inst,
                f"LB {cert.lower_bound!r}, OPT {opt!r}")
        v.check(not cert.infeasible or math.isinf(opt), "solve: infeasible only when no partition fits", inst,
                f"certificate says infeasible; OPT {opt!r}")
        for method, b in cert.bounds.items():
            if math.isfinite(opt): v.check(b.status != "error", f"solve[{method}]: no error", inst, b.message)
        v.check(cert.result is not None or math.isinf(opt), "solve: finds a partition when one fits", inst,
                f"no partition found; OPT {opt!r}")
        if cert.result is not None:
            check_partition(v, "solve", inst, opt, cert.result.partition.stage, cert.upper_bound)
        counts["certified"] += 1
    assert counts["certified"] + len(v.items) > 0
    v.assert_none()

@pytest.mark.parametrize("regime", ACYCLIC)
def test_refine(regime, scale):
    """refine never makes a split worse and returns it valid and costed; with one window as wide as k it is the
    exact MIP on the whole graph, so from the one-stage split it ends at OPT (inf when nothing fits the cap)."""
    v, counts = Violations(), Counter()
    for i, inst in instances(regime, MIP_PER_REGIME * scale, salt=9):
        g, cm = build(inst)
        opt, _ = oracle.optimum(inst)
        whole = refine(g, inst.k, cm, Partition(g, np.zeros(inst.n, int), inst.k), time_limit=60.0,
                       widths=(inst.k,), window_limit=20.0)
        v.check(same(whole.bottleneck, opt), "refine, window of k stages: = OPT", inst,
                f"refined {whole.bottleneck!r}, OPT {opt!r}")
        if math.isfinite(opt): check_partition(v, "refine, window of k stages", inst, opt, whole.partition.stage,
                                               whole.bottleneck)
        try: start = slice_given(g, inst.k, cm)
        except GraphError: counts["given order does not fit"] += 1; continue
        local = refine(g, inst.k, cm, start.partition, time_limit=20.0)
        check_partition(v, "refine", inst, opt, local.partition.stage, local.bottleneck)
        v.check(local.bottleneck <= start.bottleneck, "refine: never worse", inst,
                f"refined {local.bottleneck!r} > start {start.bottleneck!r}")
        counts["refined"] += 1
    assert counts["refined"] > 0 and sum(v.checked.values()) > 0
    v.assert_none()

def test_infeasible_is_not_an_error(scale):
    "Where no partition fits the cap, a MIP that proves it does not report a solver error (nor a wrong bound)."
    v, counts = Violations(), Counter()
    for regime in ("memory_cap", "zero_work_cap", "mixed"):
        for _, inst in instances(regime, 60 * scale, salt=8):
            if math.isfinite(oracle.optimum(inst)[0]): continue
            g, cm = build(inst)
            for method, b in all_bounds(g, inst.k, cm).items():
                v.check(b.status != "error", f"compute_bounds[{method}]: not an error", inst,
                        f"no partition fits the cap, yet status error: {b.message} (value {b.value!r})")
            counts["infeasible"] += 1
    assert counts["infeasible"] >= 10, counts
    v.assert_none()

# ---------------------------------------------------------------------------------------------- colocation cycles

def test_colocation_cycles(scale):
    "Groups whose contraction creates a cycle: the cheap checks, and every 10th instance the MIP bounds too."
    v, counts = Violations(), Counter()
    for i, inst in instances("group_cycles", 300 * scale, salt=5):
        check_instance(v, counts, inst, i, searches=i % 3 == 0, given=i % 2 == 0)
        q = Contracted(build(inst)[0])
        order = random_block_order(inst, q, np.random.default_rng([6, i]))
        check_slicing(v, inst, q, build(inst)[1], order, "random order")
        if i % 10 == 0:
            g, cm = build(inst)
            opt, opt_stage = oracle.optimum(inst)
            for method, b in all_bounds(g, inst.k, cm).items():
                check_bound(v, f"compute_bounds[{method}]", inst, opt, b, opt_stage)
    assert counts["feasible"] > 0 and counts["searched"] > 0
    v.assert_none()

# ---------------------------------------------------------------------------------------------- regressions
# The smallest instances found by the suite for each known problem, checked one by one (expected values
# from the oracle). They fail while the problem is there.

def _opt(g: Graph, k: int, cm: CostModel) -> float:
    inst = Instance(tuple(g.work), tuple(g.param), tuple(g.size), tuple(zip(g.src.tolist(), g.dst.tolist())),
                    tuple(g.group.tolist()), k, cm.c_in, cm.c_out, cm.memory_limit, cm.c_ov, cm.memory_cap)
    return oracle.optimum(inst)[0]


def _cap_puzzle():
    "Edgeless a, b, c, d with param 3, 3, 1, 1 and cap 4: k = 2 fits only as {a or b, c or d} twice."
    return Graph(["a", "b", "c", "d"], [1, 1, 1, 1], param=[3, 3, 1, 1]), CostModel(memory_cap=4)


def test_regression_random_search_skips_orders_that_do_not_fit():
    "random-N with a memory cap: an order that cannot be sliced is skipped, not the end of the search."
    g, cm = _cap_puzzle()
    opt = _opt(g, 2, cm)
    assert math.isfinite(opt)
    found = []
    for seed in range(10):
        try: found.append(random_search(g, 2, cm, n_orders=50, seed=seed, progress=False).bottleneck)
        except GraphError as e: found.append(str(e))
    assert found == [opt] * 10, found


def test_regression_slice_names_the_order_that_does_not_fit():
    "slice with a memory cap: when only the given order cannot be sliced, the message says so (no false 'infeasible')."
    g, cm = _cap_puzzle()
    assert math.isfinite(_opt(g, 2, cm))
    with pytest.raises(GraphError, match="order"): slice_given(g, 2, cm)


ZERO_WORK_LIMIT = (Graph([f"v{i}" for i in range(5)], [0.0] * 5, param=[4.0, 6.0, 6.0, 0.0, 6.0],
                         size=[0.0, 3.0, 0.0, 4.0, 1.4238480287145427], edges=[(1, 0), (3, 1), (4, 1), (4, 2)]),
                   3, CostModel(memory_limit=15.77267413492109))
BYTES_SMALL_C_OV = (Graph([f"v{i}" for i in range(7)], [0.0, 0.0, 1.0, 0.0, 0.0, 18.0, 0.0],
                          param=[2e7, 9e7, 2.5e8, 1.8e8, 2.8e8, 1.4e8, 5e7]),
                    4, CostModel(c_ov=8.419015120920887e-07, memory_limit=99100396.39042799, memory_cap=359755992.0))


HUGE = (Graph([f"v{i}" for i in range(7)], [0.0, 0.0, 79874710.73649763, 479248264.4189857, 718872396.6284786,
                                           638997685.891981, 319498842.9459905],
              param=[0.0, 319498842.9459905, 239624132.20949286, 399373553.68248814, 159749421.47299525,
                     319498842.9459905, 0.0],
              size=[638997685.891981, 718872396.6284786, 479248264.4189857, 479248264.4189857, 559122975.1554834,
                    159749421.47299525, 638997685.891981],
              edges=[(0, 1), (0, 3), (0, 6), (3, 1), (5, 2), (5, 6), (6, 1)]),
        4, CostModel(memory_limit=341862021.7684847))
INVALID_BOUNDS = {  # name: (graph, k, cost model, bound method); the package's bound exceeds OPT on each
    "exact_zero_work_memory_limit": (*ZERO_WORK_LIMIT, "exact"),
    "exact_bytes_small_c_ov": (*BYTES_SMALL_C_OV, "exact"),
    "guess_zero_work_three_nodes": (Graph(["v0", "v1", "v2"], [0.0, 0.0, 0.0], param=[7.0, 1.0, 5.0], edges=[(0, 2)]),
                                    2, CostModel(c_ov=0.5, memory_limit=0.0), "guess"),
    "guess_zero_work_two_nodes": (Graph(["v0", "v1"], [0.0, 0.0], param=[4.0, 1.0], size=[2.192537224967274, 0.0],
                                        edges=[(0, 1)]),
                                  3, CostModel(c_ov=3.0, memory_limit=0.0), "guess"),
    "bottleneck_bytes_small_c_ov": (Graph([f"v{i}" for i in range(4)], [34.0, 6.0, 21.0, 39.0],
                                          param=[0.0, 2e8, 2.8e8, 0.0]),
                                    4, CostModel(c_ov=3e-07, memory_limit=2e8), "bottleneck"),
    "guess_bytes_small_c_ov": (Graph([f"v{i}" for i in range(4)], [0.0, 37.0, 0.0, 0.0], param=[0.0, 2.2e8, 2.1e8, 0.0],
                                     size=[0.0, 0.0, 2e5, 5e5], edges=[(2, 0), (3, 0)]),
                               3, CostModel(c_ov=6e-08, memory_limit=1e8), "guess"),
    "guess_huge_magnitudes": (*HUGE, "guess"),
}


@pytest.mark.parametrize("name", list(INVALID_BOUNDS))
def test_regression_mip_bound_is_valid(name):
    "The smallest instances found where a MIP bound exceeded OPT: all work 0, byte-scale parameters, huge magnitudes."
    g, k, cm, method = INVALID_BOUNDS[name]
    opt = _opt(g, k, cm)
    b = {"exact": lambda: exact_mip(g, k, cm), "guess": lambda: guess_bound(g, k, cm),
         "bottleneck": lambda: bottleneck_mip(g, k, cm)}[method]()
    assert math.isfinite(opt) and b.status != "error" and bound_ok(b.value, opt), (b, opt)


ZERO_WORK_ERRORS = [
    (Graph(["v0", "v1"], [0.0, 0.0], param=[3.0, 1.0]), 2, CostModel(c_ov=3.0, memory_limit=0.0), "guess"),
    (Graph(["v0"], [0.0], param=[2.0]), 5, CostModel(memory_limit=0.0), "guess"),
    (Graph(["v0", "v1"], [0.0, 0.0], param=[2.0, 5.0], size=[0.0, 0.6104249742908285], edges=[(1, 0)]), 2,
     CostModel(memory_limit=0.0), "exact"),
    (Graph(["a", "b", "c"], [0.0] * 3, param=[0.0, 4.0, 2.0], size=[4.0, 6.0, 7.0], edges=[(2, 1)]), 3,
     CostModel(c_ov=3.0, memory_limit=0.0, memory_cap=7.0), "exact")]


@pytest.mark.parametrize("case", ZERO_WORK_ERRORS,
                         ids=["guess_two_nodes", "guess_one_node", "exact_two_nodes", "exact_three_nodes_cap"])
def test_regression_zero_work_mips_do_not_fail(case):
    "All work 0 with a memory limit: the MIPs solve (status not 'error') and stay <= OPT."
    g, k, cm, method = case
    opt = _opt(g, k, cm)
    b = compute_bounds(g, k, cm, [method], target_gap=None)[method]
    assert math.isfinite(opt) and b.status != "error" and bound_ok(b.value, opt), (b, opt)


def test_regression_infeasible_cap_is_not_an_error():
    "No partition fits the cap (k = 1, cap < total param): the MIPs' proof of that is not reported as a solver error."
    g, cm = Graph(["v0", "v1"], [1.0, 1.0], param=[3.0, 1.0]), CostModel(memory_cap=3.5)
    assert math.isinf(_opt(g, 1, cm))
    bounds = compute_bounds(g, 1, cm, ["exact", "bottleneck", "guess"], target_gap=None)
    assert all(b.status != "error" for b in bounds.values()), bounds
