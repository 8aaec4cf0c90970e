"""The student's notebook for an exercise (``grader notebook``): instructions, the model as
Keras or PyTorch code for reference, and a Markdown answers table in a cell tagged
``answers`` — empty for students, filled in with the worked values for ``--solution``.
"""
from __future__ import annotations

import builtins
import keyword
import os
import re
from typing import Any, Mapping

from .engine import LayerSolution, Solution
from .exercise import Exercise
from .feedback import framework_name, number, shape_text
from .key import neutral_examples, unknown_example
from .layouts import LAST, FIRST, to_layout

ANSWERS_TAG = "answers"

_COLUMNS = (("output_shape", "output shape"), ("params", "params"),
            ("trainable_params", "trainable params"), ("non_trainable_params", "non-trainable params"),
            ("macs", "MACs"))
_TOTALS = (("total_params", "total"), ("total_trainable_params", "total trainable params"),
           ("total_non_trainable_params", "total non-trainable params"))


def student_notebook(exercise: Exercise, *, solution: bool = False) -> Any:
    """The notebook (an nbformat 4.5 NotebookNode, valid per ``nbformat.validate``)."""
    from nbformat import v4

    cells = [
        v4.new_markdown_cell(_introduction(exercise), id="instructions"),
        v4.new_markdown_cell(_MODEL_HELP, id="model-help"),
        v4.new_code_cell(model_code(exercise), id="model"),
        v4.new_markdown_cell(_answers_help(exercise, solution), id="answers-help"),
        v4.new_markdown_cell(answers_table(exercise, exercise.solution if solution else None),
                             id="answers", metadata={"tags": [ANSWERS_TAG]}),
    ]
    meta: dict[str, Any] = {"exercise": exercise.id, "solution": solution}
    if exercise.student:
        meta["student"] = exercise.student
    if exercise.variables:
        meta["variables"] = dict(exercise.variables)
    return v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "grader": meta})


def notebook_text(exercise: Exercise, *, solution: bool = False) -> str:
    """The notebook as the JSON text written to disk (stable: same exercise, same bytes)."""
    import nbformat

    return nbformat.writes(student_notebook(exercise, solution=solution)) + "\n"


def write_notebook(exercise: Exercise, path: str | os.PathLike, *, solution: bool = False) -> None:
    text = notebook_text(exercise, solution=solution)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# -- Markdown cells ---------------------------------------------------------------------------

_MODEL_HELP = ("## The model\n\nThe code of the model, for reference. Work out each layer's output "
               "shape and number of parameters by hand.")


def _introduction(exercise: Exercise) -> str:
    framework = framework_name(exercise.framework)
    lines = [f"# {exercise.title}", "", f"Exercise `{exercise.id}` ({framework})."]
    if exercise.student:
        lines[-1] += f" Student: `{exercise.student}`."
    if exercise.variables:
        lines += ["", "Your variant: " + ", ".join(f"`{k}` = {v}" for k, v in exercise.variables.items())]
    if exercise.instructions.strip():
        lines += ["", exercise.instructions.strip()]
    inputs = ", ".join(f"`{name}` {shape_text(shape)}" for name, shape in exercise.solution.inputs.items())
    if inputs:
        lines += ["", f"Input: {inputs} (without the batch dimension)."]
    return "\n".join(lines)


def _answers_help(exercise: Exercise, solution: bool) -> str:
    if solution:
        return "## Answers\n\nThe expected answers, with the working of each parameter count."
    n, expression, shape = neutral_examples(exercise)
    if exercise.framework == "pytorch":
        example, order = to_layout(shape, LAST, FIRST), "channels first, as PyTorch does: channels x height x width"
    else:
        example, order = shape, "channels last, as Keras does: height x width x channels"
    if len(exercise.grading.layouts) > 1:
        order += "; the other order is accepted too"
    unknown = unknown_example(exercise)
    if unknown is not None:  # a sequence of any length: Keras prints its length as None
        if exercise.framework == "pytorch":
            unknown = to_layout(unknown, LAST, FIRST)
        order += (f"; a size that is not known (a sequence of any length) as `?` or `None`, "
                  f"e.g. `{shape_text(unknown)}`")
    return ("## Your answers\n\nFill in the table below (double-click it to edit). Write shapes "
            f"without the batch dimension, e.g. `{shape_text(example)}` ({order}), and parameter counts as "
            f"a number (`{n}`, `{n:,}`) or with your working (`{expression} = {n}`). Keep the layer names "
            "and the cell's `answers` tag as they are: they are how your answers are found. Save the "
            "notebook before you check it or hand it in: what is not saved is not read.")


