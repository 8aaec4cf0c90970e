"""The catalogue of typical mistakes (SPEC section 3).

Each entry is data (code, title, a generic explanation that reveals no value) and one
small function that recomputes the layer the mistaken way — perturbed arguments or input
shapes passed to :func:`grader.engine.evaluate` — and returns the mistaken values with
their working. :func:`diagnose` compares them with a wrong answer; entries are tried in
catalogue order, so the more specific ones come first. Adding a mistake is one
``@mistake(...)`` function.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from .engine import Layer, evaluate
from .errors import GraderError
from .exercise import LAYOUTS, TOTAL_OF, Exercise
from .feedback import number, shape_text
from .layers import Weight
from .layouts import FIRST, LAST, accepted_forms, channels, to_layout
from .shapes import Shape, prod
from .working import count_value, count_working, dim_working, naive_window, shape_working, spatial_of, sum_working

COUNT_QUANTITIES = ("params", "trainable_params", "non_trainable_params", "macs")


@dataclass(frozen=True)
class Case:
    """One wrong answer, with what a detector needs to recompute it.

    ``in_shapes``/``shapes`` are the true ones, or those of the student's own earlier
    answers (follow-through context); ``expected`` is the right value in that context.
    """

    exercise: Exercise
    quantity: str
    value: Any                                  # int, or shape dims as the student wrote them
    expected: Any
    layer: Layer | None = None                  # None for model-wide totals
    in_shapes: tuple[Shape, ...] = ()
    shapes: Mapping[str, Shape] = field(default_factory=dict)   # every layer's output in this context
    layout: str = LAST                          # the layer's own layout
    layouts: Mapping[str, str] = field(default_factory=dict)    # every input's and layer's layout
    accepted: tuple[str, ...] = LAYOUTS         # layouts the exercise accepts
    layer_answers: Mapping[str, int] = field(default_factory=dict)  # totals: the student's readable layer answers


@dataclass(frozen=True)
class Alternative:
    value: Any        # the mistaken result (int or shape in the layer's layout)
    working: str      # how it comes about: "3*3*3 * 64 = 1,728"


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    explanation: str  # generic, no values: safe to show with reveal 'correctness'
    working: str      # the mistaken computation: shown only with reveal 'answers'


@dataclass(frozen=True)
class Mistake:
    code: str
    title: str
    explanation: str
    alternatives: Callable[[Case], Iterable[Alternative]] | None = None  # per-layer recomputation
    check: Callable[[Case], str | None] | None = None                    # any other test (sums)
    totals: bool = False   # also explain a total equal to the sum with this mistake in every layer


CATALOGUE: dict[str, Mistake] = {}
TITLES: dict[str, str] = {}


def mistake(code: str, title: str, explanation: str, *, totals: bool = False, check: bool = False):
    """Register a detector: ``alternatives(case)`` (or, with ``check=True``, ``check(case)``)."""
    def deco(fn):
        if code in CATALOGUE:
            raise RuntimeError(f"mistake code {code!r} registered twice")
        CATALOGUE[code] = Mistake(code, title, explanation, None if check else fn, fn if check else None, totals)
        TITLES[code] = title
        return fn
    return deco


# -- helpers ----------------------------------------------------------------------------

def _evaluate(case: Case, params: Mapping[str, Any] | None = None,
              in_shapes: Sequence[Shape] | None = None) -> tuple[Shape, list[Weight], int] | None:
    """The layer recomputed with perturbed arguments or inputs; None when that cannot run."""
    layer = case.layer
    try:
        return evaluate(layer.kind, layer.params if params is None else params,
                        case.in_shapes if in_shapes is None else tuple(in_shapes))
    # a perturbed argument can trip any rule of a layer kind: such a mistake just does not apply
    except (GraderError, ArithmeticError, LookupError, TypeError, ValueError):
        return None


def _quantity(case: Case, result: tuple[Shape, list[Weight], int] | None) -> Alternative | None:
    """The asked quantity of a recomputed layer, with its working."""
    if result is None:
        return None
    out, weights, extra = result
    if case.quantity == "output_shape":
        return Alternative(tuple(out), shape_text(out))
    return Alternative(count_value(case.quantity, weights, extra), count_working(case.quantity, weights, extra))


def _recomputed(case: Case, params=None, in_shapes=None) -> list[Alternative]:
    alt = _quantity(case, _evaluate(case, params, in_shapes))
    return [alt] if alt else []


def _with_shape_working(case: Case, params: Mapping[str, Any]) -> list[Alternative]:
    result = _evaluate(case, params)
    if result is None:
        return []
    if case.quantity == "output_shape":
        return [Alternative(tuple(result[0]), shape_working(case.layer.kind.window(params), case.in_shapes,
                                                            result[0]))]
    return [_quantity(case, result)]


def _window(case: Case):
    """The sliding window of the case's layer (convolutions and pooling), from its kind."""
    return case.layer.kind.window(case.layer.params) if case.layer else None


