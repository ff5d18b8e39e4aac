"""BRKGA benchmarks (issues 3 and 10).

1. Speed: decodes per second and the run of `brkga-10000` on random layered DAGs (n = 1,000 and
   n = 10,000, m ~ 2n) at k = 16: wall time with all cores (and with one at n = 1,000), CPU time,
   and the peak RSS of a fresh process doing the n = 10,000 run.
2. Robustness to the input's node listing: on the shared dnn-partitioning inference graphs at
   k = 4 and 16, the default method on the graph as listed and on the graph listed in a random
   topological order (where slicing the listing is much worse), against the best value any run found.

    python bench/bench_brkga.py [--quick] [--skip-speed] [--skip-shuffle] [--sizes 1000,10000]
Results go to bench/results/brkga.json.
"""
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path

import numba
import numpy as np

from pipeline_nb.brkga import partition, decode_population
from pipeline_nb.datasets import random_layered
from pipeline_nb.graph import Contracted, CostModel, Graph, kahn_order, keys_to_rank
from pipeline_nb.datasets import load_graph, real_graphs
from pipeline_nb.segments import problem
from pipeline_nb.slicing import warm_up


def cpu_seconds():
    "User + system CPU time of this process, all threads."
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def decode_rates(p, n, k):
    "Decodes per second of 200 random chromosomes (20 at n >= 10,000), wall and CPU, without and with an elite cutoff."
    keys = np.random.default_rng(0).random((20 if n >= 10_000 else 200, n))
    decode_population(p, keys[:2], k, np.inf)  # load the kernels
    out = {}
    for name, cutoff in (("no_cutoff", np.inf), ("elite_cutoff", None)):
        if cutoff is None: cutoff = np.sort(fit)[len(fit) // 5]  # the worst of the best 20 %, as BRKGA's elite
        t, c = time.perf_counter(), cpu_seconds()
        fit = decode_population(p, keys, k, cutoff)
        out[f"decodes_per_s_{name}"] = len(keys) / (time.perf_counter() - t)
        out[f"decodes_per_cpu_s_{name}"] = len(keys) / (cpu_seconds() - c)
    return out


def brkga_run(n, budget, threads):
    "One `brkga` run on random_layered(n) at k = 16: wall and CPU seconds, bottleneck."
    g = random_layered(n, avg_degree=2.0, seed=0)
    warm_up()
    t, c = time.perf_counter(), cpu_seconds()
    r = partition(g, 16, method=budget, time_limit=None, n_jobs=threads)
    return {"seconds": time.perf_counter() - t, "search_seconds": r.seconds, "cpu_seconds": cpu_seconds() - c,
            "bottleneck": r.bottleneck, "generations": len(r.history)}


def fresh_process_run(n, budget):
    "`brkga_run` in a new interpreter, with its peak RSS (ru_maxrss of the child)."
    code = (f"import json, resource, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_brkga as b; "
            f"out = b.brkga_run({n}, {budget!r}, None); "
            "out['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed(quick, sizes):
    out = {"k": 16, "cores": numba.config.NUMBA_NUM_THREADS, "load_average": os.getloadavg()}
    for n in sizes:
        g = random_layered(n, avg_degree=2.0, seed=0)
        row = {"n": g.n, "m": g.m, **decode_rates(problem(Contracted(g), CostModel()), g.n, 16)}
        budget = "brkga-20x20" if quick else "brkga-10000"
        row["budget"] = budget
        row["all_cores"] = fresh_process_run(n, budget)
        if n <= 1000: row["one_core"] = brkga_run(n, budget, 1)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        out[f"n{n}"] = row
        print(json.dumps(row), flush=True)
    return out


def listed_in_random_topological_order(g: Graph, seed: int) -> Graph:
    "The same graph, its nodes listed in a random topological order (so that order is its given order)."
    rng = np.random.default_rng(seed)
    order = kahn_order(g.succ_ptr, g.succ_idx, g.indegree, keys_to_rank(rng.random(g.n)))
    pos = np.empty(g.n, np.int64); pos[order] = np.arange(g.n)
    return Graph([g.names[v] for v in order], g.work[order], g.param[order], g.size[order],
                 np.stack([pos[g.src], pos[g.dst]], 1), g.group[order], g.meta)


def shuffle(quick):
    files = [x for x in real_graphs() if x.startswith("dnn/")]
    if not files:
        print("skipped: shared data not found"); return []
    if quick: files = files[:2]
    rows = []
    for f in files:
        w = load_graph(f)
        for k in (4, 16):
            shuffled = listed_in_random_topological_order(w.graph, seed=1)
            row = {"graph": f, "k": k}
            row["slice_listed"] = partition(w.graph, k, w.cost_model, "slice").bottleneck
            row["slice_shuffled"] = partition(shuffled, k, w.cost_model, "slice").bottleneck
            for name, g in (("listed", w.graph), ("shuffled", shuffled)):
                r = partition(g, k, w.cost_model, "brkga-100" if quick else "brkga-10000", progress=False)
                row[f"default_{name}"], row[f"seconds_{name}"] = r.bottleneck, r.seconds
            # a large budget, several seeds: the best value known
            big = [partition(w.graph, k, w.cost_model, "brkga-100" if quick else "brkga-200x200", seed=s,
                             time_limit=None, progress=False).bottleneck for s in range(1 if quick else 3)]
            row["best_known"] = min(big + [row["default_listed"], row["default_shuffled"]])
            row["shuffled_gap"] = row["default_shuffled"] / row["best_known"] - 1
            rows.append(row)
            print(f"{row['graph']:55s} k={k:2d} slice listed/shuffled {row['slice_listed']:.6g}/{row['slice_shuffled']:.6g} "
                  f"default listed {row['default_listed']:.6g} shuffled {row['default_shuffled']:.6g} best {row['best_known']:.6g} "
                  f"gap {100 * row['shuffled_gap']:.3f}% ({row['seconds_shuffled']:.1f}s)", flush=True)
    worst = max((r["shuffled_gap"] for r in rows), default=0.0)
    print(f"worst gap of the default method on shuffled listings: {100 * worst:.3f}%")
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny budgets, two graphs: a smoke run")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-shuffle", action="store_true")
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated n of the speed part")
    args = ap.parse_args()
    out = Path(__file__).parent / "results" / "brkga.json"
    result = json.loads(out.read_text()) if out.exists() else {}  # a skipped part keeps its last results
    if not args.skip_speed: result["speed"] = speed(args.quick, [int(x) for x in args.sizes.split(",")])
    if not args.skip_shuffle: result["shuffle"] = shuffle(args.quick)
    out.parent.mkdir(exist_ok=True)
    if not args.quick: out.write_text(json.dumps(result, indent=1) + "\n")
