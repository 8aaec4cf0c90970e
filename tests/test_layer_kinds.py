"""The layer kinds as classes: findable by their framework names, a registry that is a
leaf, and the sliding window each convolution and pooling kind exposes (issue 8).

Windows are checked against the table rows of test_layers_keras / test_layers_torch
(whose output shapes came from real Keras and PyTorch) by counting window positions one
by one, and on random arguments against each kind's own ``output_shape``. The arguments
``padding_swapped`` and ``stride_ignored`` give are rows of their own, with output shapes
taken from real Keras 3.15 and PyTorch 2.13 and rebuilt there when they are installed.
"""
from __future__ import annotations

import ast
import inspect
import re
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.errors import ArgumentError, ShapeError
from grader.layers import FRAMEWORKS, LayerKind, Window, kinds, lookup

from .conftest import ROOT
from .test_layers_keras import CASES as KERAS_CASES
from .test_layers_torch import CASES as TORCH_CASES

LAYERS = ROOT / "grader" / "layers"


def registered() -> list[tuple[str, LayerKind]]:
    """Every kind once (aliases left out), with its framework."""
    return [(f, kind) for f in FRAMEWORKS for name, kind in sorted(kinds(f).items()) if name == kind.type]


def kind_id(item) -> str:
    return f"{item[0]}:{item[1].type}"


# -- every kind is a class a search finds ---------------------------------------------------

@pytest.mark.parametrize("item", registered(), ids=kind_id)
def test_every_kind_is_a_class_named_and_written_as_its_type(item):
    _, kind = item
    cls = type(kind)
    assert cls.__name__ == kind.type
    source = inspect.getsource(sys.modules[cls.__module__])
    # `grep -rn "class Conv2D(" grader/` finds it
    assert re.search(rf"^class {re.escape(kind.type)}\(", source, re.M), f"no 'class {kind.type}(' in {cls.__module__}"


@pytest.mark.parametrize("item", registered(), ids=kind_id)
def test_aliases_are_listed_on_the_class_and_reach_it_through_lookup(item):
    framework, kind = item
    for alias in kind.aliases:
        assert lookup(framework, alias) is kind
    # and no name reaches a kind unless the class lists it
    names = {name for name, k in kinds(framework).items() if k is kind}
    assert names == {kind.type, *kind.aliases}


@pytest.mark.parametrize("framework, alias, type_name", [
    ("keras", "Convolution2D", "Conv2D"), ("keras", "Convolution1DTranspose", "Conv1DTranspose"),
    ("keras", "SeparableConvolution2D", "SeparableConv2D"), ("keras", "MaxPool3D", "MaxPooling3D"),
    ("keras", "AvgPool2D", "AveragePooling2D"), ("keras", "GlobalAvgPool1D", "GlobalAveragePooling1D"),
    ("keras", "Input", "InputLayer"), ("pytorch", "Mul", "Multiply"), ("pytorch", "Concatenate", "Cat"),
])
def test_known_aliases(framework, alias, type_name):
    assert alias in lookup(framework, type_name).aliases
    assert lookup(framework, alias).type == type_name


def _modules() -> list[Path]:
    return sorted(LAYERS.glob("*.py"))


def _imports(tree: ast.AST) -> list[ast.ImportFrom | ast.Import]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def test_the_registry_imports_no_kind_module():
    imported = {(n.level, n.module) for n in _imports(_tree(LAYERS / "registry.py")) if isinstance(n, ast.ImportFrom)}
    assert imported <= {(0, "__future__"), (0, "typing"), (2, "errors"), (1, "base")}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_no_function_level_imports_nor_classes_made_by_type(path):
    tree = _tree(path)
    top = {id(n) for n in tree.body}
    inner = [n.lineno for n in _imports(tree) if id(n) not in top]
    assert inner == [], f"{path.name}: imports inside functions at lines {inner}"
    made = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == "type" and len(n.args) == 3]
    assert made == [], f"{path.name}: classes made by type() at lines {made}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_no_private_names_imported_from_a_sibling(path):
    private = [f"{n.module}.{a.name}" for n in _imports(_tree(path)) if isinstance(n, ast.ImportFrom) and n.level
               for a in n.names if a.name.startswith("_")]
    assert private == []


# -- windows ---------------------------------------------------------------------------------

WINDOWED = {
    "keras": {"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
              "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
              "AveragePooling2D", "AveragePooling3D"},
    "pytorch": {"Conv1d", "Conv2d", "Conv3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d",
                "AvgPool3d"},
}


def _minimal_args(kind: LayerKind) -> dict:
    """Enough arguments to normalise any convolution or pooling kind."""
    wanted = {"filters": 4, "out_channels": 4, "kernel_size": 3, "pool_size": 2}
    return {k: v for k, v in wanted.items() if k in kind.args}


