"""Write the corpus of bad inputs: one file per class of malformed input, and `expected.json`.

    python tests/bad_inputs/make_corpus.py [FOLDER]   # default: the folder of this script

Every file is a graph file (or an ONNX model, or a folder posing as one) that every reader must
refuse with one `GraphError` naming the file; `expected.json` maps each file name to a substring
its error message must contain. See README.md in this folder.
"""
import json
import sys
from pathlib import Path

import onnx
from onnx import helper

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- text files

def pipeline_nb(nodes, edges=(), **extra) -> str:
    return json.dumps({"format": "pipeline_nb", "version": 1, "nodes": nodes, "edges": list(edges), **extra})

OK_NODES = [{"id": "a", "work": 2, "size": 6}, {"id": "b", "work": 5, "param": 4, "size": 1}]
OK_EDGES = [["a", "b"]]


def dnn(nodes, edges) -> str:
    return json.dumps({"maxFPGAs": 2, "nodes": nodes, "edges": edges})


def piper(nodes, edges=(), bandwidth=25e9) -> str:
    return json.dumps({"maxDevices": 2, "bandwidth": bandwidth, "nodes": nodes, "edges": list(edges)})


PD_LINE = "node{} -- Linear(in_features=4, out_features=8) -- forward_compute_time={}, backward_compute_time=1.0, " \
          "activation_size={}, parameter_size=160.000"
PD_OK = PD_LINE.format(1, "0.500", "64.0") + "\n" + PD_LINE.format(2, "0.250", "32.0") + "\n\tnode1 -- node2\n"

REGAL_NODE = 'node {{\n  name: "{}"\n  id: {}\n{}  compute_cost: {}\n}}\n'


