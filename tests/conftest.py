import atexit, os, shutil, tempfile

# Compiled kernels are cached on disk by numba; a cache left by an earlier run (or by an edited notebook)
# would let a test pass on stale code. Every test run compiles into a fresh folder of its own.
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="pipeline_nb-numba-")
# The same holds for imported models kept in pipeline_nb's cache: each run starts with an empty one.
os.environ["PIPELINE_NB_CACHE"] = tempfile.mkdtemp(prefix="pipeline_nb-cache-")
for folder in (os.environ["NUMBA_CACHE_DIR"], os.environ["PIPELINE_NB_CACHE"]):  # removed when the run ends
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run notebook cells flagged `#| slow` (long benchmarks and real-graph sweeps)")
