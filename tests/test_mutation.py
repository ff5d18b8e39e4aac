"""The soundness suite can fail: plant an off-by-one in the slicing DP kernel of a copy of the package and
require the slicing checks to fail on it, while the unmutated copy passes.

Each copy runs in its own subprocess with a fresh numba cache (NUMBA_CACHE_DIR in a new temporary folder),
so a kernel compiled from other source can never be reused; both subprocesses run at once.
"""
import os, shutil, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "pipeline_nb/slicing.py"
# (what the kernel says, what the mutant says): the DP's range of left ends stops one segment short
MUTATION = ("first, last = max(lo, low[j - 1]), min(r - 1, reach[j - 1])",
            "first, last = max(lo, low[j - 1]), min(r - 2, reach[j - 1])")
SELECTION = "test_slicing_dp and (plain or memory_cap or mixed)"


def _copy(tmp: Path, name: str, mutate: bool) -> Path:
    "A copy of the package under tmp/name, with the mutation planted when `mutate`."
    where = tmp / name
    shutil.copytree(ROOT / "pipeline_nb", where / "pipeline_nb", ignore=shutil.ignore_patterns("__pycache__"))
    if mutate:
        kernel = where / KERNEL
        text = kernel.read_text()
        assert text.count(MUTATION[0]) == 1, f"{KERNEL} changed: the line to mutate is not there exactly once"
        kernel.write_text(text.replace(*MUTATION))
    return where


def _start(where: Path, tmp: Path) -> subprocess.Popen:
    "Run the selected slicing checks against the copy at `where`, in a subprocess with a fresh numba cache."
    cache = tmp / f"numba-cache-{where.name}"
    cache.mkdir()
    env = {**os.environ, "PYTHONPATH": str(where), "NUMBA_CACHE_DIR": str(cache)}
    env.pop("ORACLE_DUMP", None)
    probe = "import pipeline_nb, sys; print('imported', pipeline_nb.__file__); sys.stdout.flush()"
    command = (f"{sys.executable} -c \"{probe}\" && {sys.executable} -m pytest {ROOT / 'tests' / 'test_soundness.py'} "
               f"-q -p no:cacheprovider -k '{SELECTION}'")
    return subprocess.Popen(command, shell=True, cwd=where, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.skipif(not (ROOT / KERNEL).exists(), reason=f"{KERNEL} not found")
def test_planted_off_by_one_is_caught(tmp_path):
    "The mutant fails the slicing checks (DP != brute force); the unmutated copy passes them."
    runs = {name: _start(_copy(tmp_path, name, name == "mutant"), tmp_path) for name in ("mutant", "original")}
    out = {name: (p.communicate(timeout=600)[0], p.returncode) for name, p in runs.items()}
    for name, (text, _) in out.items():
        copy = tmp_path / name / "pipeline_nb" / "__init__.py"
        assert f"imported {copy}" in text, f"{name} did not import its copy:\n{text[-3000:]}"
    text, code = out["original"]
    assert code == 0, f"the unmutated copy fails the slicing checks:\n{text[-3000:]}"
    text, code = out["mutant"]
    assert code != 0 and "DP = brute force" in text, f"the planted off-by-one was not caught:\n{text[-3000:]}"
