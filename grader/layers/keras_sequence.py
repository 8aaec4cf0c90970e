"""Keras 3 sequence kinds: Embedding, SimpleRNN / LSTM / GRU, Bidirectional,
TimeDistributed and MultiHeadAttention (the rest of the Keras kinds are in keras.py).

Each rule follows the Keras source it names; the differential tests build the same
layers in real Keras and compare every shape and count.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ArgumentError, did_you_mean
from ..shapes import fmt_shape, prod, require_rank
from .base import KERAS_IGNORED, Arg, LayerKind, Weight, boolean, choice, ensure, integer, optional, shape_arg
from .keras import KerasKind
from .registry import lookup, register

# -- embeddings and recurrent layers --------------------------------------------------

@register
class Embedding(KerasKind):
    type = "Embedding"
    args = {"input_dim": Arg(integer()), "output_dim": Arg(integer())}
    ignored = KERAS_IGNORED | {"input_length", "weights", "sparse"}
    summary = "input_dim, output_dim"

    def output_shape(self, p, in_shapes):
        return (*in_shapes[0], p["output_dim"])

    def weights(self, p, in_shapes, out_shape):
        return [Weight("embeddings", (p["input_dim"],), (p["output_dim"],))]


class Recurrent(KerasKind):
    gates = 1
    ignored = KERAS_IGNORED | {"use_cudnn", "zero_output_for_mask"}
    args = {"units": Arg(integer()), "use_bias": Arg(boolean, True),
            "return_sequences": Arg(boolean, False), "return_state": Arg(boolean, False)}
    summary = "units, use_bias, return_sequences"

    def check(self, p):
        if p["return_state"]:
            raise ArgumentError("return_state", "return_state: true gives several outputs, which an "
                                "exercise layer cannot have; leave it false")

    def output_shape(self, p, in_shapes):
        require_rank(in_shapes[0], 2, "2-D (timesteps, features)")
        steps = in_shapes[0][0]
        return (steps, p["units"]) if p["return_sequences"] else (p["units"],)

    def bias_rows(self, p) -> int:
        return 1

    def weights(self, p, in_shapes, out_shape):
        require_rank(in_shapes[0], 2, "2-D (timesteps, features)")
        steps, features = in_shapes[0]
        out = (self.gates, p["units"]) if self.gates > 1 else (p["units"],)
        w = [Weight("kernel", (features,), out, group="cell", uses=steps),
             Weight("recurrent_kernel", (p["units"],), out, group="cell", uses=steps)]
        if p["use_bias"]:
            w.append(Weight("bias", (self.bias_rows(p),) if self.bias_rows(p) > 1 else (), out, group="cell"))
        return w


@register
class SimpleRNN(Recurrent):
    type = "SimpleRNN"


@register
class LSTM(Recurrent):
    type = "LSTM"
    gates = 4


@register
class GRU(Recurrent):
    """reset_after=True (the Keras 3 default) keeps two bias rows: bias shape (2, 3*units)."""

    type = "GRU"
    gates = 3
    args = {**Recurrent.args, "reset_after": Arg(boolean, True)}
    summary = "units, use_bias, return_sequences, reset_after"

    def bias_rows(self, p):
        return 2 if p["reset_after"] else 1


def nested_layer(value: Any, name: str) -> tuple[LayerKind, dict[str, Any]]:
    """A wrapped layer given as a mapping, as in Keras' own config: ``{type: LSTM, units: 8}``."""
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):  # {type: 5} too (issue 9)
        raise ArgumentError(name, f"argument '{name}' must be a layer mapping such as "
                                  "{type: LSTM, units: 8}")
    try:
        kind = lookup("keras", value["type"])
    except KeyError as exc:
        raise ArgumentError(name, f"in '{name}': {exc.args[0]}") from None
    unknown = [k for k in value if k != "type" and k not in kind.args and k not in kind.ignored]
    if unknown:
        raise ArgumentError(name, f"in '{name}': unknown argument '{unknown[0]}' for "
                                  f"{value['type']}{did_you_mean(unknown[0], kind.known_args())}")
    try:
        params = kind.normalize({k: v for k, v in value.items() if k != "type"})
    except ArgumentError as exc:
        raise ArgumentError(name, f"in '{name}': {exc.message}") from None
    return kind, params


def _prefixed(weights: Sequence[Weight], prefix: str) -> list[Weight]:
    return [Weight(f"{prefix}{w.name}", w.fan_in, w.out, w.trainable, prefix + (w.group or w.name), w.uses)
            for w in weights]


