"""Fuzzing every reader with malformed content (hypothesis).

Valid files of every format are mutated (truncated, characters inserted and deleted, lines
repeated, numbers swapped for huge, negative, NaN or structured values, deep nesting), and random
bytes are fed as files. The only allowed outcomes are a `GraphError` whose one-line message starts
with the file's path, or a `Workload` that passes its own invariants: at least one node, finite
non-negative costs with finite totals, an acyclic graph, a finite cost for the whole graph on one
stage, and a round trip through `save_json`. Anything else (another exception, a wrong answer, a
hang, caught by an alarm) fails.

Two deterministic sweeps replace every number, and every JSON value, of every seed by every
class of bad value. The hypothesis tests are deterministic too (`derandomize=True`, no example
database): 400 examples each by default (about 10 s of CPU for the whole file), 2,000 with
`pytest --slow`.
"""
import json
import math
import re
import signal
import warnings
from contextlib import contextmanager
from dataclasses import replace

import networkx as nx
import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import helper, numpy_helper

from pipeline_nb.graph import MAX_TOTAL, Contracted, CostModel, GraphError, block_cost, diamond
from pipeline_nb.importers import import_onnx
from pipeline_nb.io import FORMATS, Workload, load, read_json, save_json

FAST, SLOW = 400, 2000  # examples per hypothesis test
HANG_SECONDS = 20  # one example taking this long is a hang


@pytest.fixture
def examples(request):
    return SLOW if request.config.getoption("--slow") else FAST


def fuzz_settings(n):
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@contextmanager
def alarm(seconds=HANG_SECONDS):
    "Fail instead of hanging: SIGALRM raises in the main thread after `seconds`."
    def fire(signum, frame): raise TimeoutError(f"reader still running after {seconds} s: a hang")
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try: yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------- valid seed files, one per format

def _pipeline_nb_seed(tmp_path):
    g = diamond()
    path = save_json(g, tmp_path / "seed.json", CostModel(memory_limit=5))
    doc = json.loads(path.read_text())
    doc["nodes"][1]["group"] = doc["nodes"][2]["group"] = "g"  # b and c colocated (feasible)
    return json.dumps(doc, indent=1)

DNN = json.dumps({"maxSizePerFPGA": 1e9, "maxFPGAs": 4, "maxCPUs": 1,
                  "nodes": [dict(id=7, name="w", fpgaLatency=0, size=4096, colorClass=1, isBackwardNode=False),
                            dict(id=3, name="x", fpgaLatency=0.5, size=0),
                            dict(id=9, name="mm", fpgaLatency=2.0, size=128, colorClass=1),
                            dict(id=4, name="out", fpgaLatency=0.25, size=0)],
                  "edges": [dict(sourceId=7, destId=9, cost=0.004), dict(sourceId=3, destId=9, cost=0.01),
                            dict(sourceId=9, destId=4, cost=0.02)]}, indent=1)


def _tmpc(time, params):
    return dict(id="vanilla", timePerSample=time, parameterSize=params, memoryUsageA=0, memoryUsageB=params, syncTimeFw={}, syncTimeBw={})

PIPER = json.dumps({"maxMemoryPerDevice": 16e9, "maxDevices": 4, "maxBatchSize": 32, "bandwidth": 25e9,
                    "nodes": [dict(id=0, TMPCs={"1": [_tmpc(0.002, 4e8)]}),
                              dict(id=1, TMPCs={"1": [_tmpc(0.010, 1e8)], "2": [_tmpc(0.006, 5e7)]}),
                              dict(id=2, TMPCs={"1": [_tmpc(0.012, 2e8), _tmpc(0.009, 3e8)]}),
                              dict(id=3, TMPCs={"1": [_tmpc(0.001, 4e8)]})],
                    "edges": [dict(sourceId=0, destId=1, communicationCost=4e6), dict(sourceId=0, destId=2, communicationCost=1e6),
                              dict(sourceId=1, destId=3, communicationCost=4e6), dict(sourceId=2, destId=3, communicationCost=4e6)]},
                   indent=1)

PIPEDREAM = """node2 -- Linear(in_features=4, out_features=8) -- forward_compute_time=0.500, backward_compute_time=1.0, activation_size=[1024.0; 512.0], parameter_size=160.000
node1 -- Input0 -- forward_compute_time=0.000, backward_compute_time=0.000, activation_size=64.0, parameter_size=0.000
node3 -- Weird -- repr -- forward_compute_time=0.250, backward_compute_time=0.3, activation_size=32.0, parameter_size=0.000
\tnode1 -- node2
\tnode2 -- node3
"""
PIPEDREAM_STAGED = "\n".join(f"{line} -- stage_id={s}" for line, s in zip(PIPEDREAM.splitlines()[:3], (0, 0, 1))) + \
    "\n" + "\n".join(PIPEDREAM.splitlines()[3:]) + "\n"