@pytest.mark.parametrize("item", registered(), ids=kind_id)
def test_exactly_the_convolution_and_pooling_kinds_have_a_window(item):
    framework, kind = item
    if kind.type in WINDOWED[framework]:
        p = kind.normalize(_minimal_args(kind))
        window = kind.window(p)
        assert isinstance(window, Window)
        assert window.pooling == ("Pool" in kind.type)
        assert len(window.kernel) == len(window.stride) == len(window.dilation) == int(re.sub(r"\D", "", kind.type))
    elif "kernel_size" in kind.args:  # transposed convolutions grow the input: no window
        p = kind.normalize(_minimal_args(kind))
        assert (kind.window(p), kind.padding_swapped(p), kind.stride_ignored(p)) == (None, None, None)
    else:
        for method in ("window", "padding_swapped", "stride_ignored"):
            assert getattr(type(kind), method) is getattr(LayerKind, method), f"{kind.type}.{method}"


def windows_fitting(n: int, k: int, s: int, pads: tuple[int, int] | None, d: int, ceil: bool) -> int:
    """Output length by placing windows one by one (no formula).

    Keras 'same' (pads None): one output per stride step over the input. Otherwise windows
    start at 0, s, 2s, ... on the padded input while they fit; with ``ceil`` (PyTorch
    ceil_mode) one last partial window is added when the input is not covered, provided it
    starts inside the input or the left padding.
    """
    if pads is None:
        return len(range(0, n, s))
    before, after = pads
    padded, extent = n + before + after, d * (k - 1) + 1
    starts: list[int] = []
    start = 0
    while start + extent <= padded:
        starts.append(start)
        start += s
    uncovered = not starts or starts[-1] + extent < padded
    if ceil and uncovered and start < n + before:
        starts.append(start)
    return len(starts)


def spatial_from_window(window: Window, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    spatial = in_shape[1:] if window.channels_first else in_shape[:-1]
    return tuple(windows_fitting(n, window.kernel[i], window.stride[i],
                                 None if window.pads is None else window.pads[i], window.dilation[i], window.ceil)
                 for i, n in enumerate(spatial))


def _spatial(shape: tuple[int, ...], window: Window) -> tuple[int, ...]:
    return tuple(shape[1:]) if window.channels_first else tuple(shape[:-1])


WINDOW_ROWS = ([("keras", r[0]["type"], {k: v for k, v in r[0].items() if k != "type"}, r[1], r[2])
                for r in KERAS_CASES if r[0]["type"] in WINDOWED["keras"]]
               + [("pytorch", r[0], r[1], r[2], r[3]) for r in TORCH_CASES if r[0] in WINDOWED["pytorch"]])


def test_every_windowed_kind_has_table_rows():
    assert {(r[0], r[1]) for r in WINDOW_ROWS} >= {("keras", "Conv2D"), ("keras", "MaxPooling2D"),
                                                   ("pytorch", "Conv2d"), ("pytorch", "MaxPool2d")}
    assert len(WINDOW_ROWS) >= 40


@pytest.mark.parametrize("row", WINDOW_ROWS, ids=lambda r: f"{r[1]}({r[2]})-{r[3]}".replace(" ", ""))
def test_the_window_alone_gives_the_table_row_output(row):
    framework, type_name, args, in_shape, out_shape = row
    kind = lookup(framework, type_name)
    p = kind.normalize(args)
    window = kind.window(p)
    assert spatial_from_window(window, in_shape) == _spatial(out_shape, window)
    assert kind.output_shape(p, [in_shape]) == out_shape


@pytest.mark.parametrize("framework, type_name, args, window", [
    # Keras 'same' and 'causal' have no pads; pooling strides default to the pool size
    ("keras", "Conv2D", {"filters": 4, "kernel_size": [3, 5], "strides": [2, 1]},
     Window((3, 5), (2, 1), ((0, 0), (0, 0)), (1, 1), False, False, False)),
    ("keras", "Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     Window((3,), (1,), None, (2,), False, False, False)),
    ("keras", "MaxPooling2D", {"pool_size": 3, "padding": "same", "data_format": "channels_first"},
     Window((3, 3), (3, 3), None, (1, 1), False, True, True)),
    ("keras", "DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "dilation_rate": 2},
     Window((3, 3), (2, 2), ((0, 0), (0, 0)), (2, 2), False, False, False)),
    # PyTorch 'same' puts the odd one on the right, as _conv_forward does
    ("pytorch", "Conv1d", {"out_channels": 4, "kernel_size": 4, "padding": "same", "dilation": 3},
     Window((4,), (1,), ((4, 5),), (3,), False, True, False)),
    ("pytorch", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": [1, 0], "stride": 2},
     Window((3, 3), (2, 2), ((1, 1), (0, 0)), (1, 1), False, True, False)),
    ("pytorch", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True},
     Window((3, 3), (2, 2), ((1, 1), (1, 1)), (2, 2), True, True, True)),
    ("pytorch", "AvgPool1d", {"kernel_size": 4}, Window((4,), (4,), ((0, 0),), (1,), False, True, True)),
])
def test_window_reads_the_arguments(framework, type_name, args, window):
    kind = lookup(framework, type_name)
    assert kind.window(kind.normalize(args)) == window


def _sizes(rank: int):
    return st.one_of(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=rank, max_size=rank))