def answers_table(exercise: Exercise, solution: Solution | None = None) -> str:
    """The answers table: one row per layer and one per asked total; empty cells unless
    ``solution`` is given."""
    columns = [(q, title) for q, title in _COLUMNS if exercise.ask.get(q)]
    totals = [(q, title) for q, title in _TOTALS if exercise.ask.get(q)]
    if totals and not any(q == "params" for q, _ in columns):
        columns.insert(1 if columns and columns[0][0] == "output_shape" else 0, ("params", "params"))
    lines = ["| layer | " + " | ".join(t for _, t in columns) + " |",
             "|---|" + "|".join("---:" if q != "output_shape" else "---" for q, _ in columns) + "|"]
    for layer in exercise.layers:
        cells = [_expected(solution.layer(layer.name), q) if solution else "" for q, _ in columns]
        lines.append(f"| {layer.name} | " + " | ".join(cells) + " |")
    for quantity, title in totals:
        value = _expected_total(solution, quantity) if solution else ""
        cells = [value if q == "params" else "" for q, _ in columns]
        lines.append(f"| **{title}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _expected(layer: LayerSolution, quantity: str) -> str:
    if quantity == "output_shape":
        return shape_text(layer.output_shape)
    if quantity == "params":
        if layer.weights and layer.formula != str(layer.params):
            return f"{layer.formula} = {number(layer.params)}".replace("*", "\\*")
        return number(layer.params)
    return number(getattr(layer, quantity))


def _expected_total(solution: Solution, quantity: str) -> str:
    if quantity == "total_params":
        parts = [number(layer.params) for layer in solution.layers if layer.params]
        total = number(solution.total_params)
        return total if len(parts) <= 1 else " + ".join(parts) + " = " + total
    return number(solution.trainable_params if quantity == "total_trainable_params"
                  else solution.non_trainable_params)


# -- the model as code ------------------------------------------------------------------------

def model_code(exercise: Exercise) -> str:
    """Code that builds the exercise's model in its framework (checked against the real
    frameworks by the tests)."""
    return _keras_code(exercise) if exercise.framework == "keras" else _torch_code(exercise)


def _py(value: Any) -> str:
    if isinstance(value, Mapping) and "type" in value:
        args = ", ".join(f"{k}={_py(v)}" for k, v in value.items() if k != "type")
        return f"layers.{value['type']}({args})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _identifier(name: str, taken: set[str]) -> str:
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = "x_" + ident
    if keyword.iskeyword(ident) or hasattr(builtins, ident):  # no `def forward(self, input)`
        ident += "_"
    base, n = ident, 1
    while ident in taken:
        n += 1
        ident = f"{base}_{n}"
    taken.add(ident)
    return ident


def _is_chain(exercise: Exercise) -> bool:
    previous = next(iter(exercise.inputs), None) if len(exercise.inputs) == 1 else None
    for layer in exercise.layers:
        if layer.kind.arity == (0, 0):
            if previous is not None:
                return False
        elif layer.inputs != (previous,) or layer.kind.arity[1] != 1:
            return False
        previous = layer.name
    return True


def _sinks(exercise: Exercise) -> list[str]:
    used = {name for layer in exercise.layers for name in layer.inputs}
    return [layer.name for layer in exercise.layers if layer.name not in used and layer.kind.arity != (0, 0)]


def _keras_args(layer) -> str:
    args = [f"{k}={_py(v)}" for k, v in layer.args.items()]
    return ", ".join(args + [f"name={layer.name!r}"])


def _keras_code(exercise: Exercise) -> str:
    head = ["import keras", "from keras import layers", ""]
    if _is_chain(exercise):
        body = ["model = keras.Sequential(["]
        for shape in exercise.inputs.values():
            body.append(f"    keras.Input(shape={_py(shape)}),")
        for layer in exercise.layers:
            if layer.kind.arity == (0, 0):
                body.append(f"    keras.Input(shape={_py(layer.args.get('shape'))}),")
            else:
                body.append(f"    layers.{layer.type}({_keras_args(layer)}),")
        return "\n".join(head + body + ["])"])
    taken = {"keras", "layers", "model", "inputs", "outputs"}
    var: dict[str, str] = {}
    body = []
    for name, shape in exercise.inputs.items():
        var[name] = _identifier(name, taken)
        body.append(f"{var[name]} = keras.Input(shape={_py(shape)}, name={name!r})")
    for layer in exercise.layers:
        var[layer.name] = _identifier(layer.name, taken)
        if layer.kind.arity == (0, 0):
            body.append(f"{var[layer.name]} = keras.Input(shape={_py(layer.args.get('shape'))}, "
                        f"name={layer.name!r})")
            continue
        ins = [var[i] for i in layer.inputs]
        if layer.type == "MultiHeadAttention":
            call = ", ".join(ins if len(ins) > 1 else ins * 2)
        elif layer.kind.arity[1] == 1:
            call = ins[0]
        else:
            call = "[" + ", ".join(ins) + "]"
        body.append(f"{var[layer.name]} = layers.{layer.type}({_keras_args(layer)})({call})")
    model_inputs = [var[n] for n in exercise.inputs] + [var[layer.name] for layer in exercise.layers
                                                        if layer.kind.arity == (0, 0)]
    outputs = [var[n] for n in _sinks(exercise)]
    body.append(f"model = keras.Model(inputs={_list(model_inputs)}, outputs={_list(outputs)})")
    return "\n".join(head + body)


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


_INFERRED = (("in_channels", r"^Conv", 0), ("in_features", r"^Linear$", -1),
             ("num_features", r"^(Batch|Instance)Norm", 0), ("input_size", r"^(RNN|LSTM|GRU)$", -1))
_OPERATORS = {"Add": " + ", "Multiply": " * "}


def _torch_args(layer, solved: LayerSolution) -> str:
    args = dict(layer.args)
    for arg, pattern, axis in _INFERRED:
        if re.search(pattern, layer.type) and args.get(arg) is None and solved.input_shapes:
            args[arg] = solved.input_shapes[0][axis]
    order = list(layer.kind.args)
    items = sorted(args.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return ", ".join(f"{k}={_py(v)}" for k, v in items)


def _torch_code(exercise: Exercise) -> str:
    solution = exercise.solution
    taken = {"self", "torch", "nn", "x"}
    chain = _is_chain(exercise)
    var = {name: "x" if chain else _identifier(name, taken) for name in exercise.inputs}
    init, forward = [], []
    for layer in exercise.layers:
        ident = _identifier(layer.name, taken)
        ins = [var[i] for i in layer.inputs]
        out = "x" if chain else ident
        var[layer.name] = out
        if layer.type in _OPERATORS:
            forward.append(f"{out} = {_OPERATORS[layer.type].join(ins)}")
            continue
        if layer.type == "Cat":
            forward.append(f"{out} = torch.cat([{', '.join(ins)}], dim={layer.params['dim']})")
            continue
        init.append(f"self.{ident} = nn.{layer.type}({_torch_args(layer, solution.layer(layer.name))})")
        if layer.type in ("RNN", "LSTM", "GRU"):
            forward.append(f"{out}, _ = self.{ident}({ins[0]})")
        elif layer.type == "MultiheadAttention":
            q, k, v = (ins + ins[-1:] * 3)[:3] if len(ins) > 1 else ins * 3
            forward.append(f"{out}, _ = self.{ident}({q}, {k}, {v})")
        else:
            forward.append(f"{out} = self.{ident}({', '.join(ins)})")
    params = ["x"] if chain else [var[n] for n in exercise.inputs]
    outputs = ["x"] if chain else [var[n] for n in _sinks(exercise)]
    lines = ["import torch", "from torch import nn", "", "", "class Net(nn.Module):",
             "    def __init__(self):", "        super().__init__()"]
    lines += [f"        {line}" for line in init] or ["        pass"]
    lines += ["", f"    def forward(self, {', '.join(params)}):"]
    lines += [f"        {line}" for line in forward]
    lines += [f"        return {', '.join(outputs)}", "", "", "model = Net()"]
    return "\n".join(lines)
