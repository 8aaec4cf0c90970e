"""``grader import`` on course-style sources (tests/fixtures/import, written for these tests in
the ways course material writes models): each imports to a valid exercise whose layers and
counts match the real frameworks, and every unsupported construct is one error with its line.

The expected totals were checked against Keras 3 / PyTorch; on top of them every imported
exercise is built with the real framework (grader.frameworks) and compared layer by layer,
and the PyTorch sources, which need no data, are run as they are (they are our fixtures, not
student code) and compared module by module.
"""
from __future__ import annotations

import re
import warnings

import pytest

from grader.errors import GraderError
from grader.importer import import_code, import_model, parse_input_shape

from .conftest import ORIGIN, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "import"

# (source, options, framework, layers, total parameters)
CASES = [
    ("classroom_cnn.ipynb", {}, "keras", 7, 217_706),
    ("tf_tutorial_cells.ipynb", {}, "keras", 8, 122_570),
    ("functional_blocks.md", {}, "keras", 8, 9_843),
    ("keras2_mnist_script.py", {}, "keras", 8, 1_199_882),
    ("keras1_convolution2d.py", {}, "keras", 11, 1_856_170),
    ("keras2_text_rnn.py", {}, "keras", 5, 1_308_785),
    ("keras_functional_residual.py", {}, "keras", 21, 20_282),
    ("keras_tfl_vgg_blocks.py", {}, "keras", 9, 121_670),
    ("keras_subclassed.py", {}, "keras", 4, 2_770_634),
    ("several_models.py", {"model": "baseline"}, "keras", 3, 203_530),
    ("several_models.py", {"model": "convnet"}, "keras", 6, 5_130),
    ("saved_sequential.keras", {}, "keras", 4, 13_610),
    ("saved_functional.keras", {}, "keras", 5, 9_663),
    ("torch_reused_pool.py", {"input_shape": "3,32,32"}, "pytorch", 12, 61_398),
    ("torch_functional_pool.py", {}, "pytorch", 13, 21_840),
    ("torch_lazy.py", {}, "pytorch", 13, 38_309),
    ("fastai_conv_helper.py", {}, "pytorch", 11, 12_026),
    ("torch_resnet_blocks.py", {}, "pytorch", 31, 78_042),
    ("torch_ordereddict_mlp.py", {}, "pytorch", 6, 109_386),
    ("torch_conv1d_signal.py", {"input_shape": "1,187"}, "pytorch", 11, 2_981),
    ("torch_several_models.py", {"model": "mlp"}, "pytorch", 4, 203_530),
    ("torch_several_models.py", {"model": "CNN"}, "pytorch", 8, 20_490),
]

# how each PyTorch fixture builds its model when run (the fixture's own names), and its input
TORCH_TRUTH = {
    "torch_reused_pool.py": ("net", (3, 32, 32)),
    "torch_functional_pool.py": ("DigitNet()", (1, 28, 28)),
    "torch_lazy.py": ("model", (3, 48, 48)),
    "fastai_conv_helper.py": ("simple_cnn", (1, 28, 28)),
    "torch_resnet_blocks.py": ("model", (3, 32, 32)),
    "torch_ordereddict_mlp.py": ("model", (784,)),
    "torch_conv1d_signal.py": ("model", (1, 187)),
    "torch_several_models.py[mlp]": ("mlp", (1, 28, 28)),
    "torch_several_models.py[CNN]": ("cnn", (1, 28, 28)),
}


def _import(source: str, options: dict):
    return import_model(str(FIXTURES / source), **options)


def _id(case) -> str:
    return case[0] + (f"[{case[1]['model']}]" if "model" in case[1] else "")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_fixture_imports_to_the_expected_exercise(case):
    source, options, framework, layers, total = case
    imported = _import(source, options)
    exercise = imported.exercise
    assert exercise.framework == framework
    assert len(exercise.layers) == layers
    assert exercise.solution.total_params == total
    # the parameter column adds up to the total, and the YAML loads again to the same exercise
    assert sum(layer.params for layer in exercise.solution.layers) == total
    assert imported.yaml.count("\n  - {type: ") == layers