@st.composite
def windowed_layers(draw):
    """A windowed kind, arguments as an instructor may write them, and an input shape."""
    framework = draw(st.sampled_from(FRAMEWORKS))
    kind = lookup(framework, draw(st.sampled_from(sorted(WINDOWED[framework]))))
    rank = int(re.sub(r"\D", "", kind.type))
    args = _minimal_args(kind)
    args.update({k: draw(_sizes(rank)) for k in ("kernel_size", "pool_size") if k in kind.args})
    for key in ("strides", "stride", "dilation_rate", "dilation"):
        if key in kind.args and draw(st.booleans()):
            args[key] = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    if "padding" in kind.args and draw(st.booleans()):
        texts = st.sampled_from(["valid", "same", "causal"])
        numbers = st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=rank, max_size=rank))
        args["padding"] = draw(texts if framework == "keras" else st.one_of(texts, numbers))
    if "ceil_mode" in kind.args:
        args["ceil_mode"] = draw(st.booleans())
    first = framework == "pytorch" or ("data_format" in kind.args and draw(st.booleans()))
    if first and framework == "keras":
        args["data_format"] = "channels_first"
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    in_shape = (3, *spatial) if first else (*spatial, 3)
    return kind, args, tuple(in_shape)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(windowed_layers())
def test_the_window_alone_gives_the_output_of_any_valid_layer(layer):
    kind, args, in_shape = layer
    try:
        p = kind.normalize(args)
        out = kind.output_shape(p, [in_shape])
    except (ArgumentError, ShapeError):
        assume(False)
    window = kind.window(p)
    assert spatial_from_window(window, in_shape) == _spatial(out, window)


# -- the arguments turned the other way --------------------------------------------------------

# (framework, type, arguments, input shape, the arguments with the padding swapped as an
# instructor would write them, output shape of that layer in real Keras 3.15 / PyTorch 2.13)
PADDING_SWAPPED = [
    ("keras", "Conv2D", {"filters": 8, "kernel_size": 3}, (10, 10, 3),
     {"filters": 8, "kernel_size": 3, "padding": "same"}, (10, 10, 8)),
    ("keras", "Conv2D", {"filters": 8, "kernel_size": 5, "strides": 2, "padding": "same"}, (28, 28, 1),
     {"filters": 8, "kernel_size": 5, "strides": 2}, (12, 12, 8)),
    ("keras", "Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (10, 4),
     {"filters": 4, "kernel_size": 3, "padding": "valid", "dilation_rate": 2}, (6, 4)),
    ("keras", "MaxPooling2D", {"pool_size": 3, "strides": 2}, (15, 15, 8),
     {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 8, 8)),
    ("keras", "DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}, (9, 9, 4),
     {"kernel_size": 3, "padding": "valid"}, (7, 7, 4)),
    ("keras", "SeparableConv1D", {"filters": 4, "kernel_size": 3, "strides": 2}, (11, 6),
     {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (6, 4)),
    ("pytorch", "Conv2d", {"out_channels": 8, "kernel_size": 3}, (3, 10, 10),
     {"out_channels": 8, "kernel_size": 3, "padding": "same"}, (8, 10, 10)),
    ("pytorch", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1, "stride": 2}, (3, 9, 9),
     {"out_channels": 8, "kernel_size": 3, "padding": "valid", "stride": 2}, (8, 4, 4)),
    ("pytorch", "Conv1d", {"out_channels": 4, "kernel_size": 4, "padding": "same", "dilation": 3}, (2, 10),
     {"out_channels": 4, "kernel_size": 4, "padding": "valid", "dilation": 3}, (4, 1)),
    ("pytorch", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "valid"}, (1, 6, 6),
     {"out_channels": 4, "kernel_size": 3, "padding": "same"}, (4, 6, 6)),
    # pooling takes numbers only: no padding <-> half the kernel
    ("pytorch", "MaxPool2d", {"kernel_size": 3, "stride": 2}, (8, 15, 15),
     {"kernel_size": 3, "stride": 2, "padding": 1}, (8, 8, 8)),
    ("pytorch", "AvgPool1d", {"kernel_size": 4, "padding": 2}, (3, 10),
     {"kernel_size": 4, "padding": 0}, (3, 2)),
    ("pytorch", "MaxPool2d", {"kernel_size": [3, 5]}, (2, 9, 11),
     {"kernel_size": [3, 5], "padding": [1, 2]}, (2, 3, 3)),
]

