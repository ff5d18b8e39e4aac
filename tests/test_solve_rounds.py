"""`solve`'s round rule, with a stand-in bound method whose answers are scripted.

When search and bounds have both stalled with time left, `solve` gives all of that time to a bound
method that its time limit cut short: the one holding the best bound (else the cheapest one cut short).
The stand-in is cut short in its round (a weak bound, status `time_limit`) and proves the optimum when it
is called again; the test checks that the call comes, that it comes last, and that it gets the time that
was left.

After each search round `solve` refines the best split, unless `refine` already left that split at a
local optimum; a refinement cut short by its time is taken up again. A stand-in bound that rises a little
each round keeps the rounds going, and a stand-in `refine` records its calls.
"""
from __future__ import annotations
import time

import pytest

from pipeline_nb.bounds import Bound
import pipeline_nb.certificate as certificate
from pipeline_nb.certificate import solve
from pipeline_nb.graph import CostModel, diamond
from pipeline_nb.mip import BOUNDS, BoundMethod
from pipeline_nb.slicing import SearchResult


def test_time_left_goes_to_the_bound_cut_short(monkeypatch):
    g, cm = diamond(), CostModel(memory_limit=5)  # k = 3: OPT 13, lb0 5
    calls = []

    def scripted(q, k, cost_model, context):
        calls.append((time.perf_counter(), context.time_limit))
        return Bound(5.0, "scripted", "time_limit") if len(calls) == 1 else Bound(13.0, "scripted", "optimal")

    monkeypatch.setitem(BOUNDS, "scripted", BoundMethod(scripted, 0.5, "a stand-in with scripted answers", 0.0))
    deadline = time.perf_counter() + 30
    cert = solve(g, 3, cm, time_limit=30, target_gap=0.0, methods=("lb0", "scripted"))
    assert len(calls) == 2, cert.rounds
    assert cert.rounds[-1].startswith("bounds scripted: best 13"), cert.rounds
    called_at, given = calls[1]
    assert 1.0 <= given <= deadline - called_at + 1e-3 and given > deadline - called_at - 0.5, calls  # all that was left
    assert cert.lower_bound == 13 and cert.upper_bound == 13 and cert.limited_by == ""


def test_no_extra_round_when_nothing_was_cut_short(monkeypatch):
    g, cm = diamond(), CostModel(memory_limit=5)
    calls = []

    def finished(q, k, cost_model, context):
        calls.append(context.time_limit)
        return Bound(5.0, "finished", "optimal")  # complete, and no better than lb0: nothing to gain from more time

    monkeypatch.setitem(BOUNDS, "finished", BoundMethod(finished, 0.5, "a stand-in that always completes", 0.0))
    cert = solve(g, 3, cm, time_limit=30, target_gap=0.0, methods=("lb0", "finished"))
    assert len(calls) == 1, cert.rounds
    assert cert.lower_bound == 5 and cert.upper_bound == 13 and cert.limited_by == "stalled"


def _rising(calls):
    "A stand-in bound that proves a little more each round (never above OPT 13), so bounding goes on."
    def rising(q, k, cost_model, context):
        calls.append(context.time_limit)
        return Bound(min(6.0 + len(calls), 12.0), "rising", "time_limit")
    return BoundMethod(rising, 0.5, "a stand-in that raises its bound each round", 0.0)


def _spy_refine(monkeypatch, stopped: str):
    "Record refine's calls; it hands its start back unchanged, ending as `stopped`."
    seen = []

    def refine(graph, k, cm, start, time_limit, target):
        seen.append(start.bottleneck(cm))
        return SearchResult(start, start.bottleneck(cm), "refine", 0.0, [start.bottleneck(cm)], 1, 0, stopped)
    monkeypatch.setattr(certificate, "refine", refine)
    return seen


@pytest.mark.parametrize("stopped", ["", "time_limit"])
def test_refine_round_rule(monkeypatch, stopped):
    """A split that refine left at a local optimum ("") is not refined again while the rounds go on; a refinement
    its time cut short ("time_limit") is taken up again in the next round."""
    g, cm = diamond(), CostModel(memory_limit=5)
    bounds, seen = [], _spy_refine(monkeypatch, stopped)
    monkeypatch.setitem(BOUNDS, "rising", _rising(bounds))
    cert = solve(g, 3, cm, time_limit=30, target_gap=0.0, methods=("lb0", "rising"))
    assert len(bounds) >= 3 and cert.upper_bound == 13, cert.rounds
    if stopped: assert len(seen) >= 3, cert.rounds
    else: assert len(seen) == 1 and sum(r.startswith("refine") for r in cert.rounds) == 1, cert.rounds