def test_at_least_fifteen_course_style_sources():
    assert len({case[0] for case in CASES}) >= 15


def test_the_classroom_notebook_imports_to_the_217706_parameter_exercise():
    for path in (FIXTURES / "classroom_cnn.ipynb", ORIGIN):
        solution = import_model(str(path)).exercise.solution
        assert [layer.params for layer in solution.layers] == [832, 0, 9248, 0, 0, 205056, 2570]
        assert solution.total_params == 217_706
        assert solution.layers[0].output_shape == (24, 24, 32)


@pytest.mark.frameworks
@pytest.mark.parametrize("case", [c for c in CASES if c[2] == "keras"], ids=_id)
def test_keras_fixture_counts_match_real_keras(case):
    pytest.importorskip("keras", reason="real Keras 3 is needed (pip install '.[frameworks]')")
    from grader.frameworks.keras import build_keras_model, layer_stats

    exercise = _import(case[0], case[1]).exercise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_keras_model(exercise)
    truth = layer_stats(model, exercise)
    for layer in exercise.solution.layers:
        assert (layer.output_shape, layer.params) == (truth[layer.name]["output_shape"],
                                                      truth[layer.name]["params"]), layer.name
    assert model.count_params() == exercise.solution.total_params


@pytest.mark.frameworks
@pytest.mark.parametrize("source", ["saved_sequential.keras", "saved_functional.keras"])
def test_saved_keras_file_matches_the_model_keras_loads(source):
    keras = pytest.importorskip("keras", reason="real Keras 3 is needed (pip install '.[frameworks]')")
    exercise = _import(source, {}).exercise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.saving.load_model(FIXTURES / source)
    for layer in exercise.solution.layers:
        real = model.get_layer(layer.name)
        assert layer.params == real.count_params(), layer.name
        assert layer.output_shape == tuple(real.output.shape[1:]), layer.name
    assert model.count_params() == exercise.solution.total_params


@pytest.mark.frameworks
@pytest.mark.parametrize("case", [c for c in CASES if c[2] == "pytorch"], ids=_id)
def test_pytorch_fixture_counts_match_the_module_the_code_builds(case):
    torch = pytest.importorskip("torch", reason="PyTorch is needed (pip install '.[frameworks]')")
    pytest.importorskip("torchinfo", reason="torch_lazy.py prints a torchinfo summary")
    source, options = case[0], case[1]
    expression, shape = TORCH_TRUTH[_id(case)]
    exercise = _import(source, options).exercise
    namespace = {"__name__": "fixture"}
    code = (FIXTURES / source).read_text()
    if "torchsummary" in code:  # not installed here: the calls only print a table
        code = code.replace("from torchsummary import summary", "summary = print")
    exec(compile(code, source, "exec"), namespace)  # noqa: S102 - our own fixture, to get the truth
    module = eval(expression, namespace)  # noqa: S307
    calls = []
    leaves = {m: name for name, m in module.named_modules()
              if not list(m.children()) and not isinstance(m, torch.nn.Sequential)}  # an empty shortcut
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((leaves[m], m, tuple(o.shape[1:]))))
             for m in leaves]
    with torch.no_grad():
        module(torch.zeros((2, *shape)))
    for hook in hooks:
        hook.remove()
    assert sum(p.numel() for p in module.parameters()) == exercise.solution.total_params
    layers = exercise.solution.layers
    named = {name: m for name, m in module.named_modules()}
    if len(calls) == len(layers):  # every layer is a module: the same sequence
        for (_, m, out), layer in zip(calls, layers):
            assert (type(m).__name__, out, sum(p.numel() for p in m.parameters())) == \
                (layer.type, layer.output_shape, layer.params), layer.name
    else:  # F.relu & co are layers too: the modules are found by their names
        matched = [layer for layer in layers if layer.name in named]
        assert len(matched) == len(leaves)
        for layer in matched:
            out = next(o for name, _, o in calls if name == layer.name)
            m = named[layer.name]
            assert (type(m).__name__, out, sum(p.numel() for p in m.parameters())) == \
                (layer.type, layer.output_shape, layer.params), layer.name
    assert layers[-1].output_shape == calls[-1][2]


