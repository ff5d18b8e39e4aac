"""The DP over ideals against the exhaustive oracle (`tests/oracle.py`), in every regime of the cost model.

The DP is exact, so on every small random instance its value must equal OPT (up to 1e-9 relative), its split
must be valid and cost exactly that, a cutoff just below OPT must prove "no split <= cutoff" (the cutoff comes
back as the bound, with no split), and a cutoff at OPT must still find it. Instances where nothing fits the
memory cap must come back `infeasible`.
"""
from __future__ import annotations
import math

import numpy as np
import pytest

from pipeline_nb.graph import Contracted
from pipeline_nb.ideals import ideals, ideals_bound

import oracle
from test_soundness import REGIMES, Violations, build, instances, same

PER_REGIME = 120


def check(v: Violations, inst):
    "Every property of the DP on one instance."
    g, cm = build(inst)
    opt, _ = oracle.optimum(inst)
    b = ideals_bound(g, inst.k, cm)
    if math.isinf(opt):
        v.check(b.status == "infeasible" and b.value == math.inf, "infeasible", inst, f"{b}")
        return
    v.check(b.status == "optimal" and same(b.value, opt), "value = OPT", inst,
            f"DP {b.value!r} ({b.status}), OPT {opt!r}")
    if b.partition is None:
        v.check(False, "split returned", inst, f"{b}")
        return
    bad = oracle.problems(inst, b.partition.stage)
    v.check(not bad, "split valid", inst, f"{bad}")
    if not bad:
        cost = oracle.bottleneck(inst, b.partition.stage)
        v.check(same(cost, opt), "split costs OPT", inst, f"split {cost!r}, OPT {opt!r}")
    if opt > 0:
        below = opt * (1 - 1e-6)
        low = ideals_bound(g, inst.k, cm, upper=below)
        v.check(low.partition is None and low.value == below and low.status == "optimal", "cutoff below OPT", inst,
                f"cutoff {below!r} gave {low}")
        at = ideals_bound(g, inst.k, cm, upper=opt)
        v.check(same(at.value, opt) and at.partition is not None, "cutoff at OPT", inst, f"cutoff {opt!r} gave {at}")


@pytest.mark.parametrize("regime", list(REGIMES))
def test_dp_equals_brute_force(regime, request):
    scale = 10 if request.config.getoption("--slow") else 1
    v = Violations()
    for _, inst in instances(regime, PER_REGIME * scale, salt=17):
        check(v, inst)
    assert v.checked["value = OPT"] > PER_REGIME * scale // 3, dict(v.checked)  # most instances have a finite OPT
    v.assert_none()


def test_worked_example():
    "The diamond a->b, a->c, b->d, c->d with M = 5: OPT by k is 19, 14, 13, 12."
    from pipeline_nb.graph import CostModel, diamond
    g, cm = diamond(), CostModel(memory_limit=5)
    for k, opt in ((1, 19), (2, 14), (3, 13), (4, 12)):
        b = ideals_bound(g, k, cm)
        assert b.status == "optimal" and opt * (1 - 1e-11) <= b.value <= opt  # the optimum, never above it
        assert b.partition.validate().bottleneck(cm) == opt


def test_ideal_counts():
    "A chain of n nodes has n + 1 ideals, n independent nodes 2^n; more than max_ideals means skipped."
    from pipeline_nb.graph import Graph
    chain = Graph([f"v{i}" for i in range(70)], np.ones(70), edges=[(i, i + 1) for i in range(69)])
    assert len(ideals(Contracted(chain)).bits) == 71  # more than 64 blocks: two words per row
    free = Graph([f"v{i}" for i in range(10)], np.ones(10))
    assert len(ideals(Contracted(free)).bits) == 1024
    assert ideals_bound(free, 2, max_ideals=1000).status == "skipped"
    assert 18 * (1 - 1e-11) <= ideals_bound(chain, 4).value <= 18  # unit work, no tensor sizes: the longest of four runs of 70 nodes


def test_time_limit_proves_nothing():
    "Out of time before the first run ends: no value is claimed."
    from pipeline_nb.graph import CostModel, diamond
    b = ideals_bound(diamond(), 3, CostModel(memory_limit=5), time_limit=0.0)
    assert not b.proven and b.value == 0.0 and b.partition is None and "time limit" in b.message
