"""What the solved exercise says about the code it was imported from: shape comments that
disagree (``# 16x16x16``, ``#(N, 4, 4, 10)``), ``x.view(-1, 400)`` on a tensor of another size,
and a module with weights called twice (shared weights, which an exercise cannot express).
"""
from __future__ import annotations

import math
from ..errors import GraderError
from .comments import comment_of, comment_shape
from .models import ImportedModel
from .sources import Source

def _fmt(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _agrees(claimed: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    if claimed == shape:
        return True
    # a comment in the other layout (channels first in Keras code, or last in PyTorch code),
    # or of the spatial size only (# 14x14 for 8x14x14)
    return len(shape) >= 2 and claimed in ((shape[-1], *shape[:-1]), (*shape[1:], shape[0]), shape[1:], shape[:-1])


def comment_notes(model: ImportedModel, solved: list, source: Source) -> list[str]:
    """The shape comments of the code that disagree with the computed shapes."""
    # a line's comment is about the last layer applied on it (the outermost call), else about
    # the last layer defined on it (self.conv1 = nn.Conv2d(...)  # 6x28x28)
    by_line: dict[int, tuple[str, tuple[int, ...]]] = {}
    for item, layer in zip(model.layers, solved):
        if item.node.layer.calls == 1:
            by_line[item.node.layer.line] = (layer.name, tuple(layer.output_shape))
            if item.node.layer.site is not None:
                by_line[item.node.layer.site] = (layer.name, tuple(layer.output_shape))
    for item, layer in zip(model.layers, solved):
        by_line[item.node.line] = (layer.name, tuple(layer.output_shape))
    for name, line in model.input_lines.items():
        by_line.setdefault(line, (f"the input '{name}'", tuple(model.inputs[name])))
    notes = []
    for line, (name, shape) in sorted(by_line.items()):
        comment = comment_of(source.lines.get(line, ""))
        claimed = comment_shape(comment) if comment else None
        if claimed is not None and not _agrees(claimed, shape):
            notes.append(f"{source.place(line)}: the comment says {_fmt(claimed)}, grader computes "
                         f"{_fmt(shape)} for '{name}'")
    return notes


def code_errors(model: ImportedModel, solved: list, source: Source) -> None:
    """Raise for what the code does that the exercise would silently get wrong."""
    for item, layer in zip(model.layers, solved):
        node = item.node
        for kind, expected, line, code in node.checks:
            if kind == "size" and tuple(layer.output_shape) != (expected,):
                values = math.prod(layer.input_shapes[0])
                raise source.error(f"{code}: the tensor has {_fmt(layer.input_shapes[0])} = {values} values per "
                                   f"example, not {expected}", line)
            if kind == "flat" and len(layer.input_shapes[0]) != 1:
                raise source.error(f"{code} on a {_fmt(layer.input_shapes[0])} tensor: grader reads this "
                                   "reshape only on a flat input", line)
        if node.use > 1 and layer.params:
            raise source.error(f"'{node.layer.var or node.layer.type}' has {layer.params} parameters and is "
                               f"called {node.layer.calls} times: the calls share the weights, which an exercise "
                               "cannot express (give each call its own layer)", node.line)


def located(exc: GraderError, origin: dict[int, int], model: ImportedModel, source: Source) -> GraderError:
    """An error of the generated exercise, told at the source line of the layer it is about."""
    index = origin.get(exc.line or 0)
    if index is None:
        return GraderError(f"the imported exercise is not valid: {exc}", file=source.path)
    label, local = source.where(model.layers[index].node.layer.line)
    return GraderError(exc.message, file=label, line=local, layer=exc.layer)
