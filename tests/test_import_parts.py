"""The importer's parts: the library tables against the real classes, reading sources
(notebook cells, Markdown fences, notebooks printed as text), constant folding, shape
comments, .keras archives, and robustness: any edit of a model's code imports or fails
with a GraderError, never another exception."""
from __future__ import annotations

import inspect
import json
import zipfile

import pytest

from grader.errors import GraderError
from grader.importer import import_code, import_model
from grader.importer.comments import comment_of, comment_shape
from grader.importer.signatures import IGNORED_DEFAULTS, KERAS_POSITIONAL, TORCH_LAZY, TORCH_POSITIONAL
from grader.importer.sources import markdown_blocks, read_source, text_cells
from grader.layers import kinds

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "import"


# -- the tables, against the real classes ------------------------------------------------

def _parameters(cls) -> list[str]:
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD][1:]


@pytest.mark.frameworks
@pytest.mark.parametrize("type_name", sorted(KERAS_POSITIONAL))
def test_keras_positional_order_is_the_constructors(type_name):
    keras = pytest.importorskip("keras", reason="the table is checked against Keras 3's signatures")
    assert type_name in kinds("keras")
    order = KERAS_POSITIONAL[type_name]
    assert tuple(_parameters(getattr(keras.layers, type_name))[:len(order)]) == order


@pytest.mark.frameworks
@pytest.mark.parametrize("type_name", sorted(TORCH_POSITIONAL))
def test_torch_positional_order_is_the_constructors(type_name):
    nn = pytest.importorskip("torch.nn", reason="the table is checked against PyTorch's signatures")
    assert type_name in kinds("pytorch")
    cls = getattr(nn, type_name)
    if type_name in ("RNN", "LSTM", "GRU"):  # *args, passed on to RNNBase(mode, input_size, ...)
        cls = nn.modules.rnn.RNNBase
        names = _parameters(cls)[1:]
    else:
        names = _parameters(cls)
    order = TORCH_POSITIONAL[type_name]
    assert tuple(names[:len(order)]) == order


@pytest.mark.frameworks
@pytest.mark.parametrize("lazy", sorted(TORCH_LAZY))
def test_lazy_modules_take_the_arguments_after_the_inferred_one(lazy):
    nn = pytest.importorskip("torch.nn", reason="checked against PyTorch's signatures")
    order = TORCH_POSITIONAL[TORCH_LAZY[lazy]][1:]
    assert tuple(_parameters(getattr(nn, lazy))[:len(order)]) == order


@pytest.mark.frameworks
@pytest.mark.parametrize("key", sorted(IGNORED_DEFAULTS), ids="/".join)
def test_defaults_of_kept_arguments_are_the_constructors(key):
    framework, type_name = key
    if framework == "keras":
        module = pytest.importorskip("keras", reason="checked against Keras 3's signatures").layers
    else:
        module = pytest.importorskip("torch.nn", reason="checked against PyTorch's signatures")
    params = inspect.signature(getattr(module, type_name).__init__).parameters
    assert {name: params[name].default for name in IGNORED_DEFAULTS[key]} == IGNORED_DEFAULTS[key]


# -- sources ---------------------------------------------------------------------------------

def test_markdown_blocks_keep_their_lines_and_skip_output():
    text = "# t\n\n```python\nx = 1\n```\n\n```\n<KerasTensor shape=(None, 8)>\n```\n\n~~~py\ny = 2\n~~~\n"
    assert markdown_blocks(text) == [(4, "x = 1"), (12, "y = 2")]


def test_text_cells_stop_where_the_output_starts():
    text = "prose\nIn [3]:\nmodel = 1\nmodel.add(2)\n\n  **name  size**\n--  ----\nIn [4]:\nmodel.summary()\n"
    assert text_cells(text) == [(3, "model = 1\nmodel.add(2)\n"), (9, "model.summary()\n")]


def test_notebook_cells_are_read_in_order_and_magics_ignored(tmp_path):
    cells = [{"cell_type": "code", "source": ["%matplotlib inline\n", "from keras import layers, models\n"]},
             {"cell_type": "markdown", "source": "text"},
             {"cell_type": "code", "source": "!pip install keras\nmodel = models.Sequential()\n"
                                             "model.add(layers.Dense(4, input_shape=(3,)))"},
             {"cell_type": "code", "source": "model summary please"}]
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    source = read_source(str(path))
    assert [c.label for c in source.chunks] == ["lesson.ipynb[cell 1]", "lesson.ipynb[cell 3]"]
    assert source.skipped == ["lesson.ipynb[cell 4]:1: skipped, not valid Python (invalid syntax)"]
    imported = import_model(str(path))
    assert imported.exercise.solution.total_params == 16
    assert imported.yaml.splitlines()[-9].endswith("# lesson.ipynb[cell 3]:3")
    assert imported.notes == source.skipped


