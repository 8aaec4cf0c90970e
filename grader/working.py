"""The worked arithmetic of feedback, in the origin notebook's style:
``(3*3*3 + 1) * 64 = 1,792``, ``(8 - 3)/1 + 1 = 6 → 6x6x64``, ``1,792 + 8,320 = 10,112``.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .feedback import number, shape_text
from .layers import Weight, Window, count, formula
from .shapes import Shape, prod


# -- sliding windows (convolutions and pooling: each such kind gives its Window) -------------

def spatial_of(shape: Sequence[int], window: Window) -> tuple[int, ...]:
    return tuple(shape[1:]) if window.channels_first else tuple(shape[:-1])


def dim_working(n: int, k: int, s: int, pads: tuple[int, int] | None, d: int = 1,
                ceil: bool = False, out: int | None = None) -> tuple[str, int]:
    """``(8 - 3)/1 + 1 = 6`` for one spatial dimension, and the result.

    ``out`` is the framework's own result when known (PyTorch's ceil mode drops a last
    window that starts in the padding); otherwise the naive rounding is applied.
    """
    if pads is None:
        result = -(-n // s) if out is None else out
        return (f"{n} (padding 'same')" if s == 1 else f"ceil({n}/{s}) = {result}"), result
    a, b = pads
    keff = d * (k - 1) + 1
    top = str(n) + (f" + 2*{a}" if a == b and a else (f" + {a} + {b}" if a or b else "")) + f" - {keff}"
    span = n + a + b - keff
    if out is None:
        out = (-(-span // s) if ceil else span // s) + 1
    if span % s == 0:
        return f"({top})/{s} + 1 = {out}", out
    return f"{'ceil' if ceil else 'floor'}(({top})/{s}) + 1 = {out}", out


def shape_working(window: Window | None, in_shapes: Sequence[Shape], out: Shape) -> str:
    """The worked output shape: ``(8 - 3)/1 + 1 = 6 → 6x6x64`` for a layer with a sliding
    ``window`` (the layer kind's), ``2*2*128 = 512`` for a flattening, or just ``6x6x64``.
    A dimension that is not known has no working: it stays unknown (``?x32``)."""
    result = shape_text(out)
    if len(in_shapes) != 1:
        return result
    shape = in_shapes[0]
    if window is not None and len(shape) == len(window.kernel) + 1 and len(out) == len(shape):
        spatial, out_spatial = spatial_of(shape, window), spatial_of(out, window)
        texts: list[str] = []
        for i, n in enumerate(spatial):
            if n is None or out_spatial[i] is None:
                continue
            pads = None if window.pads is None else window.pads[i]
            text, _ = dim_working(n, window.kernel[i], window.stride[i], pads, window.dilation[i],
                                  window.ceil, out_spatial[i])
            if text not in texts:
                texts.append(text)
        return f"{'; '.join(texts)} → {result}" if texts else result
    if len(out) == 1 and len(shape) > 1 and None not in shape and prod(shape) == out[0]:
        return f"{'*'.join(str(d) for d in shape)} = {number(out[0])}"
    return result


# -- counts ------------------------------------------------------------------------------

COUNT_OF = {"params": "params", "trainable_params": "trainable", "non_trainable_params": "non_trainable",
            "macs": "macs"}


def count_value(quantity: str, weights: Sequence[Weight], extra_macs: int = 0) -> int:
    return getattr(count(weights, extra_macs), COUNT_OF[quantity])


def count_working(quantity: str, weights: Sequence[Weight], extra_macs: int = 0) -> str:
    """``(3*3*3 + 1) * 64 = 1,792`` for params (or the trainable / non-trainable part),
    ``3*3*3*64 * 36 = 62,208`` for MACs; just the number when there is nothing to work."""
    value = count_value(quantity, weights, extra_macs)
    if quantity == "macs":
        terms = [f"{'*'.join(str(x) for x in (*w.fan_in, *w.out))} * {w.uses}" for w in weights
                 if w.uses and w.count]
        if extra_macs:
            terms.append(number(extra_macs))
        text = " + ".join(terms)
    else:
        chosen = [w for w in weights if quantity == "params"
                  or w.trainable == (quantity == "trainable_params")]
        text = formula(chosen) if chosen else "0"
    if not text or text in ("0", str(value)) or not value:
        return number(value)
    return f"{text} = {number(value)}"


def sum_working(values: Iterable[int]) -> str:
    """``1,792 + 8,320 + 66,564 + 2,585 = 79,261`` (zeros left out, as the origin notebook does)."""
    values = list(values)
    total = sum(values)
    parts = [number(v) for v in values if v]
    if len(parts) <= 1:
        return number(total)
    return " + ".join(parts) + " = " + number(total)


def naive_window(n: int, k: int, s: int, pads: tuple[int, int], d: int, ceil: bool) -> int:
    """The output length with plain floor or ceil rounding (what students compute)."""
    span = n + pads[0] + pads[1] - (d * (k - 1) + 1)
    return (-(-span // s) if ceil else span // s) + 1
