"""Sphinx configuration of the offline documentation site; `python .ci/docs.py` builds it (see there)."""
import inspect, re, sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout's package
_cfg = ConfigParser(delimiters=["="])
_cfg.read(ROOT / "settings.ini", encoding="utf-8")
_cfg = _cfg["DEFAULT"]

project = _cfg["lib_name"]
author = _cfg["author"]
copyright = _cfg["copyright"]
release = version = _cfg["version"]

extensions = [
    "myst_nb",                 # notebooks (saved outputs) and MyST markdown
    "sphinx.ext.autodoc",      # the API reference: signatures and docstrings of the exported objects
    "sphinx.ext.viewcode",     # local, highlighted source pages: the "[source]" links
    "sphinx-mathjax-offline",  # MathJax 3 shipped in the wheel and copied into _static/: no CDN
]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
nb_execution_mode = "off"            # the notebooks' saved outputs are the documentation
nb_merge_streams = True              # one output block per cell, as in Jupyter
nb_render_markdown_format = "myst"   # markdown outputs parsed like the cells
nb_ipywidgets_js = {}                # the widget manager would come from a CDN; saved outputs need none
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "attrs_inline"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

default_role = "py:obj"              # `name` in docstrings: a cross-reference when it resolves, code otherwise
add_module_names = False
autodoc_typehints_format = "short"
autodoc_default_options = {"member-order": "bysource"}
autoclass_content = "class"

html_theme = "furo"
html_title = project
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_show_sourcelink = False         # sources are still copied: the search page shows excerpts from them
html_theme_options = {"navigation_with_keys": True}


def _symbols() -> dict:
    "Short name -> qualified name of every exported symbol whose short name is unique (from nbdev's index)."
    from pipeline_nb._modidx import d
    names = [n for syms in d["syms"].values() for n in syms if not re.search(r"\._(?!_)", n)]  # public only
    tails = {}
    for n in names:
        parts = n.split(".")
        for j in range(1, len(parts)):  # `solve.solve`, `solve`; `graph.Graph.add_node`, `Graph.add_node`, ...
            tails.setdefault(".".join(parts[j:]), set()).add(n)
    return {**{t: q.pop() for t, q in tails.items() if len(q) == 1}, **{n: n for n in names}}


_re_code = re.compile(r"(?<![:`\w])`([A-Za-z_][\w.]*)(\(\))?`(?!`)")


def _xrefs(app, what, name, obj, options, lines):
    "`name` in a docstring or docment: a link when it names an exported symbol of any chapter."
    syms = app.env.pipeline_symbols = getattr(app.env, "pipeline_symbols", None) or _symbols()
    def _sub(m):
        q = syms.get(m.group(1))
        return f":py:obj:`{m.group(0)[1:-1]} <{q}>`" if q else m.group(0)
    lines[:] = [_re_code.sub(_sub, line) for line in lines]


def _docments(app, what, name, obj, options, lines):
    "nbdev's docments (a comment after each parameter) as a parameter list under the docstring."
    if what not in ("function", "method", "class"): return
    from fastcore.docments import docments
    try: docs = docments(obj, full=False)
    except Exception: return  # no source (builtins) or an unparsable signature: the docstring alone
    ret = docs.pop("return", None)
    fields = [f":param {k}: {v}" for k, v in docs.items() if v and k != "self"]
    if ret and what != "class": fields.append(f":returns: {ret}")
    if fields: lines.extend(["", *fields])


def _find_source(app, modname):
    "Source and line spans of everything a module defines, including methods added with `@patch`."
    import importlib
    try: mod = importlib.import_module(modname)
    except Exception: return None
    code = inspect.getsource(mod)
    tags = {}
    def _tag(name, obj):
        try: lines, start = inspect.getsourcelines(obj)
        except (OSError, TypeError): return
        tags[name] = ("def", start, start + len(lines) - 1)
    for name, obj in vars(mod).items():
        if getattr(obj, "__module__", None) != modname: continue
        if inspect.isclass(obj):
            _tag(name, obj)
            for attr, member in vars(obj).items():
                for wrapped in ("fget", "__func__", "f"):  # properties, classmethods, fastcore's patched classmethods
                    member = getattr(member, wrapped, member)
                if inspect.isfunction(member) and member.__module__ == modname: _tag(f"{name}.{attr}", member)
        elif inspect.isfunction(getattr(obj, "py_func", obj)): _tag(name, getattr(obj, "py_func", obj))  # numba too
    return code, tags


def setup(app):
    app.connect("autodoc-process-docstring", _docments)
    app.connect("autodoc-process-docstring", _xrefs)  # after the docments are added
    app.connect("viewcode-find-source", _find_source)
