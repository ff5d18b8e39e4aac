"""Certificates on generated families (issue 10): `solve` with its 60 s budget on the cell-based
family (`nasnet_like`) at the sizes of real cell-based networks (~600 and ~2,000 operators) and twice
those, and on the transformer, CNN and random layered families at 1,000 and 10,000 operators, for
k = 2, 4, 8, 16, 32, 64; family `real` is every distinct shared real graph (dnn-partitioning and PipeDream,
`datasets.real_graphs(distinct=True)`, skipped when the shared data is absent). Records per case the best
split (UB), the best lower bound (LB), LB/UB,
every bound's value, the wall time and the peak RSS of the process that ran it (one fresh process
per case), and whether any bound exceeds the best split (it must not). Summary: geometric mean and
worst LB/UB per family. The full run takes hours (66 cases of up to a few minutes each).

    python bench/bench_families.py [--quick] [--family nasnet,cnn] [--k 2,16] [--time-limit 60]
    python bench/bench_families.py --family real --graphs pipedream/inception_v3 --k 4

Results: bench/results/families.json (families-quick.json with --quick), rewritten after every case;
a rerun replaces the cases it runs and keeps the others.
"""
import argparse, json, math, os, resource, subprocess, sys, time
from pathlib import Path

FAMILIES = {"nasnet": (600, 1200, 2000, 4000), "transformer": (1000, 10000), "cnn": (1000, 10000),
            "layered": (1000, 10000), "real": (0,)}  # real: the shared graphs, whatever their size
KS = (2, 4, 8, 16, 32, 64)
QUICK = [("nasnet", 600, 4), ("nasnet", 600, 16), ("transformer", 1000, 8)]


def run_case(name: str, k: int, time_limit: float) -> dict:
    "Solve one registry graph at k in this process; the figures of one case."
    from pipeline_nb.datasets import load_graph
    from pipeline_nb.certificate import solve
    w = load_graph(name)
    t = time.perf_counter()
    c = solve(w.graph, k, w.cost_model, time_limit=time_limit)
    seconds = time.perf_counter() - t
    bounds = {key: b.value for key, b in c.bounds.items()}
    closing = max(c.bounds.values(), key=lambda b: b.value) if c.bounds else None
    return dict(graph=name, n=w.graph.n, m=w.graph.m, k=k, upper=c.upper_bound, lower=c.lower_bound,
                ratio=c.lower_bound / c.upper_bound if c.upper_bound > 0 else 1.0, gap=c.gap, seconds=seconds,
                method=c.result.method, best_bound=getattr(closing, "method", None), bounds=bounds,
                bound_above_split=any(v > c.upper_bound * (1 + 1e-9) for v in bounds.values()),
                peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_fresh(name: str, k: int, time_limit: float) -> dict:
    "`run_case` in a new interpreter, so that its peak RSS is its own; a hard stop well past the budget."
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_families as b; "
            f"print(json.dumps(b.run_case({name!r}, {k}, {time_limit})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=3 * time_limit + 300)
    except subprocess.TimeoutExpired:
        return dict(graph=name, k=k, error=f"no answer after {3 * time_limit + 300:.0f} s")
    if done.returncode != 0: return dict(graph=name, k=k, error=done.stderr.strip().splitlines()[-1:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _family(graph: str) -> str:
    "The family of a registry name: gen/FAMILY-N-seedS, else `real`."
    return graph[4:].split("-")[0] if graph.startswith("gen/") else "real"


def _names(family: str, n: int) -> list:
    "The registry names of one (family, size): one generated graph, or every distinct shared real graph."
    if family != "real": return [f"gen/{family}-{n}-seed0"]
    from pipeline_nb.datasets import real_graphs
    return real_graphs(distinct=True)


def summary(rows):
    "Per family: cases, geometric mean and worst LB/UB, cases with a bound above the split."
    out = {}
    for family in FAMILIES:
        mine = [r for r in rows if _family(r["graph"]) == family and "ratio" in r]
        if not mine: continue
        ratios = [max(r["ratio"], 1e-300) for r in mine]
        out[family] = dict(cases=len(mine), geomean=math.exp(sum(map(math.log, ratios)) / len(ratios)),
                           worst=min(ratios), bound_above_split=sum(r["bound_above_split"] for r in mine),
                           max_seconds=max(r["seconds"] for r in mine),
                           max_rss_mib=max(r["peak_rss_mib"] for r in mine))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"three cases only: {QUICK}")
    ap.add_argument("--family", default=",".join(FAMILIES), help="comma-separated families (default: all)")
    ap.add_argument("--k", default=",".join(map(str, KS)), help="comma-separated k (default 2,4,8,16,32,64)")
    ap.add_argument("--sizes", default=None, help="comma-separated n, overriding each family's sizes")
    ap.add_argument("--time-limit", type=float, default=60.0, help="solve's time limit per case (default 60 s)")
    ap.add_argument("--graphs", default=None, help="comma-separated registry names: only these of the chosen families")
    args = ap.parse_args()
    families = args.family.split(",")
    unknown = [f for f in families if f not in FAMILIES]
    if unknown: raise SystemExit(f"unknown family {unknown[0]!r}: choose from {', '.join(FAMILIES)}")
    ks = [int(x) for x in args.k.split(",")]
    sizes = lambda family: [int(x) for x in args.sizes.split(",")] if args.sizes else FAMILIES[family]
    cases = QUICK if args.quick else [(f, n, k) for f in families for n in sizes(f) for k in ks]
    if any(f == "real" for f, _, _ in cases) and not _names("real", 0):
        print("family real: the shared data folder is not present, skipped", file=sys.stderr)
    out = Path(__file__).parent / "results" / ("families-quick.json" if args.quick else "families.json")
    old = json.loads(out.read_text())["cases"] if out.exists() else []
    rows = {(r["graph"], r["k"]): r for r in old}
    picked = lambda name: args.graphs is None or name in args.graphs.split(",")
    for name, k in [(name, k) for family, n, k in cases for name in _names(family, n) if picked(name)]:
        row = run_fresh(name, k, args.time_limit)
        row["load_average"] = os.getloadavg()
        rows[row["graph"], k] = row
        if "error" in row: print(f"{row['graph']:32s} k={k:2d} ERROR {row['error']}", flush=True)
        else: print(f"{row['graph']:32s} n={row['n']:5d} k={k:2d} UB {row['upper']:10.5g} LB {row['lower']:10.5g} "
                    f"LB/UB {row['ratio']:.4f} {row['seconds']:6.1f} s {row['peak_rss_mib']:6.0f} MiB "
                    f"({row['best_bound']}; split by {row['method']})", flush=True)
        out.parent.mkdir(exist_ok=True)
        result = dict(time_limit=args.time_limit, cases=list(rows.values()))
        result["summary"] = summary(result["cases"])
        out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary(list(rows.values())), indent=1))


if __name__ == "__main__":
    main()