REGAL = '''# a tiny CostGraphDef
node {
  name: "_SOURCE"
}
node {
  name: "x"
  id: 1
  control_input: 0
  output_info { size: 40 alias_input_port: -1 shape { dim { size: 10 } } dtype: DT_FLOAT }
  compute_cost: 12
  persistent_memory_size: 400
}
node {
  name: "y"
  id: 2
  input_info { preceding_node: 1 preceding_port: 0 }
  output_info { size: 8 alias_input_port: -1 }
  output_info { size: 4 alias_input_port: -1 }
  control_input: 0
  compute_cost: 30
}
node {
  name: "z"
  id: 3
  input_info { preceding_node: 1 }
  input_info { preceding_node: 2 preceding_port: 1 }
  compute_cost: 5
}
'''


def text_seeds(tmp_path):
    "(name, format, text, file suffix) of every text format's valid example."
    return [("pipeline_nb", "pipeline_nb", _pipeline_nb_seed(tmp_path), ".json"),
            ("dnn", "dnn-partitioning", DNN, ".json"),
            ("piper", "piper", PIPER, ".json"),
            ("pipedream", "pipedream", PIPEDREAM, ".txt"),
            ("pipedream-staged", "pipedream", PIPEDREAM_STAGED, ".txt"),
            ("regal", "regal", REGAL, ".pbtxt")]


def onnx_seed() -> onnx.ModelProto:
    "A small CNN: named and unnamed nodes, weights as initializers."
    rng = np.random.default_rng(0)
    init = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), name)
            for name, s in (("w", (4, 3, 3, 3)), ("fc", (4 * 3 * 3, 5)), ("bias", (5,)))]
    init.append(numpy_helper.from_array(np.array([1, -1], np.int64), "flat"))
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Reshape", ["p", "flat"], ["f"]),
             helper.make_node("MatMul", ["f", "fc"], ["m"]),
             helper.make_node("Add", ["m", "bias"], ["y"], name="out")]
    graph = helper.make_graph(nodes, "seed", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 6, 6])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)], init)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


# ---------------------------------------------------------------- the property

def check_workload(w: Workload, tmp_path, roundtrip=True):
    "The invariants every workload a reader returns must pass."
    assert isinstance(w, Workload), type(w)
    g = w.graph
    assert g.n >= 1, "a graph without nodes was accepted"
    for attr in ("work", "param", "size"):
        arr = getattr(g, attr)
        assert arr.shape == (g.n,) and np.all(np.isfinite(arr)) and np.all(arr >= 0), (attr, arr)
        assert float(arr.sum()) <= MAX_TOTAL, (attr, float(arr.sum()))
    assert nx.is_directed_acyclic_graph(nx.DiGraph(list(zip(g.src.tolist(), g.dst.tolist())))), "cyclic graph accepted"
    assert len(set(g.names)) == g.n
    Contracted(g)  # every algorithm's view of the graph can be built
    assert math.isfinite(block_cost(g, np.arange(g.n), replace(w.cost_model, memory_cap=None)))  # with_ keeps a cap
    if not roundtrip: return
    try: back = read_json(save_json(w, tmp_path / "roundtrip.json"))
    except GraphError: return  # refusing to save (e.g. NaN in free-form meta) is an answer too
    for attr in ("work", "param", "size"): np.testing.assert_array_equal(getattr(back.graph, attr), getattr(g, attr))


