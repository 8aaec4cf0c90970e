"""`grader solve` / `grader validate` as a user runs them: through main(argv), and once
through a real `python -m grader` subprocess."""
import json
import re
import subprocess
import sys

import pytest

from grader.cli import main

from .conftest import EXERCISES, ROOT
from .test_exercise import BAD_FILES

BAD = ROOT / "tests" / "fixtures" / "exercises_bad"


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- solve ---------------------------------------------------------------------------------

def test_solve_json_is_spec_section_4(capsys):
    status, out, _ = run(capsys, "solve", EXERCISES / "cnn-8x8x3.yaml", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert list(data)[:7] == ["exercise", "framework", "input_shape", "layers", "total_params",
                              "trainable_params", "non_trainable_params"]
    assert set(data) <= {"exercise", "framework", "input_shape", "layers", "total_params", "trainable_params",
                         "non_trainable_params", "total_macs"}
    assert data["layers"][0] == {"name": "conv1", "type": "Conv2D", "output_shape": [6, 6, 64], "params": 1792,
                                 "trainable_params": 1792, "non_trainable_params": 0, "macs": 62208,
                                 "formula": "(3*3*3 + 1) * 64"}
    assert [layer["params"] for layer in data["layers"]] == [1792, 0, 8320, 0, 0, 66564, 2585]
    assert (data["exercise"], data["framework"], data["input_shape"]) == ("cnn-8x8x3", "keras", [8, 8, 3])
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (79261, 79261, 0)


def test_solve_json_has_one_line_per_layer(capsys):
    _, out, _ = run(capsys, "solve", EXERCISES / "vgg16.yaml", "--format", "json")
    layer_lines = [line for line in out.splitlines() if line.lstrip().startswith('{"name"')]
    assert len(layer_lines) == 22
    assert json.loads(out)["total_params"] == 138_357_544


def test_solve_json_of_graph_models(capsys):
    data = json.loads(run(capsys, "solve", EXERCISES / "transformer-encoder.yaml", "--format", "json")[1])
    assert data["input_shape"] == [50, 64]  # one input, named tokens
    data = json.loads(run(capsys, "solve", EXERCISES / "inception-block.yaml", "--format", "json")[1])
    assert data["layers"][-1]["output_shape"] == [28, 28, 256]


ORIGIN_TABLE = """\
cnn-mnist: Parameters of the classroom CNN on 28x28 grayscale digits (keras)

#  layer     type          output shape              formula  params
-  --------  ------------  ------------  ------------------- -------
   input     Input         28x28x1                                 0
1  conv2d1   Conv2D        24x24x32       (5*5*1 + 1) * 32 =     832
2  maxpool1  MaxPooling2D  12x12x32                                0
3  conv2d2   Conv2D        10x10x32      (3*3*32 + 1) * 32 =   9,248
4  maxpool2  MaxPooling2D  5x5x32                                  0
5  flatten   Flatten       800                                     0
6  dense     Dense         256             (800 + 1) * 256 = 205,056
7  output    Dense         10               (256 + 1) * 10 =   2,570

Total params: 832 + 9,248 + 205,056 + 2,570 = 217,706
  (trainable 217,706, non-trainable 0)
"""


def test_solve_table_is_the_origin_notebooks_worked_table(capsys):
    # layer, output shape, formula = params with thousands separators, and the total line
    status, out, _ = run(capsys, "solve", EXERCISES / "cnn-mnist.yaml")
    assert status == 0
    assert out == ORIGIN_TABLE


def test_solve_table_adds_macs_when_the_exercise_asks_for_them(capsys):
    out = run(capsys, "solve", EXERCISES / "conv1d-ecg.yaml")[1]
    assert re.search(r"^1  conv1 .* \(7\*1 \+ 1\) \* 16 = +128 +20,272$", out, re.M)
    assert "Total MACs: 261,584" in out


def test_solve_student_shows_that_students_variant(capsys):
    out = run(capsys, "solve", EXERCISES / "cnn-your-turn.yaml", "--student", "bob")[1]
    assert "variant: side=16, channels=1, kernel=3, filters1=16, filters2=64, units=256, labels=10" in out
    assert "Total params: 160 + 1,088 + 147,712 + 2,570 = 151,530" in out
    data = json.loads(run(capsys, "solve", EXERCISES / "cnn-your-turn.yaml", "--student", "bob",
                          "--format", "json")[1])
    assert data["student"] == "bob" and data["variables"]["side"] == 16 and data["total_params"] == 151_530
    markdown = run(capsys, "solve", EXERCISES / "cnn-your-turn.yaml", "--student", "bob", "--format", "markdown")[1]
    assert "input_shape=(16, 16, 1)" in markdown and "$" not in markdown


def test_solve_an_invalid_exercise_is_one_line_and_status_2(capsys):
    status, out, err = run(capsys, "solve", BAD / "cnn.yaml")
    assert status == 2 and out == ""
    assert err == f"error: {BAD / 'cnn.yaml'}:8: layer 'conv2': unknown argument 'filter' (did you mean 'filters'?)\n"


# -- validate ------------------------------------------------------------------------------

def test_validate_accepts_every_shipped_exercise(capsys):
    paths = sorted(EXERCISES.glob("*.yaml"))
    status, out, err = run(capsys, "validate", *paths)
    assert status == 0 and err == ""
    assert out.splitlines() == [f"{p}: ok" + (" (1620 variants)" if p.stem == "cnn-your-turn" else "")
                                for p in paths]


def _generated_bad_files(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("id: a\ntitle: caf\xe9\n".encode("latin-1"))
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    with open(tmp_path / "huge.yaml", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (tmp_path / "folder.yaml").mkdir()
    return [
        (tmp_path / "latin1.yaml", r":2: the file is not UTF-8 text; save it as UTF-8$"),
        (tmp_path / "binary.yaml", r": is a binary file, not an exercise file \(YAML text\)$"),
        (tmp_path / "huge.yaml", r": the file is 52\.4 MB; an exercise file may be at most 1 MB$"),
        (tmp_path / "folder.yaml", r": is a directory, not an exercise file$"),
        (tmp_path / "missing.yaml", r": no such exercise file$"),
    ]


def test_validate_gives_one_line_per_bad_file_and_status_2(capsys, tmp_path):
    cases = [(BAD / name, match) for name, match in BAD_FILES] + _generated_bad_files(tmp_path)
    for path, match in cases:
        status, out, err = run(capsys, "validate", path)
        assert status == 2 and out == "", path
        assert "Traceback" not in err and err.count("\n") == 1, err
        assert re.match(re.escape(str(path)) + match, err.rstrip("\n")), err


def test_validate_reports_every_file_and_fails_if_any_is_bad(capsys):
    status, out, err = run(capsys, "validate", EXERCISES / "lenet5.yaml", BAD / "cnn.yaml",
                           EXERCISES / "cnn-8x8x3.yaml")
    assert status == 2
    assert out.splitlines() == [f"{EXERCISES / 'lenet5.yaml'}: ok", f"{EXERCISES / 'cnn-8x8x3.yaml'}: ok"]
    assert err.startswith(f"{BAD / 'cnn.yaml'}:8: ")


def test_validate_prints_several_mistakes_one_complete_line_each(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("id: two\ninput_shape: [8]\nlayers:\n  - {type: Dense, unit: 3}\n  - {type: Dropout, rat: 0.5}\n")
    status, _, err = run(capsys, "validate", path)
    assert status == 2
    assert err.splitlines() == [
        f"{path}:4: layer 'dense': unknown argument 'unit' (did you mean 'units'?)",
        f"{path}:5: layer 'dropout': unknown argument 'rat' (did you mean 'rate'?)"]


def test_validate_without_a_file_is_a_usage_error(capsys):
    status, _, err = run(capsys, "validate")
    assert status == 2 and "the following arguments are required" in err and "Traceback" not in err


@pytest.mark.parametrize("path, match", [
    (BAD / "cnn.yaml", r":8: layer 'conv2': unknown argument 'filter' \(did you mean 'filters'\?\)"),
    (BAD / "alias-bomb.yaml", r":\d+: the document expands to more than 100,000 values"),
])
def test_validate_in_a_real_subprocess(path, match):
    proc = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert re.match(re.escape(str(path)) + match, proc.stderr)


def test_solve_json_of_a_model_with_several_inputs_maps_them(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("id: two\ninputs: {image: [4], meta: [3]}\n"
                    "layers: [{type: Concatenate, name: both, inputs: [image, meta]}, {type: Dense, units: 2}]\n")
    data = json.loads(run(capsys, "solve", path, "--format", "json")[1])
    assert data["inputs"] == {"image": [4], "meta": [3]} and "input_shape" not in data
    assert [layer["output_shape"] for layer in data["layers"]] == [[7], [2]]
