"""The checked-in corpus of bad inputs (tests/bad_inputs, made by its make_corpus.py): every file
is refused with one GraphError naming the file and the problem, and the corpus is what the
script makes."""
import filecmp
import importlib.util
import json
from pathlib import Path

import pytest

from pipeline_nb.graph import GraphError
from pipeline_nb.importers import import_onnx
from pipeline_nb.io import load

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
NOT_CASES = {"make_corpus.py", "README.md", "expected.json", "__pycache__"}


def test_corpus_is_complete():
    "Every file of the folder is a case, every case a file, and the corpus covers every reader."
    on_disk = {p.name for p in CORPUS.iterdir()} - NOT_CASES
    assert on_disk == set(EXPECTED), on_disk ^ set(EXPECTED)
    assert {Path(x).suffix for x in EXPECTED} == {".json", ".txt", ".pbtxt", ".onnx"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_refused(name):
    path = CORPUS / name
    read = import_onnx if name.endswith(".onnx") else load
    with pytest.raises(GraphError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert EXPECTED[name] in message, message
    assert "\n" not in message, message


def test_corpus_matches_its_script(tmp_path):
    "Regenerating the corpus gives the checked-in files (run make_corpus.py after changing it)."
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    made = module.write_corpus(tmp_path)
    assert made == EXPECTED
    files = [x for x in EXPECTED if (CORPUS / x).is_file()] + ["expected.json"]
    _, mismatch, errors = filecmp.cmpfiles(CORPUS, tmp_path, files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
