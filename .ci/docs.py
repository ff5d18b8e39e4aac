"""Build the documentation site from the notebooks, offline: `python .ci/docs.py` writes `_site/`.

1. nbdev's own processing (`proc_nbs`, what `nbdev_docs` runs before Quarto) writes `_proc/`: front matter
   from the title cell, `#| hide`/`#| export` cells removed, `show_doc` cells added after exported code.
2. A second pass with nbdev's `NBProcessor` makes those notebooks Sphinx's: the front matter becomes the
   page's H1 and summary again, each `show_doc` cell becomes an autodoc directive (signature, docstring,
   docments, a link to the highlighted source page), Quarto cell options become MyST-NB tags, links to
   the (online) nbdev pages become cross-references to the local ones; the result goes to `_proc/sphinx/`.
3. Sphinx with MyST-NB (saved outputs, no execution), the furo theme and a local MathJax copy
   (`docs/conf.py`) renders `_site/`.

With Quarto installed, `nbdev_docs` still builds the nbdev site from the same notebooks.
"""
import argparse, os, re, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _use_this_checkout():
    "Document the package of this checkout, also in nbdev's worker processes."
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)


def chapters(nbs: Path) -> list:
    "The chapter notebooks' stems, in chapter order."
    return sorted(p.stem for p in nbs.glob("*.ipynb") if not p.name.startswith(("_", ".")) and p.stem != "index")


def _doc_urls() -> dict:
    "nbdev's online page URL of every exported symbol -> their qualified names (`problem`, `Problem` share one)."
    from nbdev.doclinks import _build_modidx
    _build_modidx()  # as nbdev_docs does
    import importlib, pipeline_nb._modidx as modidx
    d = importlib.reload(modidx).d
    base = d["settings"]["doc_host"] + d["settings"]["doc_baseurl"].rstrip("/") + "/"
    urls = {}
    for syms in d["syms"].values():
        for name, (url, _) in syms.items(): urls.setdefault(base + url, []).append(name)
    return urls


_re_md_link = re.compile(r"\[`([^`\]]+)`\]\((https?://[^)\s]+)\)")
_re_show_doc = re.compile(r"^show_doc\(\s*([\w.]+)\s*[,)]", re.MULTILINE)


class SphinxNb:
    "Second pass over a notebook nbdev processed for Quarto: make it a MyST-NB page."
    def __init__(self, nb, urls, chapters, module):
        self.nb, self.urls, self.module = nb, urls, module
        self.names = {name for names in urls.values() for name in names}
        self.re_chapter = re.compile(r"(?<!\[)`(" + "|".join(map(re.escape, chapters)) + r")`")

    def begin(self):
        "Front matter (nbdev moved the title cell there) back to an H1 and a summary; no widget state."
        import yaml
        from execnb.nbio import mk_cell
        cells = self.nb.cells
        fm = {}
        if cells and cells[0].cell_type == "raw" and cells[0].source.lstrip().startswith("---"):
            fm = yaml.safe_load(cells.pop(0).source.strip().strip("-")) or {}
        head = f"# {fm.get('title', Path(self.nb.path_).stem)}"
        if fm.get("description"): head += f"\n\n> {fm['description']}"
        cells.insert(0, mk_cell(head, "markdown"))
        self.nb.metadata.pop("widgets", None)  # MyST-NB would load the widget manager from a CDN

    def qualname(self, name):
        "`pipeline_nb.mod.name` of a name `show_doc` was given in this notebook's module, or None."
        for cand in (f"pipeline_nb.{self.module}.{name}", *sorted(n for n in self.names if n.endswith("." + name))):
            if cand in self.names: return cand

    def autodoc(self, cell):
        "A `show_doc(x)` cell -> an autodoc directive for x (the nbdev markdown stays if x is not found)."
        m = _re_show_doc.search(cell.source)
        name = m and self.qualname(m.group(1))
        if not name: return False
        import importlib, inspect
        mod, *attrs = name[len("pipeline_nb."):].split(".")
        obj = importlib.import_module(f"pipeline_nb.{mod}")
        for a in attrs: obj = inspect.getattr_static(obj, a)
        kind = ("class" if inspect.isclass(obj) else "property" if isinstance(obj, property)
                else "method" if len(attrs) > 1 else "function" if callable(obj) else "data")
        cell.cell_type, cell.source = "markdown", f"```{{eval-rst}}\n.. auto{kind}:: {name}\n```"
        for k in ("outputs", "execution_count", "has_sd"): cell.pop(k, None)
        return True

    def link(self, text):
        "Links to nbdev's online pages -> local cross-references; `NN_chapter` -> a link to that page."
        def _xref(m):
            text, names = m.group(1), self.urls.get(m.group(2), [])
            name = next((n for n in names if n.endswith("." + text.rstrip("()"))), names[0] if names else None)
            return f"{{py:obj}}`{text} <{name}>`" if name else m.group(0)
        return self.re_chapter.sub(r"[`\1`](\1.ipynb)", _re_md_link.sub(_xref, text))

    def __call__(self, cell):
        cell.pop("has_sd", None)
        if cell.cell_type == "markdown":
            cell.source = self.link(cell.source)
            return
        if cell.cell_type != "code" or (_re_show_doc.search(cell.source) and self.autodoc(cell)): return
        d = cell.directives_
        tags = [t for key, t in (("echo:", "remove-input"), ("output:", "remove-output"), ("include:", "remove-cell"))
                if d.get(key) == ["false"]]
        if tags: cell.metadata["tags"] = sorted(set(cell.metadata.get("tags", [])) | set(tags))
        cell.source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith("#|")).strip()
        for o in cell.get("outputs", []):  # show_doc markdown left to nbdev: its links are online
            md = o.get("data", {}).get("text/markdown")
            if md: o.data["text/markdown"] = self.link("".join(md))