def judge(call, prefix: str, tmp_path, roundtrip=True) -> str:
    "Run `call()`; a GraphError must be one line starting with `prefix`; a workload must be valid."
    try:
        with alarm(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = call()
    except GraphError as e:
        message = str(e)
        assert message.startswith(prefix), message
        assert "\n" not in message and len(message) < 20_000, message  # one line, never the whole file
        assert "np.float64" not in message and "np.int64" not in message, message
        return "refused"
    check_workload(w, tmp_path, roundtrip)
    return "accepted"


def outcome(read, path, tmp_path) -> str:
    "What reading the file `path` with `read` gives: every error names the file."
    return judge(lambda: read(path), f"{path}: ", tmp_path)


# ---------------------------------------------------------------- mutations of text

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
REPLACEMENTS = ["1" + "0" * 400, "9" * 5000, "1e308", "-1", "NaN", "Infinity", '"7"', "[1, 2]", '{"a": 1}', "null",
                "0x" + "f" * 300, "{ size: 3 }", "[64.0; 32.0", "2e308"]  # one per class of bad value
PUNCTUATION = list('{}[]<>:,;"\'#\n\t =-.') + ["\\", " -- ", "\n\tnode1 -- node1\n", "node {", "}\n", "-0.0", "true", "nan", "1_0",
                                                 " -- stage_id=x", "1e-320", "[1; nan]"]


NESTED = ["[" * 3000 + "]" * 3000, '{"a": ' * 3000 + "1" + "}" * 3000, "[" * 5000, "{ a: " * 3000 + "}" * 3000, "< " * 5000]


@st.composite
def nested(draw):
    depth = draw(st.sampled_from([10, 500, 3000, 100_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ("a { ", "} "), ("a < ", "> ")]))
    return opener * depth + (closer * depth if draw(st.booleans()) else "")


def _mutate(draw, text: str, kind: str) -> str:
    n = len(text)
    if kind == "truncate": return text[:draw(st.integers(0, n))]
    if kind == "insert":
        at = draw(st.integers(0, n))
        piece = draw(st.one_of(st.sampled_from(PUNCTUATION), st.sampled_from(REPLACEMENTS), st.text(max_size=8)))
        return text[:at] + piece + text[at:]
    if kind == "delete":
        at = draw(st.integers(0, n)); return text[:at] + text[at + draw(st.integers(1, 20)):]
    if kind in ("number", "nest"):  # a value swapped for a bad one, where the parser will read it
        spans = [m.span() for m in NUMBER.finditer(text)]
        if not spans: return text
        a, b = draw(st.sampled_from(spans))
        return text[:a] + draw(st.sampled_from(REPLACEMENTS if kind == "number" else NESTED)) + text[b:]
    if kind == "tree": return _tree_mutate(draw, text)
    if kind == "deep":
        at = draw(st.integers(0, n)); return text[:at] + draw(nested()) + text[at:]
    lines = text.split("\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "repeat": lines.insert(j, lines[i])
    else: lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


BAD_VALUES = [[], {}, None, -1, 10**400, float("nan"), float("inf"), "7", True, 1e308, [1, 2], {"a": 1}, "@DEEP@", "@DELETE@"]


def _paths(obj, prefix=()):
    "Every path (tuple of keys and indices) to a value inside a JSON document."
    yield prefix
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items: yield from _paths(v, prefix + (k,))


def _tree_mutate(draw, text: str) -> str:
    "A JSON document with one value replaced by a bad one (or deleted), anywhere in the tree."
    try: doc = json.loads(text)
    except (ValueError, RecursionError): return text
    path = draw(st.sampled_from(list(_paths(doc))[1:] or [()]))
    if not path: return text
    *parent_path, key = path
    parent = doc
    for k in parent_path: parent = parent[k]
    value = draw(st.sampled_from(BAD_VALUES))
    if value == "@DELETE@": del parent[key]
    else: parent[key] = value
    return json.dumps(doc).replace('"@DEEP@"', "[" * 3000 + "]" * 3000)


KINDS = ["number", "tree"] * 3 + ["nest", "deep", "truncate", "insert", "delete", "repeat", "swap"]  # bad values most often


@st.composite
def mutated(draw, text: str) -> str:
    "One mutation of every kind in turn as the main one, then up to two more of any kind."
    text = _mutate(draw, text, draw(st.sampled_from(KINDS)))
    for _ in range(draw(st.integers(0, 2))): text = _mutate(draw, text, draw(st.sampled_from(KINDS)))
    return text


def test_text_readers(tmp_path, examples):
    "Mutated files of every text format, read with their format and with auto-detection."
    seeds = text_seeds(tmp_path)
    for name, fmt, text, suffix in seeds:  # the seeds themselves are valid
        path = tmp_path / f"seed{suffix}"; path.write_text(text)
        assert outcome(lambda p: load(p, fmt), path, tmp_path) == "accepted", name
    seen = {"refused": 0, "accepted": 0}

    @fuzz_settings(examples)
    @given(st.data())
    def run(data):
        name, fmt, text, suffix = data.draw(st.sampled_from(seeds))
        bad = data.draw(mutated(text))
        path = tmp_path / f"case{suffix}"
        path.write_text(bad, encoding="utf-8", errors="surrogatepass")
        detected = data.draw(st.booleans())
        seen[outcome((lambda p: load(p)) if detected else (lambda p: load(p, fmt)), path, tmp_path)] += 1

    run()
    print(seen)
    assert seen["refused"] > 0 and seen["accepted"] > 0, seen  # the mutations reach both answers


def test_every_value_swapped(tmp_path):
    "Deterministic sweep: every number of every seed file replaced by every bad value, in turn."
    seen = {"refused": 0, "accepted": 0}
    for name, fmt, text, suffix in text_seeds(tmp_path):
        for a, b in [m.span() for m in NUMBER.finditer(text)]:
            for value in REPLACEMENTS + NESTED:  # parsed from memory, not saved: fast (files are the other tests' part)
                bad = text[:a] + value + text[b:]
                seen[judge(lambda: FORMATS[fmt](bad), "", tmp_path, roundtrip=False)] += 1
    print(seen)
    assert seen["refused"] > 0 and seen["accepted"] > 0, seen


def test_every_json_value_replaced(tmp_path):
    "Deterministic sweep: every value of every JSON seed replaced by every bad value (or deleted), in turn."
    seen = {"refused": 0, "accepted": 0}
    for name, fmt, text, suffix in text_seeds(tmp_path):
        if suffix != ".json": continue
        doc = json.loads(text)
        for path in list(_paths(doc))[1:]:
            for value in BAD_VALUES:
                copy = json.loads(text)
                *parent_path, key = path
                parent = copy
                for k in parent_path: parent = parent[k]
                if value == "@DELETE@": del parent[key]
                else: parent[key] = value
                bad = json.dumps(copy).replace('"@DEEP@"', "[" * 3000 + "]" * 3000)
                seen[judge(lambda: FORMATS[fmt](bad), "", tmp_path, roundtrip=False)] += 1
    print(seen)
    assert seen["refused"] > 0 and seen["accepted"] > 0, seen


def test_random_bytes(tmp_path, examples):
    "Random bytes as a file of every kind (text readers and the ONNX importer)."
    seen = {"refused": 0, "accepted": 0}

    @fuzz_settings(examples)
    @given(st.binary(max_size=400), st.sampled_from([".json", ".txt", ".pbtxt", ".onnx"]), st.sampled_from([None, *FORMATS]))
    def run(data, suffix, fmt):
        path = tmp_path / f"noise{suffix}"
        path.write_bytes(data)
        read = import_onnx if suffix == ".onnx" else (lambda p: load(p, fmt))
        seen[outcome(read, path, tmp_path)] += 1

    run()
    print(seen)
    assert seen["refused"] > 0, seen


# ---------------------------------------------------------------- mutations of ONNX models

DIMS = [-5, -1, 0, 1, 3, 2**31, 2**40, 2**62]
OPS = ["Relu", "Conv", "Gemm", "MatMul", "Loop", "If", "Foo", "Concat", "MaxPool", "Reshape", "Identity", "Softmax"]


@st.composite
def mutated_model(draw) -> bytes:
    m = onnx_seed()
    g = m.graph
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["dim", "unshape", "unname", "outputs", "inputs", "loop", "shuffle", "op", "domain",
                                     "uninit", "duplicate", "attr"]))
        node = g.node[draw(st.integers(0, len(g.node) - 1))] if len(g.node) else None
        if kind == "dim":
            vi = g.input[0].type.tensor_type.shape
            if len(vi.dim): vi.dim[draw(st.integers(0, len(vi.dim) - 1))].dim_value = draw(st.sampled_from(DIMS))
        elif kind == "unshape": g.input[0].type.tensor_type.ClearField("shape")
        elif node is None: continue
        elif kind == "unname": node.name = ""
        elif kind == "outputs": del node.output[:]
        elif kind == "inputs": del node.input[:]
        elif kind == "loop": node.input.append(node.output[0] if node.output else "x")
        elif kind == "shuffle":
            nodes = list(g.node); order = draw(st.permutations(range(len(nodes))))
            del g.node[:]; g.node.extend(nodes[i] for i in order)
        elif kind == "op": node.op_type = draw(st.sampled_from(OPS))
        elif kind == "domain": node.domain = draw(st.sampled_from(["com.example", "ai.onnx", ""]))
        elif kind == "uninit":
            if len(g.initializer): del g.initializer[draw(st.integers(0, len(g.initializer) - 1))]
        elif kind == "duplicate": g.node.append(node)
        elif kind == "attr": del node.attribute[:]
    data = m.SerializeToString()
    if draw(st.booleans()):  # damage the bytes too
        at = draw(st.integers(0, len(data)))
        data = draw(st.sampled_from([data[:at], data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:],
                                     data[:at] + data[at + 4:]]))
    return data


def test_onnx_importer(tmp_path, examples):
    "Structurally broken and byte-damaged ONNX models, and the valid seed."
    path = tmp_path / "seed.onnx"; path.write_bytes(onnx_seed().SerializeToString())
    assert outcome(import_onnx, path, tmp_path) == "accepted"
    seen = {"refused": 0, "accepted": 0}

    @fuzz_settings(examples)
    @given(mutated_model())
    def run(data):
        path = tmp_path / "case.onnx"
        path.write_bytes(data)
        seen[outcome(import_onnx, path, tmp_path)] += 1

    run()
    print(seen)
    assert seen["refused"] > 0 and seen["accepted"] > 0, seen
