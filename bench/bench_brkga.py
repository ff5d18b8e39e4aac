"""BRKGA benchmarks (issue 3).

1. Speed: decodes per second and wall time of `brkga-10000` on a random layered DAG
   (n = 1,000, m ~ 2,000) at k = 16, with all cores and with one.
2. Robustness to the input's node listing: on the shared dnn-partitioning inference graphs at
   k = 4 and 16, the default method on the graph as listed and on the graph listed in a random
   topological order (where slicing the listing is much worse), against the best value any run found.

    python bench/bench_brkga.py [--quick] [--skip-speed] [--skip-shuffle]
Results go to bench/results/brkga.json.
"""
import argparse, json, time
from pathlib import Path

import numba
import numpy as np

from pipeline_nb.brkga import partition, decode_population
from pipeline_nb.datasets import random_layered
from pipeline_nb.graph import Contracted, CostModel, Graph, kahn_order, keys_to_rank
from pipeline_nb.io import load, shared_data
from pipeline_nb.segments import problem
from pipeline_nb.slicing import warm_up


def speed(quick):
    g = random_layered(1000, avg_degree=2.0, seed=0)
    q = Contracted(g)
    p = problem(q, CostModel())
    warm_up()
    keys = np.random.default_rng(0).random((200, q.n))
    decode_population(p, keys[:2], 16, np.inf)
    out = {"n": g.n, "m": g.m, "k": 16, "cores": numba.config.NUMBA_NUM_THREADS}
    t = time.perf_counter(); fit = decode_population(p, keys, 16, np.inf)
    out["decodes_per_s_no_cutoff"] = len(keys) / (time.perf_counter() - t)
    cutoff = np.sort(fit)[len(fit) // 5]
    t = time.perf_counter(); decode_population(p, keys, 16, cutoff)
    out["decodes_per_s_elite_cutoff"] = len(keys) / (time.perf_counter() - t)
    budget = "brkga-20x20" if quick else "brkga-10000"
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}, reverse=True):
        r = partition(g, 16, method=budget, time_limit=None, workers=threads, progress=False)
        out[f"{budget}_seconds_{threads}_threads"] = r.seconds
        out[f"{budget}_bottleneck"] = r.bottleneck
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    print(json.dumps(out, indent=1))
    return out


def listed_in_random_topological_order(g: Graph, seed: int) -> Graph:
    "The same graph, its nodes listed in a random topological order (so that order is its given order)."
    rng = np.random.default_rng(seed)
    order = kahn_order(g.succ_ptr, g.succ_idx, g.indegree, keys_to_rank(rng.random(g.n)))
    pos = np.empty(g.n, np.int64); pos[order] = np.arange(g.n)
    return Graph([g.names[v] for v in order], g.work[order], g.param[order], g.size[order],
                 np.stack([pos[g.src], pos[g.dst]], 1), g.group[order], g.meta)


def shuffle(quick):
    data = shared_data()
    if data is None:
        print("skipped: shared data not found"); return []
    files = sorted((data / "dnn-partitioning").glob("*-inputs/*/*_inference.json"))
    if quick: files = files[:2]
    rows = []
    for f in files:
        w = load(f)
        for k in (4, 16):
            shuffled = listed_in_random_topological_order(w.graph, seed=1)
            row = {"graph": str(f.relative_to(data)), "k": k}
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
    args = ap.parse_args()
    out = Path(__file__).parent / "results" / "brkga.json"
    result = json.loads(out.read_text()) if out.exists() else {}  # a skipped part keeps its last results
    if not args.skip_speed: result["speed"] = speed(args.quick)
    if not args.skip_shuffle: result["shuffle"] = shuffle(args.quick)
    out.parent.mkdir(exist_ok=True)
    if not args.quick: out.write_text(json.dumps(result, indent=1) + "\n")
