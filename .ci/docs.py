"""Offline docs build (Quarto cannot be installed here): nbdev's own notebook processing, as
nbdev_docs runs it before Quarto, then nbconvert renders every processed notebook to HTML in
_docs/. Fails if a notebook cannot be processed. With Quarto installed, `nbdev_docs` builds the site."""
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbdev.quarto import proc_nbs


def main():
    proc = proc_nbs(force=True, n_workers=2)
    wanted = sorted(p.name for p in Path("nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
    missing = [name for name in wanted if not (proc / name).exists()]
    if missing: raise SystemExit(f"docs: nbdev could not process {missing} (see the traceback above)")
    out = Path("_docs"); out.mkdir(exist_ok=True)
    for name in wanted:
        nb = nbformat.read(proc / name, as_version=4)
        for cell in nb.cells: cell.pop("has_sd", None)  # nbdev's marker for show_doc cells, unknown to the schema
        html, _ = HTMLExporter().from_notebook_node(nb)
        (out / name.replace(".ipynb", ".html")).write_text(html, encoding="utf-8")
    print(f"docs: {len(wanted)} pages in {out}/")


if __name__ == "__main__":
    main()
