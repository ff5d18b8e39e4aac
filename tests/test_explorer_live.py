"""The explorer's live convergence picture, driven headlessly.

A search runs in the explorer's worker; every repaint of the live picture is recorded (the line's
data at that moment) from an observer on the picture's widget, which runs in the worker, so the
checks see each repaint in order and can press stop or change a control at an exact point of the
search."""
import math

import numpy as np
import pytest

from pipeline_nb.widgets import Explorer

GRAPH = "gen/layered-100-seed0"


@pytest.fixture(scope="module")
def explorer():
    ex = Explorer(GRAPH, k=6, k_range=(6, 6), debounce=0.0, live_interval=0.0).wait()
    assert ex.error == "" and ex.view.method == "slice", ex.error
    yield ex
    ex.close()


def run(ex: Explorer, method: str, at=None, action=None) -> list:
    "Switch `ex` to `method`; the line's y data at every repaint (`action()` runs at repaint number `at`)."
    drawn = []
    def record(change):
        drawn.append(np.array(ex.live.line.get_ydata(), float))
        if len(drawn) == at: action()
    ex.live.image.observe(record, "value")
    try:
        ex.method.value = method
        ex.wait(120)
    finally: ex.live.image.unobserve(record, "value")
    return drawn


def test_line_follows_the_search(explorer):
    "A full BRKGA run: one repaint per generation, the line grows and never goes up, and ends at the result."
    ex = explorer
    drawn = run(ex, "brkga-100")
    r = ex.view.result
    assert (ex.view.method, r.stopped, ex.error) == ("brkga-100", "", "")
    lengths = [len(y) for y in drawn]
    assert len(drawn) >= 5 and lengths == list(range(1, len(drawn) + 1)), lengths
    assert all((np.diff(y) <= 0).all() for y in drawn), "the best bottleneck went up"
    assert ex.live.y[:-1] == r.history[:-1] and math.isclose(ex.live.y[-1], r.bottleneck, rel_tol=1e-9)
    assert ex.live.x == sorted(ex.live.x) and ex.live.x[-1] == r.evaluations
    lower = ex.live.bound.get_ydata()[0]
    assert 0 < lower <= drawn[-1][-1], "the lower bound line is missing or above the bottleneck"
    ax = ex.live.ax
    assert ax.get_xlabel() == "orders evaluated" and ax.get_ylabel().startswith("best bottleneck (")
    assert ax.get_title().startswith("brkga-100 at k = 6") and len(ax.get_legend().get_texts()) == 2
    assert bytes(ex.live.image.value).startswith(b"\x89PNG")


def test_stop_button_ends_the_search(explorer):
    "Stop pressed during a search: it ends at the next generation, its best split is shown and not cached."
    ex = explorer
    ex.method.value = "slice"; ex.wait()
    drawn = run(ex, "brkga-10000", at=3, action=ex.stop)
    r = ex.view.result
    assert (ex.view.method, r.stopped) == ("brkga-10000", "observer")
    assert [len(y) for y in drawn] == [1, 2, 3, 4], "the search went on after the stop"
    assert r.evaluations < r.planned and "stopped" in ex.status.value
    assert not any(key[3] == "brkga-10000" for key in ex._splits)


def test_newer_change_abandons_the_search(explorer):
    "A control changed during a search: the search is dropped and the newer setting is shown."
    ex = explorer
    ex.method.value = "slice"; ex.wait()
    drawn = run(ex, "brkga-10000", at=2, action=lambda: setattr(ex.method, "value", "random-10"))
    assert len(drawn) >= 2 and ex.view.method == "random-10" and ex.error == ""
    assert not any(key[3] == "brkga-10000" for key in ex._splits)
    assert any(key[3] == "random-10" for key in ex._splits)
