"""Certification speed (issue 4): `solve(target_gap=0.001)` on every distinct dnn-partitioning
inference graph (layer graphs in both versions, operator graphs once: both versions are equal) at
k = 2, 4, 8, 16, with a time limit per instance. Reports the gap reached, the time and the bound
that closed it; writes bench/results/solve.json after every instance.

    python bench/bench_solve.py [--time-limit 120] [--ks 2,4,8,16] [--quick]
"""
import argparse, json, time
from pathlib import Path

from pipeline_nb.datasets import load_graph, real_graphs
from pipeline_nb.mip import best_bound
from pipeline_nb.certificate import solve


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance (default 120)")
    ap.add_argument("--ks", default="2,4,8,16", help="values of k (default 2,4,8,16)")
    ap.add_argument("--target-gap", type=float, default=0.001)
    ap.add_argument("--quick", action="store_true", help="two small graphs only")
    args = ap.parse_args()
    names = [x for x in real_graphs(distinct=True) if x.startswith("dnn/")]
    if not names: raise SystemExit("skipped: shared data not found")
    if args.quick: names = [x for x in names if "bert24" in x or "gnmt" in x][:2]
    out = Path(__file__).parent / "results" / ("solve-quick.json" if args.quick else "solve.json")
    rows = []
    for name in names:
        w = load_graph(name)
        for k in map(int, args.ks.split(",")):
            t = time.perf_counter()
            c = solve(w, k, time_limit=args.time_limit, target_gap=args.target_gap)
            seconds = time.perf_counter() - t
            closing = best_bound(c.bounds)
            row = dict(graph=name, k=k, upper=c.upper_bound, lower=c.lower_bound,
                       gap=c.gap, seconds=seconds, bound=closing.method, method=c.result.method if c.result else None, limited_by=c.limited_by)
            rows.append(row)
            print(f"{row['graph']:40s} k={k:2d} UB {c.upper_bound:10.5g} LB {c.lower_bound:10.5g} "
                  f"gap {100 * (c.gap if c.gap is not None else float('inf')):7.3f}% {seconds:6.1f} s ({closing.method})", flush=True)
            out.write_text(json.dumps(rows, indent=1) + "\n")
    met = [r for r in rows if r["gap"] is not None and r["gap"] <= args.target_gap]
    times = sorted(r["seconds"] for r in rows)
    print(f"{len(met)} of {len(rows)} within {100 * args.target_gap:g}%; time per instance median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s")


if __name__ == "__main__":
    main()
