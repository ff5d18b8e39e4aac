"""An exhaustive oracle for small instances, written from the definition of the problem only.

Nothing here uses the package's cost code: a stage's cost is computed from the node lists, the
edge list and the cost constants, exactly as the definition states it:

    f(S) = work(S) + c_in*sizein(S) + c_out*sizeout(S) + c_ov*max(0, param(S) - M),  f(empty) = 0
    sizein(S)  = sum of size(u) over u not in S with at least one successor in S  (once per tensor)
    sizeout(S) = sum of size(u) over u in S with at least one successor not in S  (once per tensor)
    a stage with param(S) > cap is infeasible (cost inf)

A partition assigns every node a stage 0..k-1 with every edge going forward (b(u) <= b(v)) and the
members of a colocation group on one stage; OPT is the smallest bottleneck (max stage cost) over
all of them, inf when none fits the cap. Contraction cycles (a -> x -> b with a, b grouped) need no
special case: forward edges and equal group stages already force x onto the stage of a and b.
"""
from __future__ import annotations
import itertools, math
from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass(frozen=True)
class Instance:
    "A small instance in plain Python data: what the oracle reads (and what a reproducer prints)."
    work: tuple  # per node
    param: tuple
    size: tuple
    edges: tuple  # (u, v) index pairs
    group: tuple  # group label per node, -1 for none
    k: int
    c_in: float = 1.0
    c_out: float = 1.0
    memory_limit: float | None = None
    c_ov: float = 1.0
    memory_cap: float | None = None

    @property
    def n(self): return len(self.work)

    def adjacency(self) -> np.ndarray:
        "adj[u, v] = 1.0 iff there is an edge u -> v."
        adj = np.zeros((self.n, self.n))
        for u, v in self.edges: adj[u, v] = 1.0
        return adj

    def forced_classes(self) -> list[frozenset]:
        "Sets of nodes that every partition puts on one stage: groups, then cycles of the contracted graph."
        g = nx.DiGraph(); g.add_nodes_from(range(self.n)); g.add_edges_from(self.edges)
        for label in set(self.group) - {-1}:
            members = [v for v in range(self.n) if self.group[v] == label]
            for a, b in zip(members, members[1:]): g.add_edge(a, b); g.add_edge(b, a)
        return [frozenset(c) for c in nx.strongly_connected_components(g)]

    def code(self) -> str:
        "Python code that rebuilds this instance with the package (a reproducer)."
        cm = [f"c_in={self.c_in!r}", f"c_out={self.c_out!r}", f"c_ov={self.c_ov!r}"]
        if self.memory_limit is not None: cm.append(f"memory_limit={self.memory_limit!r}")
        if self.memory_cap is not None: cm.append(f"memory_cap={self.memory_cap!r}")
        return (f"g = Graph([f'v{{i}}' for i in range({self.n})], work={list(self.work)!r}, "
                f"param={list(self.param)!r}, "
                f"size={list(self.size)!r}, edges={[tuple(e) for e in self.edges]!r}, group={list(self.group)!r}); "
                f"k = {self.k}; cm = CostModel({', '.join(cm)})")


def valid_assignments(inst: Instance, k: int | None = None) -> np.ndarray:
    """Every stage assignment (rows, int8) with forward edges and groups on one stage, stages 0..k-1.

    Nodes are assigned in a topological order; a node may take any stage from the largest stage of
    its predecessors to k-1, except that a later member of a group takes its group's stage (and the
    row is dropped if that stage is below a predecessor's)."""
    k = inst.k if k is None else k
    n = inst.n
    g = nx.DiGraph(); g.add_nodes_from(range(n)); g.add_edges_from(inst.edges)
    preds = {v: list(g.predecessors(v)) for v in range(n)}
    rows = np.zeros((1, n), np.int8)
    first_member = {}
    for v in nx.lexicographical_topological_sort(g):
        lo = rows[:, preds[v]].max(axis=1) if preds[v] else np.zeros(len(rows), np.int8)
        label = inst.group[v]
        if label >= 0 and label in first_member:
            forced = rows[:, first_member[label]]
            keep = forced >= lo
            rows = rows[keep]; rows[:, v] = forced[keep]
            continue
        if label >= 0: first_member[label] = v
        counts = (k - lo).astype(np.int64)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.repeat(rows, counts, axis=0)
        rows[:, v] = np.repeat(lo, counts) + (np.arange(len(rows)) - starts)
    return rows


def set_costs(inst: Instance, inside: np.ndarray) -> np.ndarray:
    "f(S) for every row of the boolean matrix `inside` (rows x n: row i is the set S_i), from the definition."
    work, param, size = (np.asarray(x, float) for x in (inst.work, inst.param, inst.size))
    inside = np.asarray(inside, bool)
    adj_t = inst.adjacency().T
    succ_inside = inside.astype(float) @ adj_t > 0  # [S, u]: u has a successor in S
    succ_outside = (~inside).astype(float) @ adj_t > 0  # [S, u]: u has a successor outside S
    sizein = (~inside & succ_inside) @ size
    sizeout = (inside & succ_outside) @ size
    p = inside @ param
    cost = inside @ work + inst.c_in * sizein + inst.c_out * sizeout
    if inst.memory_limit is not None: cost = cost + inst.c_ov * np.maximum(0.0, p - inst.memory_limit)
    if inst.memory_cap is not None: cost = np.where(p > inst.memory_cap, np.inf, cost)
    return np.where(inside.any(axis=1), cost, 0.0)  # f(empty set) = 0