@pytest.mark.parametrize("content, message", [
    ("def f(:\n", r"model\.py:1: not valid Python"),
    ("x = 1\n", "no Keras or PyTorch model found"),
])
def test_python_that_holds_no_model(tmp_path, content, message):
    path = tmp_path / "model.py"
    path.write_text(content)
    with pytest.raises(GraderError, match=message):
        import_model(str(path))


def test_keras_archives_that_are_not_models(tmp_path):
    text = tmp_path / "model.keras"
    text.write_text("not a zip")
    with pytest.raises(GraderError, match="not a .keras file"):
        import_model(str(text))
    empty = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("metadata.json", "{}")
    with pytest.raises(GraderError, match="no config.json"):
        import_model(str(empty))
    with pytest.raises(GraderError, match=r"HDF5 files are not read: save the model as \.keras"):
        import_model(str(tmp_path / "model.h5"))


# -- folding and following the code ------------------------------------------------------

FOLDED = """\
import math
from keras import layers, models
rows, cols = 28, 28
channels = 1 if True else 3
sizes = [32, 64]
width = sizes[-1] // 2 + len(sizes) ** 2 - 4
name = f"block{len(sizes)}"
def dense(units, act="relu"):
    return layers.Dense(units, activation=act)
model = models.Sequential(name="folded")
model.add(layers.Conv2D(sizes[0], (3, 3), input_shape=(rows, cols, channels), name=name))
model.add(layers.Flatten())
model.add(dense(width))
model.add(dense(int(math.sqrt(100)), act="softmax"))
"""


def test_constants_arithmetic_and_helpers_are_folded():
    exercise = import_code(FOLDED).exercise
    assert [layer.name for layer in exercise.layers][0] == "block2"
    assert exercise.layers[2].params == {"units": 32, "use_bias": True}
    assert exercise.layers[3].args["activation"] == "softmax"
    assert exercise.solution.layers[-1].output_shape == (10,)


@pytest.mark.parametrize("expression", ["10 ** 10 ** 9", "[0] * 10 ** 12", "1 << 10 ** 6", "'ab' * 10 ** 9"])
def test_hostile_constants_are_not_computed(expression):
    code = f"from keras import layers, models\nn = {expression}\n" \
           "model = models.Sequential([layers.Input((4,)), layers.Dense(n)])\n"
    with pytest.raises(GraderError, match=r"model\.py:2: .*cannot read .units.: a .* too (large|long) to compute"):
        import_code(code)


# -- shape comments --------------------------------------------------------------------------

@pytest.mark.parametrize("line, shape", [
    ("x = conv(x)  # 16x16x16", (16, 16, 16)),
    ("x = conv(x)  #(N, 4, 4, 10)", (4, 4, 10)),
    ("x = pool(x)  # (batch, 6, 14, 14) -> (batch, 6, 7, 7)", (6, 7, 7)),
    ("x = fc(x)  # -> [None, 128]", (128,)),
    ("x = conv(x)  # 32 x 24 x 24", (32, 24, 24)),
    ("self.conv = nn.Conv2d(1, 8, 3)  # 3x3 kernel", None),
    ("x = fc(x)  # 10 classes", None),
    ("print('#(N, 4)')", None),
    ("x = conv(x)  # output 26×26×32", (26, 26, 32)),
])
def test_shape_comments(line, shape):
    comment = comment_of(line)
    assert (comment_shape(comment) if comment else None) == shape


# -- robustness ------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SOURCES = sorted(p for p in FIXTURES.glob("*.py") if p.name != "make.py")


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_edited_model_code_imports_or_fails_with_a_grader_error(data):
    """Numbers changed, names swapped, lines dropped: an import or a GraderError, nothing else."""
    path = data.draw(st.sampled_from(SOURCES))
    lines = path.read_text().split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "number", "name", "dedent"]))
        if edit == "drop":
            lines[i] = ""
        elif edit == "number":
            lines[i] = "".join(str(data.draw(st.integers(-3, 70000))) if ch.isdigit() and data.draw(st.booleans())
                               else ch for ch in lines[i])
        elif edit == "name":
            lines[i] = lines[i].replace("(", "(x, ", 1).replace("Conv", "Dense", 1)
        else:
            lines[i] = lines[i].lstrip()
    try:
        import_code("\n".join(lines), path.name, input_shape=data.draw(st.sampled_from([None, "1,28,28", "3,32,32"])))
    except GraderError as exc:
        assert "\n" not in str(exc)