def test_pytorch_layers_are_named_as_pytorch_names_the_modules():
    layers = _import("torch_resnet_blocks.py", {}).exercise.layers
    names = [layer.name for layer in layers]
    assert names[:6] == ["stem", "bn", "relu", "block1.conv1", "block1.bn1", "block1.relu"]
    assert "block2.shortcut.0" in names and "block3.add" in names
    add = next(layer for layer in layers if layer.name == "block1.add")
    assert add.inputs == ("block1.bn2", "relu")   # the empty shortcut: the block's input


def test_a_module_used_twice_appears_twice():
    names = [layer.name for layer in _import("torch_reused_pool.py", {"input_shape": "3,32,32"}).exercise.layers]
    assert names == ["conv1", "relu", "pool", "conv2", "relu_2", "pool_2", "flatten", "fc1", "relu_3", "fc2",
                     "relu_4", "fc3"]


def test_only_arguments_that_differ_from_the_defaults_are_written():
    text = _import("saved_sequential.keras", {}).yaml
    assert "{type: Conv2D, name: conv, filters: 8, kernel_size: [3, 3], activation: relu}" in text
    assert "{type: MaxPooling2D, name: pool}" in text     # pool_size 2 and strides = pool_size are defaults
    assert "padding" not in text and "use_bias" not in text and "initializer" not in text


def test_the_yaml_says_where_each_layer_comes_from():
    imported = _import("classroom_cnn.ipynb", {})
    lines = [line for line in imported.yaml.splitlines() if line.startswith("  - ")]
    assert lines[0].endswith("# classroom_cnn.ipynb[cell 3]:1")
    assert lines[-1].endswith("# classroom_cnn.ipynb[cell 3]:8")
    helper = _import("fastai_conv_helper.py", {}).yaml
    assert "# fastai_conv_helper.py:21 via conv_bn() (line 8)" in helper
    assert "instructions: |\n  TODO:" in imported.yaml
    assert "model.add(layers.Dense(10, activation='softmax'))" in imported.yaml   # the code, quoted
    assert "ask:\n  output_shape: 1\n  params: 1\n  total_params: 2\n" in imported.yaml
    assert "layouts: [channels_last, channels_first]" in imported.yaml


def test_keras_1_and_2_spellings_become_keras_3_and_are_noted():
    imported = _import("keras1_convolution2d.py", {})
    layers = imported.exercise.layers
    assert layers[0].params["kernel_size"] == (3, 3) and layers[0].params["padding"] == "same"
    assert layers[7].params["units"] == 256
    assert any("'border_mode=' is 'padding='" in note for note in imported.notes)
    assert any("the Keras 1 form" in note for note in imported.notes)
    notes = _import("keras2_mnist_script.py", {}).notes
    assert any("image_data_format() read as 'channels_last'" in note for note in notes)


def test_correct_shape_comments_give_no_note():
    for source, options in [("torch_reused_pool.py", {"input_shape": "3,32,32"}), ("functional_blocks.md", {}),
                            ("torch_resnet_blocks.py", {}), ("fastai_conv_helper.py", {}),
                            ("keras_subclassed.py", {})]:
        assert not [n for n in _import(source, options).notes if "comment says" in n], source


MODEL_WITH_COMMENTS = """\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)       # 6x28x28
        self.conv2 = nn.Conv2d(6, 16, 5)      # 16x10x10 (wrong: it reads the pooled map)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  #(N, 16, 4, 5)
        return x
"""


