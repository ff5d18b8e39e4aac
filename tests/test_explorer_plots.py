"""Every picture of the explorer has a title and a legend, and states its units.

The explorer is driven headlessly on a small generated graph with a second ordering, so that every
tab draws all its panels; each axes of each tab's figure is checked."""
import pytest

from pipeline_nb.widgets import TABS, Explorer


@pytest.fixture(scope="module")
def explorer():
    ex = Explorer("gen/layered-100-seed0", k=4, k_range=(1, 4), compare="brkga-100", debounce=0.0).wait()
    assert ex.error == "" and ex.view.compare is not None, ex.error
    yield ex
    ex.close()


@pytest.mark.parametrize("tab", TABS)
def test_titles_legends_units(explorer, tab):
    ex = explorer
    unit = ex.view.workload.units.label("time")
    axes = ex.figure(tab).axes
    assert axes, f"the {tab} tab draws no axes"
    for ax in axes:
        where = f"{tab}: {ax.get_title()!r}"
        assert ax.get_title().strip(), f"{tab}: an axes without a title"
        assert ax.get_legend() is not None and ax.get_legend().get_texts(), f"{where} has no legend"
        labels = [ax.get_xlabel(), ax.get_ylabel()]
        legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
        if tab == "graph" or not ax.axison:  # a picture of the graph: the costs, with their unit, are in the legend
            assert unit in legend or unit in ax.get_title(), f"{where}: no unit in its legend or title"
        else:
            assert any("(" in label and label.endswith(")") for label in labels), f"{where}: no unit on an axis"