def same_value(case: Case, value: Any, target: Any) -> bool:
    """Does an answer equal a value, in any accepted layout for shapes?"""
    if case.quantity == "output_shape":
        return tuple(value) in accepted_forms(target, case.layout, case.accepted)
    return value == target


def _given_sizes_cleared(p: Mapping[str, Any]) -> dict[str, Any]:
    """PyTorch's optional in_channels / in_features / num_features would reject a changed input."""
    return {k: (None if k in ("in_channels", "in_features", "num_features", "input_size") else v)
            for k, v in p.items()}


# -- the catalogue, most specific first ---------------------------------------------------

@mistake("channel_order", "Channels in the wrong place",
         "The shape has the right sizes but the channels are on the side this exercise does not use: "
         "write it in the framework's order.")
def channel_order(case: Case):
    if case.quantity != "output_shape" or len(case.expected) < 2:
        return []
    return [Alternative(to_layout(case.expected, case.layout, layout), f"{shape_text(case.value)} ({layout} order)")
            for layout in LAYOUTS if layout not in case.accepted]


@mistake("pool_rounding", "Pooling rounded the wrong way",
         "When the pooling window does not fit a whole number of times, the incomplete last window is "
         "dropped: the division rounds down (unless ceil_mode is set).")
def pool_rounding(case: Case):
    window = _window(case)
    if case.quantity != "output_shape" or window is None or not window.pooling or window.pads is None:
        return []
    shape = case.in_shapes[0]
    if len(shape) != len(window.kernel) + 1:
        return []
    texts, dims = [], []
    for i, n in enumerate(spatial_of(shape, window)):
        if n is None:  # a size that is not known stays unknown, however one rounds
            dims.append(None)
            continue
        args = (n, window.kernel[i], window.stride[i], window.pads[i], window.dilation[i], not window.ceil)
        out = naive_window(*args)
        if out < 1:
            return []
        text, _ = dim_working(*args, out=out)
        if text not in texts:
            texts.append(text)
        dims.append(out)
    if not texts:
        return []
    c = channels(case.expected, case.layout)
    shape_out = (c, *dims) if case.layout == FIRST else (*dims, c)
    return [Alternative(shape_out, f"{'; '.join(texts)} → {shape_text(shape_out)}")]


@mistake("wrong_padding", "Wrong padding",
         "With padding 'valid' the window stays inside the input and the output shrinks; with 'same' "
         "the input is padded so that (with stride 1) the output keeps the input's size.")
def wrong_padding(case: Case):
    swapped = case.layer.kind.padding_swapped(case.layer.params) if case.layer else None
    return _with_shape_working(case, swapped) if swapped is not None else []


@mistake("ignored_stride", "Ignored the stride",
         "The window moves by the stride, so the output is about the input size divided by the stride; "
         "it was computed as if the window moved one step at a time.")
def ignored_stride(case: Case):
    unit = case.layer.kind.stride_ignored(case.layer.params) if case.layer else None
    return _with_shape_working(case, unit) if unit is not None else []


@mistake("off_by_one", "Off by one",
         "A window of size k fits (n - k + 1) times into n positions (with stride 1): "
         "the + 1 counts the first position.")
def off_by_one(case: Case):
    window = _window(case)
    if case.quantity != "output_shape" or window is None or len(case.expected) != len(window.kernel) + 1:
        return []
    out = []
    spatial = spatial_of(case.expected, window)
    if all(d is None for d in spatial):  # an unknown size has no neighbour to be off by one from
        return []
    for delta in (-1, 1):
        dims = tuple(None if d is None else d + delta for d in spatial)
        if min(d for d in dims if d is not None) < 1:
            continue
        c = channels(case.expected, case.layout)
        shape = (c, *dims) if case.layout == FIRST else (*dims, c)
        out.append(Alternative(shape, shape_text(shape)))
    return out


@mistake("forgot_bias", "Forgot the bias",
         "Every filter or unit also has one bias: add 1 to the weights of each output before "
         "multiplying by the number of outputs.", totals=True)
def forgot_bias(case: Case):
    if case.layer is None or case.quantity not in ("params", "trainable_params"):
        return []
    result = _evaluate(case)
    if result is None or not any(w.is_bias for w in result[1]):
        return []
    return [_quantity(case, (result[0], [w for w in result[1] if not w.is_bias], result[2]))]


@mistake("forgot_input_channels", "Forgot the input channels",
         "Each filter spans all the channels of its input: a 3x3 filter on an RGB image has 3*3*3 weights, "
         "not 3*3.", totals=True)