def to_sphinx(nbs: Path, proc: Path, src: Path, names: list):
    "Second pass: nbdev's processed notebooks in `proc` (from `nbs`) -> MyST-NB sources in `src`."
    from execnb.nbio import mk_cell, read_nb, write_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import _default_exp
    src.mkdir(parents=True, exist_ok=True)
    for old in src.glob("*.ipynb"): old.unlink()
    urls = _doc_urls()
    for name in ["index", *names]:
        nb = read_nb(proc / f"{name}.ipynb")
        nb.cells = [c for c in nb.cells if "AUTOGENERATED! DO NOT EDIT" not in c.source]
        module = _default_exp(read_nb(nbs / f"{name}.ipynb"))  # nbdev removed the default_exp cell
        NBProcessor(nb=nb, procs=[SphinxNb(nb, urls, names, module)], process=True)
        if name == "index":  # the sidebar: every chapter, in order
            nb.cells.append(mk_cell("```{toctree}\n:hidden:\n:caption: Chapters\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```",
                                    "markdown"))
        # MyST-NB numbers cell i's lines from 10000*(i+1) by default, and pads every `eval-rst` block with that
        # many blank lines: most of the build's time. Cell i starting at "line" i costs nothing (and names the cell).
        nb.metadata["source_map"] = list(range(len(nb.cells)))
        write_nb(nb, src / f"{name}.ipynb")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="_site", help="output folder (default: _site)")
    ap.add_argument("--strict", action="store_true", help="Sphinx warnings are errors")
    ap.add_argument("--reuse-proc", action="store_true", help="skip nbdev's step: reuse _proc/ from the last build")
    args = ap.parse_args(argv)
    _use_this_checkout()
    import importlib.util
    if importlib.util.find_spec("torch") is None:  # nbdev runs every import cell, 09_import's `import torch` too
        raise SystemExit('docs: the site build runs the PyTorch importer chapter\'s imports: install the torch extra '
                         'first (pip install -e ".[dev,torch]")')
    from nbdev.config import get_config
    from nbdev.quarto import proc_nbs
    from sphinx.cmd.build import build_main
    t0 = time.perf_counter()
    cfg = get_config()
    names = chapters(cfg.nbs_path)
    proc = cfg.config_path / "_proc" if args.reuse_proc else proc_nbs(force=True, n_workers=2)
    missing = [n for n in ["index", *names] if not (proc / f"{n}.ipynb").exists()]
    if missing: raise SystemExit(f"docs: nbdev could not process {missing} (see the traceback above)")
    src = proc / "sphinx"
    to_sphinx(cfg.nbs_path, proc, src, names)
    t1 = time.perf_counter()
    scratch = Path(args.out).resolve().parent / "jupyter_execute"  # MyST-NB's image folder, beside the output
    had_scratch = scratch.exists()
    if (Path(args.out) / ".buildinfo").exists(): shutil.rmtree(args.out)  # a page of a removed chapter must go too
    opts = ["-b", "html", "-q", "-E", "-c", str(ROOT / "docs"), "-d", str(proc / "doctrees"), str(src), args.out]
    rc = build_main(opts + (["-W", "--keep-going"] if args.strict else []))
    if not had_scratch: shutil.rmtree(scratch, ignore_errors=True)
    if rc: raise SystemExit(f"docs: sphinx failed (exit {rc})")
    t2 = time.perf_counter()
    print(f"docs: {len(names) + 1} pages in {args.out}/ (nbdev {t1 - t0:.0f} s, sphinx {t2 - t1:.0f} s); "
          f"open {args.out}/index.html")


if __name__ == "__main__":
    main()
