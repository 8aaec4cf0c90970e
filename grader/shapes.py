"""Pure shape arithmetic shared by every layer kind, written once (as Keras'
``operation_utils`` does): window outputs, transposed windows, padding, channel axes.

Shapes here never include the batch dimension. Every function raises
:class:`~grader.errors.ShapeError` with a message that names the sizes involved. A shape
may hold None for a dimension that is not known (a sequence of any length): the functions
here take known sizes, and ``grader.engine.evaluate`` probes a layer on such an input.
"""
from __future__ import annotations

import math
from typing import Sequence

from .errors import ShapeError

#: dimensions without the batch; None is a size that is not known (Keras' ``(None, 8)``)
Shape = tuple[int | None, ...]


def prod(values: Sequence[int]) -> int:
    return math.prod(values)


def with_size(shape: Shape, size: int) -> tuple[int, ...]:
    """``shape`` with every unknown dimension given ``size`` (a sequence of that length)."""
    return tuple(size if d is None else d for d in shape)


def fmt_shape(shape: Sequence[int | None]) -> str:
    """``(6, 6, 64)``, ``(None, 8)``: the way shapes are quoted in messages (as Keras prints them)."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def window_output(size: int, kernel: int, stride: int = 1, pad_before: int = 0,
                  pad_after: int = 0, dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length of a sliding window (convolution or pooling) with explicit padding.

    ``floor((size + pads - dilation*(kernel-1) - 1) / stride) + 1``. With ``ceil_mode``
    (PyTorch pooling) the division rounds up, but the last window must start inside the
    input or the left padding, as PyTorch's ``pooling_output_shape`` requires; a window
    wider than the input then still yields one output when the rounding reaches it.
    """
    effective = dilation * (kernel - 1) + 1
    span = size + pad_before + pad_after - effective
    if ceil_mode:
        # pooling_output_shape_pad_lr: floor division even when the window is larger than
        # the input, so MaxPool2d(3, stride=3, ceil_mode=True) still gives 1 from 1 or 2
        out = (span + stride - 1) // stride + 1
        if (out - 1) * stride >= size + pad_before:
            out -= 1
        if out >= 1:
            return out
    elif span >= 0:
        return span // stride + 1
    raise ShapeError(
        f"the window ({_window_text(kernel, dilation)}) is larger than the input "
        f"({size}{' + padding' if pad_before or pad_after else ''})")


def same_output(size: int, stride: int = 1) -> int:
    """Keras ``padding='same'``: ``ceil(size / stride)``, whatever the kernel."""
    return -(-size // stride)


def transpose_output(size: int, kernel: int, stride: int = 1, pad: int = 0,
                     output_padding: int = 0, dilation: int = 1) -> int:
    """PyTorch ConvTranspose: ``(size-1)*stride - 2*pad + dilation*(kernel-1) + output_padding + 1``."""
    out = (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ShapeError(f"the transposed convolution would produce an empty output ({out})")
    return out


def keras_transpose_output(size: int, kernel: int, padding: str, stride: int = 1,
                           output_padding: int | None = None, dilation: int = 1) -> int:
    """Keras ``compute_conv_transpose_output_length`` (conv_utils.deconv_output_length)."""
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        return size * stride
    pad = kernel // 2 if padding == "same" else 0
    out = (size - 1) * stride + kernel - 2 * pad + output_padding
    if out < 1:
        raise ShapeError(f"the transposed convolution would produce an empty output ({out})")
    return out


def keras_window_output(size: int, kernel: int, stride: int, padding: str,
                        dilation: int = 1) -> int:
    """Keras conv/pool output length for ``padding`` 'valid', 'same' or 'causal'."""
    if padding in ("same", "causal"):
        return same_output(size, stride)
    return window_output(size, kernel, stride, dilation=dilation)


def _window_text(kernel: int, dilation: int) -> str:
    if dilation == 1:
        return f"size {kernel}"
    return f"size {kernel}, dilated to {dilation * (kernel - 1) + 1}"


def split_channels(shape: Shape, channels_first: bool) -> tuple[Shape, int]:
    """(spatial dims, channels) of a feature map in either layout."""
    if channels_first:
        return tuple(shape[1:]), shape[0]
    return tuple(shape[:-1]), shape[-1]


def join_channels(spatial: Sequence[int], channels: int, channels_first: bool) -> Shape:
    if channels_first:
        return (channels, *spatial)
    return (*spatial, channels)


def axis_index(axis: int, rank: int, *, with_batch: bool = True) -> int:
    """Index into a batch-less shape of rank ``rank`` for a framework axis argument.

    Keras ``axis`` and PyTorch ``dim`` count the batch dimension as 0, so ``axis=1`` is the
    first dimension of our batch-less shapes; negative values count from the end.
    """
    if axis < 0:
        index = rank + axis
    else:
        index = axis - 1 if with_batch else axis
    if not 0 <= index < rank:
        if with_batch and axis == 0:
            raise ShapeError("axis 0 is the batch dimension, which this layer cannot use")
        raise ShapeError(f"axis {axis} is out of range for an input of rank {rank} "
                         f"(plus the batch dimension)")
    return index


def broadcast(shapes: Sequence[Shape], what: str) -> Shape:
    """Shape of an element-wise operation under NumPy broadcasting (Keras merge layers)."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ShapeError(f"{what} needs inputs of the same shape, got "
                             + " and ".join(fmt_shape(s) for s in shapes))
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def reshape(in_shape: Shape, target: Shape) -> Shape:
    """The shape ``target`` names for the values of ``in_shape``, its one -1 inferred
    (Keras Reshape, PyTorch Unflatten)."""
    total = prod(in_shape)
    if target.count(-1) > 1:
        raise ShapeError(f"target_shape {list(target)} may contain -1 only once")
    if -1 in target:
        known = -prod(target)
        if total % known:
            raise ShapeError(f"cannot reshape {fmt_shape(in_shape)} ({total} values) into {list(target)}")
        return tuple(total // known if d == -1 else d for d in target)
    if prod(target) != total:
        raise ShapeError(f"cannot reshape {fmt_shape(in_shape)} ({total} values) into "
                         f"{fmt_shape(target)} ({prod(target)} values)")
    return tuple(target)


def require_rank(shape: Shape, ranks: int | Sequence[int], expected: str) -> None:
    allowed = (ranks,) if isinstance(ranks, int) else tuple(ranks)
    if len(shape) not in allowed:
        raise ShapeError(f"expects a {expected} input but receives {fmt_shape(shape)}")
