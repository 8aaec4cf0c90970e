"""Shape layouts: where a feature map keeps its channels (channels_last <-> channels_first),
which layouts an exercise accepts from students, and each layer's own layout.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from .shapes import Shape

LAST, FIRST = "channels_last", "channels_first"


def to_layout(shape: Sequence[int], source: str, target: str) -> Shape:
    """Move the channel axis of a feature map (rank >= 2); 1-D shapes are layout-free."""
    shape = tuple(shape)
    if len(shape) < 2 or source == target:
        return shape
    if target == FIRST:
        return (shape[-1], *shape[:-1])
    return (*shape[1:], shape[0])


def other(layout: str) -> str:
    return FIRST if layout == LAST else LAST


def accepted_forms(shape: Sequence[int], native: str, accepted: Iterable[str]) -> list[Shape]:
    """The shape as students may write it: the layer's own layout first, when accepted."""
    accepted = list(accepted)
    order = ([native] if native in accepted else []) + [x for x in accepted if x != native]
    forms: list[Shape] = []
    for layout in order:
        form = to_layout(shape, native, layout)
        if form not in forms:
            forms.append(form)
    return forms


def layer_layouts(framework: str, inputs: Iterable[str], layers: Iterable) -> Mapping[str, str]:
    """Each input's and layer's own layout: PyTorch is channels_first; a Keras layer follows
    its ``data_format``, and a layer without one follows its input."""
    base = FIRST if framework == "pytorch" else LAST
    out = dict.fromkeys(inputs, base)
    for layer in layers:
        own = layer.params.get("data_format") if framework == "keras" else None
        out[layer.name] = own or (out.get(layer.inputs[0], base) if layer.inputs else base)
    return out


def channels(shape: Sequence[int], layout: str) -> int | None:
    if len(shape) < 2:
        return None
    return shape[0] if layout == FIRST else shape[-1]