def forgot_input_channels(case: Case):
    if case.layer is None or case.quantity == "output_shape" or not case.in_shapes:
        return []
    shapes = []
    for shape, name in zip(case.in_shapes, case.layer.inputs):
        layout = _layout_of(case, name)
        c = channels(shape, layout)
        if c is None or c == 1:
            return []
        shapes.append(to_layout((*to_layout(shape, layout, LAST)[:-1], 1), LAST, layout))
    return _recomputed(case, _given_sizes_cleared(case.layer.params), shapes)


@mistake("used_output_channels", "Used the output channels for the input",
         "The filter depth is the number of channels coming in, not the number of filters the layer "
         "produces.", totals=True)
def used_output_channels(case: Case):
    if case.layer is None or case.quantity not in ("params", "trainable_params", "macs") or len(case.in_shapes) != 1:
        return []
    layout = _layout_of(case, case.layer.inputs[0])
    shape, out = case.in_shapes[0], _evaluate(case)
    if out is None or len(shape) < 2 or len(out[0]) != len(shape):
        return []
    cin, cout = channels(shape, layout), channels(out[0], case.layout)
    if cin == cout:
        return []
    changed = to_layout((*to_layout(shape, layout, LAST)[:-1], cout), LAST, layout)
    return _recomputed(case, _given_sizes_cleared(case.layer.params), [changed])


def _layout_of(case: Case, name: str) -> str:
    return case.layouts.get(name, case.layout)


# PyTorch types whose running statistics Keras would count (as non-trainable weights)
_TORCH_RUNNING_STATS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")


def _other_framework_weights(case: Case, weights: list[Weight]) -> list[Weight] | None:
    names = [w.name for w in weights]
    if case.exercise.framework == "keras":
        if any(n.endswith("moving_mean") for n in names):  # PyTorch keeps these as buffers
            return [w for w in weights if "moving_" not in w.name]
        if any(n.endswith("recurrent_kernel") for n in names):  # PyTorch: bias_ih and bias_hh
            # a bias of fan-in () is one vector; GRU's reset_after bias (fan-in (2,)) already has both
            extra = [replace(w, name=w.name.replace("bias", "recurrent_bias")) for w in weights
                     if w.name.endswith("bias") and w.fan_in == ()]
            return weights + extra if extra else None
        return None
    if case.layer.type in _TORCH_RUNNING_STATS:
        c = case.in_shapes[0][0]
        if c is None:
            return None
        return weights + [Weight("running_mean", (), (c,), trainable=False, group="bn"),
                          Weight("running_var", (), (c,), trainable=False, group="bn")]
    if any(n.startswith("bias_hh") for n in names):  # Keras recurrent layers have one bias
        return [w for w in weights if not w.name.startswith("bias_hh")]
    return None


@mistake("framework_convention", "Counted the other framework's way",
         "Keras and PyTorch count some layers differently: Keras counts BatchNormalization's moving mean and "
         "variance as non-trainable parameters (4 per channel), PyTorch keeps them as buffers (2 per channel); "
         "PyTorch's recurrent layers have two bias vectors where Keras has one.", totals=True)
def framework_convention(case: Case):
    if case.layer is None or case.quantity not in ("params", "trainable_params", "non_trainable_params"):
        return []
    result = _evaluate(case)
    if result is None:
        return []
    weights = _other_framework_weights(case, result[1])
    if weights is None:
        return []
    return [_quantity(case, (result[0], weights, result[2]))]


def _is_dense(layer: Layer) -> bool:
    return "units" in layer.params or "out_features" in layer.params


@mistake("wrong_input_size", "Wrong input size for a dense layer",
         "A dense layer connects every value of its input to every unit: after Flatten that is "
         "height × width × channels values, not only one of those sizes.", totals=True)
def wrong_input_size(case: Case):
    layer = case.layer
    if layer is None or case.quantity not in ("params", "trainable_params", "macs") or not _is_dense(layer) \
            or len(case.in_shapes) != 1 or len(case.in_shapes[0]) != 1:
        return []
    source = layer.inputs[0]
    producer = case.exercise.by_name.get(source)
    if producer is None or len(producer.inputs) != 1 or producer.inputs[0] not in case.shapes:
        return []
    before = case.shapes[producer.inputs[0]]  # the feature map that was flattened
    if len(before) < 2 or None in before:
        return []
    n = case.in_shapes[0][0]
    sizes = {before[-1], before[0], prod(before[:-1]), prod(before[1:])} - {n}
    p = _given_sizes_cleared(layer.params)
    return [alt for size in sorted(sizes) for alt in _recomputed(case, p, [(size,)])]


@mistake("counted_pool_params", "Counted parameters in a pooling layer",
         "A pooling layer only takes the maximum or the average of each window: it learns nothing, "
         "so it has 0 parameters.")