def text_cases() -> dict:
    "file name -> (content, expected substring of the error)."
    big, long = "1" + "0" * 400, "1" + "0" * 5000
    return {
        # pipeline_nb JSON
        "huge_integer.json": (pipeline_nb(OK_NODES).replace('"work": 2', f'"work": {big}'),
                              "node 'a': work must be a finite number >= 0, got an integer of 401 digits"),
        "integer_too_long.json": (pipeline_nb(OK_NODES).replace('"work": 2', f'"work": {long}'), "a number too long to read"),
        "deep_nesting.json": (pipeline_nb(OK_NODES, OK_EDGES).replace('"edges": [', '"meta": ' + "[" * 5000 + "0" + "]" * 5000 + ', "edges": ['),
                              "nested too deeply"),
        "empty_graph.json": (pipeline_nb([]), "graph has no nodes"),
        "sum_overflow.json": (pipeline_nb([{"id": "a", "size": 1e308}, {"id": "b", "size": 1e308}]), "size sums to inf over all nodes"),
        "total_too_large.json": (pipeline_nb([{"id": "a", "work": 1e301}]), "work sums to 1e+301 over all nodes"),
        "cost_model_overflow.json": (pipeline_nb(OK_NODES, OK_EDGES, cost_model={"memory_limit": 1, "c_ov": 1e308}),
                                     "a stage could cost inf under this cost model"),
        "nan_work.json": (pipeline_nb(OK_NODES).replace('"work": 2', '"work": NaN'), "node 'a': work must be a finite number >= 0, got nan"),
        "negative_size.json": (pipeline_nb([{"id": "a", "size": -1}]), "node 'a': size must be a finite number >= 0, got -1"),
        "string_number.json": (pipeline_nb([{"id": "a", "work": "7"}]), "node 'a': work must be a number, got '7'"),
        "cycle.json": (pipeline_nb(OK_NODES, OK_EDGES + [["b", "a"]]), "graph has a cycle"),
        "truncated.json": (pipeline_nb(OK_NODES, OK_EDGES)[:40], "invalid JSON"),
        "blank.json": ("  \n\n", "empty file"),
        "unknown_json.json": (json.dumps({"nodes": [], "edges": []}), "JSON in an unknown format"),
        # dnn-partitioning JSON
        "dnn_unequal_edge_costs.json": (dnn([dict(id=1, fpgaLatency=1), dict(id=2, fpgaLatency=1), dict(id=3, fpgaLatency=1)],
                                            [dict(sourceId=1, destId=2, cost=1), dict(sourceId=1, destId=3, cost=2)]),
                                        "its out-edges have different costs (1.0 and 2.0)"),
        "dnn_training.json": (dnn([dict(id=1, fpgaLatency=1, isBackwardNode=True)], []), "training graph"),
        "dnn_empty_graph.json": (dnn([], []).replace('"nodes": []', '"nodes": [], "fpgaLatency": 0'), "graph has no nodes"),
        # Piper JSON
        "piper_no_degree_one.json": (piper([dict(id=0, TMPCs={"2": [dict(id="x", timePerSample=1, parameterSize=0)]})]),
                                     "no TMPCs for degree 1"),
        "piper_zero_bandwidth.json": (piper([dict(id=0, TMPCs={"1": [dict(id="x", timePerSample=1, parameterSize=0)]})], bandwidth=0),
                                      "bandwidth must be > 0"),
        "piper_huge_time.json": (piper([dict(id=0, TMPCs={"1": [dict(id="x", timePerSample=0, parameterSize=0)]})]).replace(
            '"timePerSample": 0', f'"timePerSample": {big}'), "timePerSample must be a finite number >= 0, got an integer of 401 digits"),
        # PipeDream graph.txt
        "pipedream_unclosed_list.txt": (PD_OK.replace("activation_size=64.0", "activation_size=[64.0; 32.0"),
                                        "activation_size has an unmatched bracket: '[64.0; 32.0'"),
        "pipedream_partial_stages.txt": (PD_OK.replace("parameter_size=160.000\n", "parameter_size=160.000 -- stage_id=0\n", 1),
                                         "has no stage_id, but earlier node lines have one"),
        "pipedream_bad_stage.txt": (PD_OK.replace("parameter_size=160.000\n", "parameter_size=160.000 -- stage_id=one\n"),
                                    "stage_id must be an integer >= 0, got 'one'"),
        "pipedream_unknown_node.txt": (PD_OK + "\tnode2 -- node9\n", "names unknown node 'node9'"),
        "pipedream_infinite.txt": (PD_OK.replace("forward_compute_time=0.500", "forward_compute_time=1e400"),
                                   "forward_compute_time must be a finite number >= 0, got inf"),
        "pipedream_sum_overflow.txt": (PD_OK.replace("activation_size=64.0", "activation_size=[1e308; 1e308]"),
                                       "activation_size must be a finite number >= 0, got inf"),
        "pipedream_garbage_line.txt": (PD_OK + "this is not a node\n", "neither a node line"),
        # REGAL CostGraphDef pbtxt
        "regal_structured_value.pbtxt": (REGAL_NODE.format("x", 1, "", "{ value: 5 }"), "node 'x': compute_cost must be a number, got {'value': [5]}"),
        "regal_structured_name.pbtxt": (REGAL_NODE.format("x", 1, "", 5).replace('name: "x"', "name { first: 1 }"), "name must be a string"),
        "regal_structured_input.pbtxt": (REGAL_NODE.format("x", 1, "", 5) + REGAL_NODE.format("y", 2, "  input_info { preceding_node { id: 1 } }\n", 5),
                                         "node 'y': an input must be a node id (an integer)"),
        "regal_huge_hex.pbtxt": (REGAL_NODE.format("x", 1, "", "0x" + "f" * 300), "got an integer of 362 digits"),
        "regal_unclosed.pbtxt": (REGAL_NODE.format("x", 1, "", 5)[:-2], "is never closed"),
        "regal_deep_nesting.pbtxt": ("node { " * 5000, "is never closed"),
        "regal_no_nodes.pbtxt": ("version: 3\n", "no 'node { ... }' entries"),
        "comment_run.txt": ("#" * 60 + "x\n", "unknown format"),
    }


