"""Start-up and end-to-end time of the `pipeline-nb` command: `--help`, and on a warm install
`partition` and `solve` on the 176-node ResNet-50 operator graph (`onnx/resnet50`) at k = 2.
Each command runs in a fresh process; the figure is the median wall-clock time of R runs (after one
unmeasured run that fills numba's cache). Also records which heavy modules `--help` imports (none
should be) and `python -X importtime`'s top entries for `partition`. Writes bench/results/startup.json.

    python bench/bench_startup.py [--repeats 5] [--quick]

Targets: `--help` under 0.3 s; `partition` and `solve` under 1 s each, warm.
"""
import argparse, json, os, re, statistics, subprocess, sys, time
from pathlib import Path

ENTRY = "from pipeline_nb.cli import script; script()"
HEAVY = ("numpy", "numba", "scipy", "pulp", "onnx", "networkx", "tqdm")


def wall(argv, repeats):
    "Median and minimum wall-clock seconds of `pipeline-nb argv` in fresh processes, and the last exit code."
    times, code = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", ENTRY, *argv], capture_output=True, text=True)
        times.append(time.perf_counter() - t); code = p.returncode
        if code != 0: raise SystemExit(f"pipeline-nb {' '.join(argv)} failed ({code}): {p.stderr.strip()[-300:]}")
    return statistics.median(times), min(times), code


def help_imports():
    "Heavy modules loaded by `pipeline-nb --help`."
    probe = f"import sys; from pipeline_nb.cli import main; main(['--help']); print([m for m in {HEAVY!r} if m in sys.modules])"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.splitlines()[-1]


def import_profile(argv, top=8):
    "The slowest cumulative imports of one run, from `python -X importtime`."
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, *argv], capture_output=True, text=True)
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m[3]) <= 2: rows.append((int(m[2]) / 1e6, m[4]))  # top-level packages only
    return sorted(rows, reverse=True)[:top]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="runs per command (default 5)")
    ap.add_argument("--quick", action="store_true", help="--help only, 3 runs")
    args = ap.parse_args()
    repeats = 3 if args.quick else args.repeats
    commands = {"--help": ["--help"]}
    if not args.quick:
        commands["partition onnx/resnet50 -k 2"] = ["partition", "onnx/resnet50", "-k", "2"]
        commands["solve onnx/resnet50 -k 2"] = ["solve", "onnx/resnet50", "-k", "2"]
        for argv in list(commands.values())[1:]: wall(argv, 1)  # fill numba's cache: the figures are for a warm install
    rows = {}
    for name, argv in commands.items():
        median, fastest, _ = wall(argv, repeats)
        rows[name] = dict(median_s=round(median, 3), fastest_s=round(fastest, 3), repeats=repeats)
        print(f"{name:34s} median {median:6.3f} s  fastest {fastest:6.3f} s  ({repeats} runs)", flush=True)
    result = dict(commands=rows, help_imports=help_imports(), python=sys.version.split()[0], cpus=os.cpu_count(),
                  load_average=[round(x, 2) for x in os.getloadavg()])  # figures from a loaded machine are not comparable
    print(f"heavy modules imported by --help: {result['help_imports']}; load average {result['load_average']} on {result['cpus']} CPUs")
    if not args.quick:
        result["partition_imports"] = import_profile(commands["partition onnx/resnet50 -k 2"])
        print("slowest imports of partition (cumulative s):", ", ".join(f"{m} {s:.2f}" for s, m in result["partition_imports"]))
        out = Path(__file__).parent / "results" / "startup.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
