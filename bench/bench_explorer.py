"""Explorer latency: how long one control change takes to reach the screen.

On `onnx/resnet50` (176 nodes, costed on an A100) at k <= 16, warm (the kernels compiled, the
workload loaded, one full update done), every control change is timed from setting the widget's
value to the new split, bounds, table and picture of the tab in view being in place ("paint"), and
to the end of the job, k curve included ("done"). The debounce (the quiet time the explorer waits
for before it starts) is set to 0 here and reported separately: in a notebook it adds to both.

    python bench/bench_explorer.py [--quick] [--out bench/results/explorer.json]

`paint_cpu` and `done_cpu` are the process's CPU seconds over the same spans: on a machine shared
with other work the wall-clock figures grow with the load, the CPU time much less; for the
single-threaded parts (slicing, bounds, drawing) it is what the wall clock shows on an idle machine.

Scenarios: k to a value whose split is not cached (it is dropped first, so the split, the bounds
and the picture are computed), to one whose split is cached but whose picture is not, back to one
shown before (split and picture kept), one step up (the picture drawn ahead), and set again the
moment the first picture shows, while the explorer draws ahead (from the second change to its
picture, waiting for the picture in flight), for the given order (`slice`) and for `brkga-100`, at
k <= 16; a second ordering switched on and off with the split tab in view, and with the orderings
tab in view the first time (every picture showing a second ordering forgotten first) and again;
the bandwidth and the memory limit changed (the k curve is recomputed); each tab opened with no
picture kept; one repaint of the live convergence picture. Figures are medians and maxima over the
changes of a scenario; timings depend on the machine's load, which is recorded.
"""
import argparse, json, os, statistics, time
from pathlib import Path

from pipeline_nb.widgets import TABS, Explorer, LiveConvergence


def timed(ex: Explorer, change) -> dict:
    "Apply `change` to the explorer; seconds to the first paint and to the end of the job."
    ex.timings.clear()
    t0, cpu = time.perf_counter(), time.process_time()
    change()
    ex.wait()
    if "update" not in ex.timings: raise RuntimeError("the change left the controls as they were: nothing was timed")
    return dict(paint=ex.timings.get("update", float("nan")), paint_cpu=ex.timings.get("update_cpu", float("nan")),
                done=time.perf_counter() - t0, done_cpu=time.process_time() - cpu)


def scenario(ex: Explorer, changes) -> dict:
    runs = [timed(ex, c) for c in changes]
    out = {"changes": len(runs)}
    for key in ("paint", "paint_cpu", "done", "done_cpu"):
        values = [r[key] for r in runs]
        out[f"{key}_median_s"], out[f"{key}_max_s"] = statistics.median(values), max(values)
    return out


def setter(widget, value):
    return lambda: setattr(widget, "value", value)


def set_k(ex: Explorer, k: int, splits: bool, pictures: bool):
    "Set k after dropping the cached splits at k (`splits`) and the kept pictures at k (`pictures`)."
    def change():
        if splits:
            for key in [key for key in ex._splits if key[2] == k]: del ex._splits[key]
        if pictures:
            for key in [key for key in ex._pictures if key[3] == k]: del ex._pictures[key]
        ex.k.value = k
    return change


def toggle_fresh(ex: Explorer, value: str):
    "Set the second ordering after forgetting every picture that shows one (the first time it is seen)."
    def change():
        for key in [key for key in ex._pictures if key[0] == "orderings"]: del ex._pictures[key]
        for key in [key for key in ex._panels if key[0] == "convergence" or key[4][0] != ex.method.value]:
            del ex._panels[key]
        ex.compare.value = value
    return change


def right_after(ex: Explorer, first: int, second: int) -> dict:
    "Set k to `first`, then to `second` the moment the first picture is shown (while the explorer draws ahead)."
    for key in [key for key in ex._pictures if key[3] in (first, second)]: del ex._pictures[key]
    ex.timings.clear()
    ex.k.value = first
    while "update" not in ex.timings: time.sleep(0.001)
    t0 = time.perf_counter()
    ex.k.value = second  # the first job's drawing ahead stops at its next check, then the second job starts
    ex.wait()
    end = time.perf_counter()
    return dict(paint=end - t0 - (ex.timings["job"] - ex.timings["update"]), done=end - t0)