# ---------------------------------------------------------------- ONNX models

def model(nodes, inputs=None, outputs=None) -> bytes:
    inputs = inputs if inputs is not None else [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [4, 8])]
    outputs = outputs or [helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, None)]
    m = helper.make_model(helper.make_graph(nodes, "bad", inputs, outputs), opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="make_corpus", ir_version=8)
    return m.SerializeToString()


def shaped(*dims):
    return [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, list(dims))]


def onnx_cases() -> dict:
    "file name -> (bytes, expected substring of the error)."
    relu = helper.make_node("Relu", ["a"], ["b"])
    two = [helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None) for x in "bc"]
    loop = helper.make_node("Loop", ["", "", "a"], ["b"], name="lp", body=helper.make_graph([], "body", [], []))
    return {
        "empty.onnx": (b"", "empty file"),
        "garbage.onnx": (b"\xff" * 64, "not an ONNX model"),
        "truncated.onnx": (model([relu])[:-7], "not an ONNX model"),
        "no_nodes.onnx": (model([]), "graph has no nodes"),
        "self_loop.onnx": (model([helper.make_node("Add", ["a", "b"], ["b"])]), "graph has a cycle: Add:b -> Add:b"),
        "nameless_without_outputs.onnx": (model([relu, helper.make_node("Relu", ["a"], [])]), "node '#1' (Relu) has no outputs"),
        "tensor_produced_twice.onnx": (model([relu, helper.make_node("Relu", ["a"], ["b"])]), "tensor 'b' is the output of both"),
        "input_without_shape.onnx": (model([relu], [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, None)]),
                                     "input 'a' has no shape"),
        "symbolic_dimension.onnx": (model([relu], shaped("N", 8)), "dynamic shape: input 'a' has dimension 'N'"),
        "huge_dimensions.onnx": (model([relu], shaped(*[2**62] * 17)), "more than 1e+300"),
        "negative_dimension.onnx": (model([relu], shaped(-3, 4)), "has a negative dimension"),
        "size_sum_overflow.onnx": (model([relu, helper.make_node("Relu", ["b"], ["c"])], shaped(*[2**62] * 16, 4), two),
                                   "size sums to 1.339e+300 over all nodes"),
        "control_flow.onnx": (model([loop]), "unsupported operator Loop (control flow) in node 'lp'"),
        "unknown_operator.onnx": (model([helper.make_node("NoSuchOp", ["a"], ["b"])]), "has no static shape after shape inference"),
    }


FOLDER_CASE = "folder.onnx"  # a folder named like a model: holds one placeholder file, since git keeps no empty folders


def write_corpus(folder: Path = HERE) -> dict:
    "Write every case into `folder`; returns the expected substrings by file name."
    expected = {}
    for name, (text, substring) in text_cases().items():
        (folder / name).write_text(text, encoding="utf-8")
        expected[name] = substring
    for name, (data, substring) in onnx_cases().items():
        (folder / name).write_bytes(data)
        expected[name] = substring
    (folder / "not_utf8.json").write_bytes(b'{"format": "pipeline_nb", "nodes": ["\xff"]}')
    expected["not_utf8.json"] = "not a UTF-8 text file (bad byte at offset 37)"
    (folder / FOLDER_CASE).mkdir(exist_ok=True)
    (folder / FOLDER_CASE / "placeholder.txt").write_text("This folder poses as an ONNX model: reading it must say it is a folder.\n")
    expected[FOLDER_CASE] = "is a folder, not a file"
    (folder / "expected.json").write_text(json.dumps(dict(sorted(expected.items())), indent=1, ensure_ascii=False) + "\n")
    return expected


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(f"{len(write_corpus(out))} bad inputs written to {out}")
