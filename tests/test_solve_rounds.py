"""`solve`'s round rule, with a stand-in bound method whose answers are scripted.

When search and bounds have both stalled with time left, `solve` gives all of that time to the bound
method that its time limit cut short with the highest bound. The stand-in is cut short in its round
(a weak bound, status `time_limit`) and proves the optimum when it is called again; the test checks that
the call comes, that it comes last, and that it gets the time that was left.
"""
from __future__ import annotations
import time

from pipeline_nb.bounds import Bound
from pipeline_nb.certificate import solve
from pipeline_nb.graph import CostModel, diamond
from pipeline_nb.mip import BOUNDS, BoundMethod


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
    assert cert.lower_bound == 5 and cert.upper_bound == 13 and cert.limited_by == "search and bounds"
