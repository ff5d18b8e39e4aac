"""A real browser renders the explorer chapter exported to HTML with its saved widget state.

Headless Chromium opens the HTML that `nbconvert` makes of `nbs/12_widgets.ipynb` and takes a
screenshot, which must not be blank. The widgets themselves are drawn by the
`@jupyter-widgets/html-manager` script, which exported pages load from a CDN; for an offline
check, a copy of its `dist/` folder (with `embed-amd.js`) and of `require.js` is looked for in
`$PIPELINE_NB_WIDGETS_JS` (default `~/.cache/pipeline_nb/widgets`), e.g. from
`npm pack @jupyter-widgets/html-manager@^1.0 requirejs@2.3.7`. Each missing piece skips its test
with the reason."""
import copy, os, re, shutil, subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nbs" / "12_widgets.ipynb"
CHROMIUM = next((shutil.which(x) for x in ("chromium", "chromium-browser", "google-chrome") if shutil.which(x)), None)
WIDGETS_JS = Path(os.environ.get("PIPELINE_NB_WIDGETS_JS", Path.home() / ".cache" / "pipeline_nb" / "widgets"))
RENDERER = WIDGETS_JS if (WIDGETS_JS / "embed-amd.js").is_file() and (WIDGETS_JS / "require.js").is_file() else None
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium browser (Debian: apt-get install -y chromium)")


def to_html(nb: dict, out: Path, renderer: Path | None = None) -> Path:
    "Export a notebook to HTML, loading the widget renderer from `renderer` instead of the CDN when given."
    from nbconvert import HTMLExporter
    exporter = HTMLExporter()
    if renderer is not None:
        exporter.widget_renderer_url = (renderer / "embed-amd.js").as_uri()
        exporter.require_js_url = (renderer / "require.js").as_uri()
    body, _ = exporter.from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")
    return out


def chromium(tmp: Path, page: Path, *args) -> subprocess.CompletedProcess:
    "Run headless Chromium on `page` with a fresh profile and no network side traffic."
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--window-size=1400,1800"]
    return subprocess.run([CHROMIUM, *flags, *args, page.as_uri()], capture_output=True, text=True, timeout=180)


def screenshot(tmp: Path, page: Path) -> np.ndarray:
    "The page as an RGB array."
    from PIL import Image
    shot = tmp / f"{page.stem}.png"
    run = chromium(tmp, page, f"--screenshot={shot}")
    assert shot.is_file(), f"chromium wrote no screenshot (exit {run.returncode}): {run.stderr[-2000:]}"
    return np.asarray(Image.open(shot).convert("RGB"), dtype=float)


def ink(pixels: np.ndarray) -> float:
    "Fraction of pixels that are not (nearly) white."
    return float((pixels.min(axis=2) < 235).mean())


def widget_only(nb: dict) -> dict:
    "The notebook reduced to its last cell that displays a widget, with the saved widget state."
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", []))]
    assert cells, "no cell of the notebook displays a widget"
    out = copy.deepcopy(nb)
    out["cells"] = [cells[-1]]
    out["cells"][0]["source"] = ""
    return out


@pytest.fixture(scope="module")
def notebook() -> dict:
    import nbformat
    nb = nbformat.reads(NOTEBOOK.read_text(encoding="utf-8"), as_version=4)
    assert WIDGET_STATE in nb["metadata"].get("widgets", {}), "the notebook was saved without its widget state"
    return nb


def test_page_is_not_blank(notebook, tmp_path):
    "The whole chapter, as the docs export it, renders to a page with content."
    pixels = screenshot(tmp_path, to_html(notebook, tmp_path / "chapter.html", RENDERER))
    assert pixels.std() > 10 and ink(pixels) > 0.02, f"blank page: std {pixels.std():.1f}, ink {ink(pixels):.3f}"


@pytest.mark.skipif(RENDERER is None, reason=f"no offline widget renderer in {WIDGETS_JS} (see the module docstring)")
def test_saved_widgets_render(notebook, tmp_path):
    "The explorer's saved state alone draws the controls and the pictures; without the renderer the page is empty."
    alone = widget_only(notebook)
    drawn = screenshot(tmp_path, to_html(alone, tmp_path / "explorer.html", RENDERER))
    bare = screenshot(tmp_path, to_html(alone, tmp_path / "bare.html", tmp_path / "nowhere"))
    assert ink(bare) < 0.005, f"the page without a renderer is not empty (ink {ink(bare):.3f}): the check cannot fail"
    assert drawn.std() > 10 and ink(drawn) > 0.02, \
        f"the widgets drew nothing: std {drawn.std():.1f}, ink {ink(drawn):.3f}"
    dom = chromium(tmp_path, tmp_path / "explorer.html", "--dump-dom").stdout
    images = re.findall(r'<img[^>]+src="(?:blob|data):', dom)
    assert len(images) >= 6, \
        f"{len(images)} pictures drawn from the saved state, expected one per tab (5) and the live convergence"
    assert "stages k" in dom and "workload" in dom, "the explorer's controls were not drawn"