def test_shape_comments_that_disagree_are_listed():
    notes = [n for n in import_code(MODEL_WITH_COMMENTS, "net.py", input_shape="3,32,32").notes
             if "comment" in n]
    assert notes == ["net.py:13: the comment says 16x4x5, grader computes 16x5x5 for 'pool_2'"]


# (source, options, error regex): every unsupported construct is one line naming its line
ERRORS = [
    ("loop_adds_layers.py", {}, r"^loop_adds_layers\.py:5: .*built in a loop .*write the layers out one by one$"),
    ("shape_from_data.py", {}, r"^shape_from_data\.py:5: the input shape of 'model' on shape_from_data\.py:7 is "
                               r"computed by code grader does not run .*numpy\.load.*pass --input-shape"),
    ("custom_layer.py", {}, r"^custom_layer\.py:8: .*Antirectifier \(from course_utils\) is a class grader does "
                            r"not know"),
    ("training_branch.py", {"input_shape": "784"}, r"^training_branch\.py:14: .*an if whose condition .*"
                                                   r"`self\.training`"),
    ("tensor_slicing.py", {"input_shape": "20"}, r"^tensor_slicing\.py:13: .*slicing a tensor"),
    ("shared_weights.py", {"input_shape": "32"}, r"^shared_weights\.py:13: 'hidden' has 1056 parameters and is "
                                                 r"called 2 times: the calls share the weights"),
    ("option_branch.py", {}, r"^option_branch\.py:10: .*`args\.batchnorm`"),
    ("comprehension.py", {}, r"^comprehension\.py:3: .*a comprehension .* is a loop"),
    ("view_mismatch.py", {"input_shape": "1,28,28"}, r"^view_mismatch\.py:12: x\.view\(-1, 1352\): the tensor "
                                                     r"has 8x26x26 = 5408 values per example, not 1352$"),
    ("other_module_constant.py", {}, r"^other_module_constant\.py:5: .*'units': config\.HIDDEN comes from another "
                                     r"module"),
    ("no_input_shape.py", {}, r"^no_input_shape\.py:11: the input shape of 'ConvNet' is not in the code \(a comment "
                              r"says 3x64x64\): pass --input-shape"),
    ("../several_models.py", {}, r"2 models: baseline \(Keras Sequential, several_models\.py:12\); convnet \(Keras "
                                 r"Sequential, several_models\.py:22\); pick one with --model NAME$"),
    ("../several_models.py", {"model": "resnet"}, r"no model named 'resnet'; the models are: baseline"),
    ("../torch_reused_pool.py", {}, r"^torch_reused_pool\.py:23: the input shape of 'net = SmallNet\(\)' is not in "
                                    r"the code \(a comment says 3x32x32\)"),
]


@pytest.mark.parametrize("source, options, pattern", ERRORS, ids=[e[0] for e in ERRORS])
def test_unsupported_construct_is_one_line_with_its_line_number(source, options, pattern):
    with pytest.raises(GraderError) as info:
        import_model(str(FIXTURES / "errors" / source), **options)
    message = str(info.value)
    assert "\n" not in message
    assert re.search(pattern, message), message


@pytest.mark.parametrize("text, expected", [
    ("28,28,1", {None: (28, 28, 1)}), ("1x28x28", {None: (1, 28, 28)}), ("(3, 32, 32)", {None: (3, 32, 32)}),
    (["image=32,32,3", "meta=10"], {"image": (32, 32, 3), "meta": (10,)}), ((784,), {None: (784,)}),
    (None, {}),
])
def test_input_shape_option(text, expected):
    assert parse_input_shape(text) == expected


@pytest.mark.parametrize("text", ["", "28,0,1", "a,b", "28,-1"])
def test_bad_input_shape_option(text):
    with pytest.raises(GraderError, match="--input-shape"):
        parse_input_shape(text)