@register
class Bidirectional(KerasKind):
    type = "Bidirectional"
    args = {"layer": Arg(nested_layer), "merge_mode": Arg(optional(choice("concat", "sum", "mul", "ave")), "concat")}
    ignored = KERAS_IGNORED | {"backward_layer", "weights"}
    summary = "layer (a nested recurrent layer), merge_mode"

    def check(self, p):
        if p["merge_mode"] is None:
            raise ArgumentError("merge_mode", "merge_mode: null gives two outputs; use concat, sum, mul or ave")
        if not isinstance(p["layer"][0], Recurrent):
            raise ArgumentError("layer", "Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU)")

    def output_shape(self, p, in_shapes):
        kind, inner = p["layer"]
        out = kind.output_shape(inner, in_shapes)
        if p["merge_mode"] == "concat":
            return (*out[:-1], 2 * out[-1])
        return out

    def weights(self, p, in_shapes, out_shape):
        kind, inner = p["layer"]
        inner_out = kind.output_shape(inner, in_shapes)
        w = kind.weights(inner, in_shapes, inner_out)
        return _prefixed(w, "forward_") + _prefixed(w, "backward_")


@register
class TimeDistributed(KerasKind):
    type = "TimeDistributed"
    args = {"layer": Arg(nested_layer)}
    summary = "layer (a nested layer applied to every timestep)"

    def output_shape(self, p, in_shapes):
        kind, inner = p["layer"]
        ensure(len(in_shapes[0]) >= 2, f"expects at least a 2-D (timesteps, ...) input but receives "
                                       f"{fmt_shape(in_shapes[0])}")
        return (in_shapes[0][0], *kind.output_shape(inner, [in_shapes[0][1:]]))

    def weights(self, p, in_shapes, out_shape):
        kind, inner = p["layer"]
        steps, inner_in = in_shapes[0][0], in_shapes[0][1:]
        w = kind.weights(inner, [inner_in], out_shape[1:])
        return [Weight(x.name, x.fan_in, x.out, x.trainable, x.group, x.uses * steps) for x in w]


# -- attention ------------------------------------------------------------------------

@register
class MultiHeadAttention(KerasKind):
    """Inputs: [query, value] or [query, value, key]; one input means self-attention.

    Weights as keras/src/layers/attention/multi_head_attention.py builds them: query/key
    kernels (d, heads, key_dim), value kernel (d, heads, value_dim), output kernel
    (heads, value_dim, d_out), each with a bias when use_bias.
    """

    type = "MultiHeadAttention"
    arity = (1, 3)
    args = {"num_heads": Arg(integer()), "key_dim": Arg(integer()),
            "value_dim": Arg(optional(integer()), None), "use_bias": Arg(boolean, True),
            "output_shape": Arg(optional(shape_arg), None), "use_gate": Arg(boolean, False)}
    ignored = KERAS_IGNORED | {"sliding_window", "flash_attention"}
    summary = "num_heads, key_dim, value_dim, output_shape, use_bias; inputs [query, value(, key)]"

    def _shapes(self, in_shapes):
        query = in_shapes[0]
        value = in_shapes[1] if len(in_shapes) > 1 else query
        key = in_shapes[2] if len(in_shapes) > 2 else value
        for s, what in ((query, "query"), (value, "value"), (key, "key")):
            ensure(len(s) >= 2, f"the {what} must be at least 2-D (sequence, features), got {fmt_shape(s)}")
        # Keras builds a query of another rank than the value, but cannot run it (einsum and
        # dot_product_attention fail): the ranks must agree
        ensure(len(query) == len(value), f"the query {fmt_shape(query)} and the value {fmt_shape(value)} "
                                         "must have the same rank")
        ensure(value[:-1] == key[:-1], f"value {fmt_shape(value)} and key {fmt_shape(key)} must agree "
                                       "in every dimension but the last")
        return query, value, key

    def output_shape(self, p, in_shapes):
        query, _, _ = self._shapes(in_shapes)
        return (*query[:-1], *(p["output_shape"] or (query[-1],)))

    def weights(self, p, in_shapes, out_shape):
        query, value, key = self._shapes(in_shapes)
        h, kd = p["num_heads"], p["key_dim"]
        vd = p["value_dim"] or kd
        out_dims = p["output_shape"] or (query[-1],)
        nq, nv = prod(query[:-1]), prod(value[:-1])
        parts = [("query", query[-1], (h, kd), nq), ("key", key[-1], (h, kd), nv)]
        if p["use_gate"]:
            parts.append(("gate", query[-1], (h, vd), nq))
        parts.append(("value", value[-1], (h, vd), nv))
        w: list[Weight] = []
        for name, d, out, uses in parts:
            w.append(Weight(f"{name}_kernel", (d,), out, group=name, uses=uses))
            if p["use_bias"]:
                w.append(Weight(f"{name}_bias", (), out, group=name))
        w.append(Weight("output_kernel", (h, vd), out_dims, group="output", uses=nq))
        if p["use_bias"]:
            w.append(Weight("output_bias", (), out_dims, group="output"))
        return w

    def extra_macs(self, p, in_shapes, out_shape):
        query, value, _ = self._shapes(in_shapes)
        h, kd = p["num_heads"], p["key_dim"]
        vd = p["value_dim"] or kd
        nq, nv = prod(query[:-1]), prod(value[:-1])
        return nq * nv * h * (kd + vd)  # scores Q.K^T and the weighted sum of values

