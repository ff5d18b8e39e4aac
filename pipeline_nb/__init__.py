"""pipeline_nb: split a DNN computation graph into k pipeline stages with the highest throughput, and certify
how close to optimal the split is.

The public face, importable from the package itself (each name loads its chapter's module on first use, so
`import pipeline_nb` stays fast):

    from pipeline_nb import load, load_graph, partition, refine, solve, certify

Every entry point takes a graph or `Workload` first, then `k`, then keywords.
"""
__version__ = "0.3.0"
# Written by hand: nbdev keeps the version line above up to date and leaves the rest alone.
import importlib
import os
from pathlib import Path

def cache_root() -> Path:
    "Where pipeline_nb keeps what it derives (compiled kernels, imported models): `$PIPELINE_NB_CACHE`, or the user cache."
    from platformdirs import user_cache_dir
    return Path(os.environ.get("PIPELINE_NB_CACHE") or user_cache_dir("pipeline_nb"))

# numba reads its cache folder when it is first imported, so this must come before any chapter is loaded
os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_root() / "numba"))

_PUBLIC = {  # name -> module that defines it
    "Graph": "graph", "CostModel": "graph", "Units": "graph", "Partition": "graph", "GraphError": "graph",
    "Workload": "io", "load": "io", "save_json": "io",
    "list_graphs": "datasets", "load_graph": "datasets",
    "import_onnx": "importers", "import_torch": "importers", "get_device": "importers",
    "partition": "brkga", "refine": "refine", "SearchResult": "slicing",
    "compute_bounds": "mip", "BOUNDS": "mip", "Bound": "bounds",
    "solve": "certificate", "certify": "certificate", "Certificate": "certificate",
    "split_onnx": "export", "split_torch": "export",
    "explore": "widgets", "run_experiment": "experiments",
}
__all__ = sorted(_PUBLIC)

_EXTENDED_BY = {"explore": ("export",)}  # later chapters that add to a name's module (the explorer's export forms)

def __getattr__(name: str):
    if name not in _PUBLIC: raise AttributeError(f"module 'pipeline_nb' has no attribute {name!r}")
    for module in _EXTENDED_BY.get(name, ()): importlib.import_module(f"pipeline_nb.{module}")
    value = getattr(importlib.import_module(f"pipeline_nb.{_PUBLIC[name]}"), name)
    globals()[name] = value
    return value

def __dir__(): return sorted(list(globals()) + __all__)
