"""Every notebook runs through nbdev's own test machinery (one test per notebook), and the
exported package and the cleaned notebooks must agree with what is committed."""
import ast, filecmp, shutil
from pathlib import Path

import pytest
from nbdev import test as nbdev_test  # the module, so pytest does not collect `test_nb` itself
from execnb.nbio import nb2str
from fastcore.xtras import loads
from nbdev.clean import clean_nb
from nbdev.config import get_config
from nbdev.export import nb_export

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(path=ROOT)
NBS = sorted(p for p in Path(CFG.nbs_path).glob("*.ipynb") if not p.name.startswith(("_", ".")))


def _absent() -> dict:
    "Flag -> why cells so flagged cannot run here: `shared` needs the shared real graphs, `torch` the torch extra."
    import importlib.util
    from pipeline_nb.io import shared_data
    why = {}
    if shared_data() is None: why["shared"] = "the shared real graphs (../shared/data) are not here"
    if importlib.util.find_spec("torch") is None: why["torch"] = "torch (the [torch] extra) is not installed"
    return why

def _flagged(nb: Path, flag: str) -> int:
    "How many code cells of `nb` carry the nbdev flag `#| flag`."
    cells = loads(nb.read_text(encoding="utf-8"))["cells"]
    return sum(any(line.split() == ["#|", flag] for line in "".join(c["source"]).splitlines()) for c in cells if c["cell_type"] == "code")

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb, request, monkeypatch):
    monkeypatch.setenv("IN_TEST", "1")  # restored afterwards: nbdev's test_nb leaves it set
    skip = [] if request.config.getoption("--slow") else ["slow"]
    absent = {flag: why for flag, why in _absent().items() if _flagged(nb, flag)}
    ok, seconds = nbdev_test.test_nb(nb, skip_flags=skip + list(absent), basepath=ROOT)
    assert ok, f"{nb.name} failed (traceback above)"
    if absent:  # the rest passed, but part of the chapter could not be checked: say so, never pass silently
        pytest.skip("; ".join(f"{_flagged(nb, flag)} cells not run: {why}" for flag, why in absent.items()))


def test_package_matches_notebooks(tmp_path):
    "Running nbdev_export would change nothing in the package."
    lib, nbs = Path(CFG.lib_path), Path(CFG.nbs_path)
    out = tmp_path / lib.relative_to(ROOT)  # same layout, so the source comments match
    (tmp_path / nbs.relative_to(ROOT)).mkdir(parents=True)
    out.mkdir(parents=True)
    for nb in NBS:
        copy = tmp_path / nbs.relative_to(ROOT) / nb.name
        shutil.copy(nb, copy)
        nb_export(copy, lib_path=out)
    exported = sorted(p.name for p in out.glob("*.py"))
    committed = sorted(p.name for p in lib.glob("*.py") if p.name not in ("__init__.py", "_modidx.py"))
    assert exported == committed, f"modules differ: exported {exported}, in package {committed}"
    stale = [name for name in exported if not filecmp.cmp(out / name, lib / name, shallow=False)]
    assert not stale, f"run nbdev_export: {stale} differ from their notebooks"


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook_is_clean(nb):
    "Running nbdev_clean would change nothing in the notebook."
    text = nb.read_text(encoding="utf-8")
    data = loads(text)
    clean_nb(data, CFG.clear_all, CFG.get("allowed_metadata_keys").split(),
             CFG.get("allowed_cell_metadata_keys").split(), CFG.clean_ids)
    assert nb2str(data) == text, f"run nbdev_clean on {nb.name}"


def _imports_mixed_with_code(source: str) -> bool:
    "Would nbdev's docs build run this cell (it imports, anywhere) although it also computes?"
    body = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!", "#|")))
    try: tree = ast.parse(body)
    except SyntaxError: return False
    if not any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(tree)): return False
    definitions = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Try)  # try: the import-guard idiom
    def typing_only(node): return isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    return not all(isinstance(node, definitions) or typing_only(node) for node in tree.body)


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_imports_in_their_own_cells(nb):
    "nbdev's docs build runs every cell that imports: such cells must not also compute."
    cells = ["".join(c["source"]) for c in loads(nb.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    mixed = [src.splitlines()[0] for src in cells if _imports_mixed_with_code(src)]
    assert not mixed, f"{nb.name}: move the imports of these cells into cells of their own: {mixed}"