def counted_pool_params(case: Case):
    window = _window(case)
    if window is None or not window.pooling or case.quantity not in ("params", "trainable_params") \
            or not case.in_shapes:
        return []
    k, kernel = prod(window.kernel), "*".join(map(str, window.kernel))
    c = channels(case.in_shapes[0], case.layout) or 1
    guesses = {k: f"{kernel} = {k}", c: f"{c} (one per channel)", k * c: f"{kernel} * {c} = {number(k * c)}",
               (k + 1) * c: f"({kernel} + 1) * {c} = {number((k + 1) * c)}"}
    return [Alternative(v, w) for v, w in guesses.items()]


@mistake("counted_weightless_params", "Counted parameters in a layer without weights",
         "Flatten, Dropout, activations and merges only move, drop or combine values: they learn nothing, "
         "so they have 0 parameters.")
def counted_weightless_params(case: Case):
    layer = case.layer
    if layer is None or case.quantity not in ("params", "trainable_params") or not case.in_shapes \
            or layer.kind.window(layer.params) is not None:
        return []
    result = _evaluate(case)
    if result is None or result[1]:
        return []
    guesses: dict[int, str] = {}
    for shape in (result[0], *case.in_shapes):  # the number of values coming out, or going in
        if None in shape:
            continue
        guesses.setdefault(prod(shape), (f"{shape_text(shape)} = " if len(shape) > 1 else "")
                           + f"{number(prod(shape))} values")
    return [Alternative(v, w) for v, w in guesses.items()]


@mistake("sum_mismatch", "Total does not add up",
         "The total is not the sum of your own layer answers: add up the parameters of every layer.",
         check=True)
def sum_mismatch(case: Case) -> str | None:
    if case.layer is not None or case.quantity not in TOTAL_OF or not case.layer_answers:
        return None
    total = sum(case.layer_answers.values())
    if total == case.value:
        return None
    return f"{number(case.value)} (your layer answers add up to {sum_working(case.layer_answers.values())})"


# -- diagnosis ----------------------------------------------------------------------------

def alternatives(case: Case, code: str) -> list[Alternative]:
    """The mistaken values one entry predicts for a layer item (empty when it cannot apply)."""
    entry = CATALOGUE[code]
    if entry.alternatives is None or case.layer is None:
        return []
    return [a for a in entry.alternatives(case) if a is not None and not same_value(case, a.value, case.expected)]


def diagnose(case: Case, layer_cases: Sequence[Case] = (),
             totals: Mapping[str, tuple[int, str]] | None = None) -> Finding | None:
    """The first catalogue entry that explains a wrong answer, or None.

    For a total, ``layer_cases`` (one per layer, quantity set to the per-layer count) let
    entries marked ``totals`` explain a sum made with the same mistake in every layer;
    ``totals`` is :func:`totals_with_mistakes` of them, when worked out beforehand.
    """
    if same_value(case, case.value, case.expected):
        return None
    if totals is None and layer_cases and case.layer is None:
        totals = totals_with_mistakes(layer_cases)
    for entry in CATALOGUE.values():
        working = None
        if entry.check is not None:
            working = entry.check(case)
        elif case.layer is not None:
            working = next((a.working for a in alternatives(case, entry.code)
                            if _written_as(case, a.value)), None)
        elif entry.totals and totals:
            total, worked = totals.get(entry.code, (None, None))
            working = worked if total == case.value else None
        if working:
            return Finding(entry.code, entry.title, entry.explanation, working)
    return None


def _written_as(case: Case, value: Any) -> bool:
    """The answer is this mistaken value: exactly as computed, or in an accepted layout."""
    if case.quantity == "output_shape":
        return tuple(case.value) == tuple(value) or same_value(case, case.value, value)
    return case.value == value


def totals_with_mistakes(layer_cases: Sequence[Case]) -> dict[str, tuple[int, str]]:
    """Entry code -> (the total with that mistake made in every layer where it applies, its
    working), for the entries marked ``totals`` that change some layer. It depends on the
    exercise alone, so a grader works it out once for all the submissions of a class."""
    out: dict[str, tuple[int, str]] = {}
    for entry in CATALOGUE.values():
        if entry.check is not None or not entry.totals:
            continue
        values, changed = [], False
        for layer_case in layer_cases:
            alts = alternatives(layer_case, entry.code)
            changed |= bool(alts)
            values.append(alts[0].value if alts else layer_case.expected)
        if changed:
            out[entry.code] = (sum(values), sum_working(values))
    return out


def describe(code: str) -> tuple[str, str]:
    """(title, explanation) of a code, for reports."""
    entry = CATALOGUE[code]
    return entry.title, entry.explanation


__all__ = ["Case", "Alternative", "Finding", "Mistake", "CATALOGUE", "TITLES", "mistake",
           "alternatives", "diagnose", "describe", "same_value", "totals_with_mistakes"]