def live_repaint(points: int = 100, repeats: int = 10) -> float:
    "Median seconds of one repaint of the live convergence picture with `points` points."
    live = LiveConvergence(interval=0)
    live.start("bench", lower=1.0)
    for i in range(points): live.x.append(i + 1); live.y.append(2.0 - i / points)
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); live.paint(); times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(quick: bool, out: Path):
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    ex = Explorer("onnx/resnet50", k=4, k_range=(1, 16), debounce=0.0).wait()  # loads, compiles, fills the curve
    results = {"graph": "onnx/resnet50", "n": ex.view.workload.graph.n, "k_max": 16, "debounce_default_s": 0.1,
               "cold_start_s": time.perf_counter() - t0, "cpus": os.cpu_count()}
    ks = [2, 8, 16] if quick else list(range(1, 17))
    rows = {}
    for method in ("slice", "brkga-100"):
        ex.method.value, ex.k.value = method, 4 if quick else 17  # k: a value the scenarios below leave
        ex.wait()  # the curve of this ordering, k = 1..16, is now cached
        for key in [key for key in ex._pictures if key[3] in range(1, 17)]: del ex._pictures[key]
        ex.k_range.value = (1, 1)  # so that the k values below are computed by the change itself
        ex.wait()
        rows[f"k, new value, {method}"] = scenario(ex, [set_k(ex, k, True, True) for k in ks])
        rows[f"k, split cached, {method}"] = scenario(ex, [set_k(ex, k, False, True) for k in ks[1:] + ks[:1]])
        rows[f"k, back to a value shown, {method}"] = scenario(ex, [set_k(ex, k, False, False) for k in ks[::-1]])
        ex.k.value = 3 if quick else 1
        ex.k_range.value = (1, 16)
        ex.wait()
        steps = [4, 5, 6, 7, 8] if quick else list(range(2, 17))
        rows[f"k, one step up (split cached, picture drawn ahead), {method}"] = scenario(
            ex, [set_k(ex, k, False, False) for k in steps])
        pairs = [(5, 11), (12, 3), (9, 15)] if quick else [(5, 11), (12, 3), (9, 15), (2, 7), (14, 6), (10, 1)]
        runs = [right_after(ex, a, b) for a, b in pairs]
        rows[f"k, changed again as the first picture shows (drawing ahead), {method}"] = {
            "changes": len(runs), **{f"{x}_{m}_s": f([r[x] for r in runs]) for x in ("paint", "done")
                                     for m, f in (("median", statistics.median), ("max", max))},
            **{f"{x}_{m}_s": None for x in ("paint_cpu", "done_cpu") for m in ("median", "max")}}  # 2 jobs overlap
    ex.method.value, ex.k.value = "slice", 8
    ex.wait()
    pairs = 1 if quick else 3
    toggles = [setter(ex.compare, "brkga-100"), setter(ex.compare, "none")] * pairs
    rows["compare with brkga-100 on/off, split tab"] = scenario(ex, toggles)
    ex.tabs.selected_index = TABS.index("orderings")
    ex.wait()
    rows["compare with brkga-100 on/off, orderings tab, first time"] = scenario(
        ex, [toggle_fresh(ex, "brkga-100"), toggle_fresh(ex, "none")] * pairs)
    for change in toggles[:2]: timed(ex, change)  # both pictures drawn once
    rows["compare with brkga-100 on/off, orderings tab, seen"] = scenario(ex, toggles)
    ex.tabs.selected_index = 0
    base = ex.c_in.value
    rows["bandwidth (new cost model, curve recomputed)"] = scenario(
        ex, [setter(ex.bandwidth, 1 / (base * f)) for f in ((2, 4) if quick else (2, 4, 8, 0.5))])
    rows["memory limit (new cost model, curve recomputed)"] = scenario(
        ex, [setter(ex.memory_limit, x) for x in (("4e7", "none") if quick else ("4e7", "2e7", "1e7", "none"))])
    tab_times = {}
    for i, tab in enumerate(TABS):
        ex._pictures.clear()
        t = time.perf_counter(); ex.tabs.selected_index = i; tab_times[tab] = time.perf_counter() - t
    ex.tabs.selected_index = 0
    results["scenarios"] = rows
    results["open_tab_s"] = tab_times
    results["live_repaint_100_points_s"] = live_repaint()
    results["loadavg_before"], results["loadavg_after"] = load_before, os.getloadavg()
    width = max(map(len, rows))
    columns = ("paint", "paint_cpu", "done", "done_cpu")
    print(f"{'control change (seconds: median / max)':<{width}}  " + " ".join(f"{c:>13}" for c in columns))
    for name, r in rows.items():
        def fmt(x): return "     -" if x is None else f"{x:6.3f}"
        print(f"{name:<{width}}  " + " ".join(f"{fmt(r[c + '_median_s'])}/{fmt(r[c + '_max_s'])}" for c in columns))
    print("open a tab (draw it):", ", ".join(f"{t} {s:.3f}" for t, s in tab_times.items()))
    print(f"live convergence repaint (100 points): {results['live_repaint_100_points_s']:.3f} s")
    print(f"cold start {results['cold_start_s']:.1f} s; load average {load_before[0]:.1f} before, "
          f"{results['loadavg_after'][0]:.1f} after, on {os.cpu_count()} CPUs")
    if not quick:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few changes per scenario; prints, writes no JSON")
    ap.add_argument("--out", type=Path, default=Path("bench/results/explorer.json"))
    args = ap.parse_args()
    main(args.quick, args.out)