# the same, with every stride 1
STRIDE_IGNORED = [
    ("keras", "Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2}, (9, 9, 3),
     {"filters": 8, "kernel_size": 3, "strides": 1}, (7, 7, 8)),
    ("keras", "MaxPooling2D", {}, (8, 8, 3), {"strides": 1}, (7, 7, 3)),  # the stride was the pool size
    ("keras", "AveragePooling2D", {"pool_size": 3, "strides": [2, 1], "padding": "same"}, (7, 7, 2),
     {"pool_size": 3, "strides": 1, "padding": "same"}, (7, 7, 2)),
    ("keras", "Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same",
                         "data_format": "channels_first"}, (3, 9, 9),
     {"filters": 8, "kernel_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"}, (8, 9, 9)),
    ("pytorch", "Conv2d", {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1}, (3, 9, 9),
     {"out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 1}, (8, 9, 9)),
    ("pytorch", "MaxPool2d", {"kernel_size": 2}, (3, 8, 8), {"kernel_size": 2, "stride": 1}, (3, 7, 7)),
    ("pytorch", "AvgPool2d", {"kernel_size": 3, "stride": [2, 1], "ceil_mode": True}, (1, 8, 8),
     {"kernel_size": 3, "stride": 1, "ceil_mode": True}, (1, 6, 6)),
]

# kinds and arguments for which there is nothing to swap or to ignore
NOTHING = [
    ("keras", "Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}, "both"),
    ("keras", "Dense", {"units": 4}, "both"),
    ("keras", "Conv2D", {"filters": 4, "kernel_size": 3}, "stride"),
    ("keras", "MaxPooling1D", {"pool_size": 1}, "stride"),  # the default stride is the pool size, 1
    ("pytorch", "ConvTranspose2d", {"out_channels": 4, "kernel_size": 3, "stride": 2}, "both"),
    ("pytorch", "Linear", {"out_features": 4}, "both"),
    ("pytorch", "Conv1d", {"out_channels": 4, "kernel_size": 3, "stride": [1]}, "stride"),
    ("pytorch", "AdaptiveAvgPool2d", {"output_size": 2}, "both"),
]


def _row_id(row) -> str:
    return f"{row[1]}({row[2]})".replace(" ", "")


def real_output_shape(framework: str, type_name: str, args: dict, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of one layer built and run in the real framework (skips without it)."""
    if framework == "keras":
        pytest.importorskip("keras", reason="rebuilding the changed layer needs Keras 3")
        from grader.frameworks.keras import build_model, run_once
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_once(build_model({"x": in_shape}, [("probe", type_name, args, ["x"])]))[0]
    pytest.importorskip("torch", reason="rebuilding the changed layer needs PyTorch")
    from grader.frameworks.torch import run_layer
    return run_layer(type_name, args, [in_shape])["output_shape"]


@pytest.mark.parametrize("row", PADDING_SWAPPED, ids=_row_id)
def test_padding_swapped(row):
    framework, type_name, args, in_shape, swapped, out = row
    kind = lookup(framework, type_name)
    changed = kind.padding_swapped(kind.normalize(args))
    assert changed == kind.normalize(swapped)
    assert kind.output_shape(changed, [in_shape]) == out


@pytest.mark.parametrize("row", STRIDE_IGNORED, ids=_row_id)
def test_stride_ignored(row):
    framework, type_name, args, in_shape, unit, out = row
    kind = lookup(framework, type_name)
    changed = kind.stride_ignored(kind.normalize(args))
    assert changed == kind.normalize(unit)
    assert kind.output_shape(changed, [in_shape]) == out


@pytest.mark.frameworks
@pytest.mark.parametrize("row", PADDING_SWAPPED + STRIDE_IGNORED, ids=_row_id)
def test_the_changed_layer_has_that_shape_in_the_framework(row):
    framework, type_name, _, in_shape, changed, out = row
    assert real_output_shape(framework, type_name, changed, in_shape) == out


@pytest.mark.parametrize("row", NOTHING, ids=_row_id)
def test_nothing_to_swap_or_ignore(row):
    framework, type_name, args, which = row
    kind = lookup(framework, type_name)
    p = kind.normalize(args)
    assert kind.stride_ignored(p) is None
    if which == "both":
        assert kind.padding_swapped(p) is None and kind.window(p) is None
    else:
        assert kind.padding_swapped(p) is not None
