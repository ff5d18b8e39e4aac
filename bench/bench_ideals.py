"""Benchmark of the exact DP over ideals (`pipeline_nb.ideals`): ideal counts, time and memory per k.

For each graph it counts the ideals of the contracted DAG and times `ideals_bound(q, k, cm)` without a
known split (so each k climbs from the cheap bounds), and again given upper = OPT (as when a search has already
found an optimal split), with the compiled kernels loaded first. Memory is the peak of numpy's allocations
during the call (tracemalloc). With --compare it also runs `pipeline_nb.certificate.solve` on a few cases
and checks that its best split is never below the DP's value (the DP is exact).

Usage: python bench/bench_ideals.py [--quick] [--compare] [--time-limit S] [--out PATH]
"""
from __future__ import annotations
import argparse, json, math, time, tracemalloc
from pathlib import Path

from pipeline_nb.datasets import list_graphs, load_graph
from pipeline_nb.graph import Contracted, diamond
from pipeline_nb.ideals import IdealTable, ideals, ideals_bound

GRAPHS = ["onnx/resnet50", "onnx/inception_v1", "dnn/latency/bert_l-12", "gen/transformer-1000-seed0",
          "gen/cnn-1000-seed0", "gen/transformer-10000-seed0"]
SHARED = ["dnn/latency/layers/inceptionv3"]  # 36,596 ideals: the widest graph the DP settles (shared data only)
KS = [2, 4, 8, 16, 32, 64]
COMPARE = [("onnx/inception_v1", 8), ("dnn/latency/bert_l-12", 16), ("gen/transformer-1000-seed0", 4)]


def measure(name: str, ks, time_limit: float) -> dict:
    w = load_graph(name)
    q = Contracted(w.graph)
    t0 = time.perf_counter(); found = ideals(q, 200_000); t_enum = time.perf_counter() - t0
    row = dict(graph=name, blocks=q.n, ideals=None if found is None else len(found.bits), enumerate_s=round(t_enum, 3))
    if found is None: return row
    t0 = time.perf_counter(); IdealTable(q, found, w.cost_model); row["table_s"] = round(time.perf_counter() - t0, 3)
    for k in ks:
        tracemalloc.start()
        b = ideals_bound(q, k, w.cost_model, time_limit=time_limit)
        peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
        given = ideals_bound(q, k, w.cost_model, time_limit=time_limit, upper=b.value) if b.partition else None
        row[f"k{k}"] = dict(value=b.value if b.proven and math.isfinite(b.value) else None, status=b.status,
                            seconds=round(b.seconds, 3), peak_mb=round(peak / 2 ** 20, 1), message=b.message,
                            seconds_upper_opt=None if given is None else round(given.seconds, 3))
        print(f"  {name} k={k}: {b.status} {b.value:.6g} in {b.seconds:.2f} s ({b.message}), peak "
              f"{peak / 2 ** 20:.1f} MB; given upper = OPT: {given.seconds if given else math.nan:.2f} s", flush=True)
    return row


def compare(time_limit: float) -> list:
    from pipeline_nb.certificate import solve
    out = []
    for name, k in COMPARE:
        w = load_graph(name)
        b = ideals_bound(w.graph, k, w.cost_model)
        cert = solve(w, k, time_limit=time_limit)
        ok = cert.upper_bound >= b.value * (1 - 1e-9)
        out.append(dict(graph=name, k=k, dp=b.value, search=cert.upper_bound, lower=cert.lower_bound, ok=ok))
        print(f"  {name} k={k}: DP {b.value:.6g}, solve's split {cert.upper_bound:.6g}, solve's LB "
              f"{cert.lower_bound:.6g}{'' if ok else '  <-- split below the exact optimum!'}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="first two graphs, k = 2 and 16")
    ap.add_argument("--compare", action="store_true", help="also run solve() on a few cases")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per ideals_bound call")
    ap.add_argument("--solve-limit", type=float, default=20.0, help="seconds per solve() call")
    ap.add_argument("--out", default="bench/results/ideals.json")
    ap.add_argument("--graphs", default=None, help="comma-separated graphs instead of the default list")
    ap.add_argument("--k", default=None, help="comma-separated k instead of 2,4,...,64")
    args = ap.parse_args()
    ideals_bound(diamond(), 2)  # load the compiled kernels
    graphs, ks = (GRAPHS[:2], [2, 16]) if args.quick else (GRAPHS + [g for g in SHARED if g in list_graphs()], KS)
    if args.graphs: graphs = args.graphs.split(",")
    if args.k: ks = [int(x) for x in args.k.split(",")]
    rows = [measure(name, ks, args.time_limit) for name in graphs]
    result = dict(rows=rows, compare=compare(args.solve_limit) if args.compare else [])
    if not args.quick:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1))
    for r in rows:
        print(r["graph"], r["blocks"], r["ideals"], r.get("table_s"),
              " ".join(f"{k}:{r[f'k{k}']['seconds']}s" for k in ks if f"k{k}" in r))


if __name__ == "__main__":
    main()