def stage_costs(inst: Instance, rows: np.ndarray, k: int) -> np.ndarray:
    "f(stage b) for every row of stage assignments and every b in 0..k-1 (shape rows x k)."
    return np.stack([set_costs(inst, rows == b) for b in range(k)], axis=1).reshape(len(rows), k)


def optimum_by_enumeration(inst: Instance) -> float:
    "OPT as the minimum bottleneck over every valid assignment (inf when none fits the memory cap)."
    if inst.n == 0: return 0.0
    k = min(inst.k, inst.n)  # at most n stages are non-empty: more stages change nothing
    return float(stage_costs(inst, valid_assignments(inst, k), k).max(axis=1).min())


def _masks(n: int) -> np.ndarray:
    "Boolean matrix of every subset of range(n): row i holds the bits of i."
    return (np.arange(2 ** n)[:, None] >> np.arange(n)) & 1 == 1


def optimum(inst: Instance) -> tuple[float, np.ndarray | None]:
    """(OPT, one optimal assignment) by exhaustive search over chains of stage prefixes; (inf, None) when
    no partition fits the memory cap.

    An assignment with forward edges and whole groups is the same thing as a chain of sets
    empty = D_0 <= D_1 <= ... <= D_k = V where every D_j (the nodes on stages < j) is closed under
    predecessors and splits no group; stage j is D_{j+1} - D_j. So OPT = min over such chains of
    max_j f(D_{j+1} - D_j), which a table over all 2^n sets D computes exactly (same answer as
    `optimum_by_enumeration`, checked by the tests, but fast enough for thousands of instances)."""
    n = inst.n
    if n == 0: return 0.0, np.zeros(0, np.int8)
    k = min(inst.k, n)
    inside = _masks(n)
    ids = np.arange(2 ** n)
    closed = np.ones(2 ** n, bool)  # D contains the predecessors of its members
    for u, v in inst.edges: closed &= ~inside[:, v] | inside[:, u]
    for label in set(inst.group) - {-1}:
        members = [v for v in range(n) if inst.group[v] == label]
        closed &= inside[:, members].all(axis=1) | ~inside[:, members].any(axis=1)
    f = set_costs(inst, inside)
    sub = (ids[:, None] & ~ids[None, :]) == 0  # sub[D', D]: D' is a subset of D
    allowed = sub & closed[:, None] & closed[None, :]
    step = np.where(allowed, f[ids[:, None] ^ ids[None, :]], np.inf)  # cost of the stage D - D'
    best = np.where(ids == 0, 0.0, np.inf)
    choice = []
    for _ in range(k):
        table = np.maximum(best[:, None], step)  # [D', D]
        choice.append(np.argmin(table, axis=0)); best = table.min(axis=0)
    full = 2 ** n - 1
    if not math.isfinite(best[full]): return math.inf, None
    stage, d = np.zeros(n, np.int8), full
    for j in range(k - 1, -1, -1):
        prev = choice[j][d]; stage[inside[d] & ~inside[prev]] = j; d = prev
    return float(best[full]), stage


def problems(inst: Instance, stage) -> list[str]:
    "Why `stage` (a stage per node) is not a valid partition into at most k stages (empty if valid)."
    stage = np.asarray(stage)
    if stage.shape != (inst.n,): return [f"{stage.shape} stages for {inst.n} nodes"]
    out = []
    if inst.n and (stage.min() < 0 or stage.max() >= inst.k):
        out.append(f"stages outside 0..{inst.k - 1}: {stage.tolist()}")
    out += [f"edge {u}->{v} goes backwards" for u, v in inst.edges if stage[u] > stage[v]]
    for label in set(inst.group) - {-1}:
        if len({int(stage[v]) for v in range(inst.n) if inst.group[v] == label}) > 1: out.append(f"group {label} split")
    return out


def bottleneck(inst: Instance, stage) -> float:
    "The oracle's bottleneck of one assignment (any stage labels)."
    stage = np.asarray(stage)
    return float(max((set_costs(inst, (stage == b).reshape(1, -1))[0] for b in np.unique(stage)), default=0.0))


def slicings(inst: Instance, blocks) -> np.ndarray:
    "Every slicing of `blocks` (node lists, in order) into at most k contiguous segments, as stage rows."
    m, rows = len(blocks), []
    for j in range(1, min(inst.k, m) + 1):
        for cuts in itertools.combinations(range(1, m), j - 1):
            stage = np.empty(inst.n, np.int8)
            for s, (lo, hi) in enumerate(zip((0,) + cuts, cuts + (m,))):
                for block in blocks[lo:hi]: stage[list(block)] = s
            rows.append(stage)
    return np.array(rows, np.int8).reshape(-1, inst.n)


def best_slicing(inst: Instance, blocks) -> float:
    "Brute force over every slicing of `blocks` into at most k segments: the smallest bottleneck (inf if none fits)."
    if not blocks: return 0.0
    rows = slicings(inst, blocks)
    return float(stage_costs(inst, rows, min(inst.k, len(blocks))).max(axis=1).min())
