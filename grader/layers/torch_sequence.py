"""PyTorch sequence kinds: Embedding, RNN / GRU / LSTM and MultiheadAttention
(torch/nn/modules/sparse.py, rnn.py and activation.py).

Sequences are (length, features) without the batch, wherever ``batch_first`` puts the
batch; the differential tests run the same modules in PyTorch.
"""
from __future__ import annotations

from ..errors import ArgumentError
from ..shapes import fmt_shape, require_rank
from .base import (DEVICE_ARGS, Arg, Weight, boolean, check_given, choice, ensure, ignoring, integer, optional,
                   probability)
from .registry import register
from .torch import TorchKind


@register
class Embedding(TorchKind):
    type = "Embedding"
    # _freeze (what Embedding.from_pretrained sets) makes the table non-trainable
    args = {"num_embeddings": Arg(integer()), "embedding_dim": Arg(integer()),
            "padding_idx": Arg(optional(integer(-(10 ** 9))), None), "_freeze": Arg(boolean, False)}
    ignored = ignoring("max_norm", "norm_type", "scale_grad_by_freq", "sparse", *DEVICE_ARGS)
    summary = "num_embeddings, embedding_dim, padding_idx, _freeze"

    def check(self, p):
        n, idx = p["num_embeddings"], p["padding_idx"]
        if idx is not None and not -n <= idx < n:
            raise ArgumentError("padding_idx", f"padding_idx ({idx}) must be within num_embeddings "
                                f"({-n} to {n - 1})")

    def output_shape(self, p, in_shapes):
        return (*in_shapes[0], p["embedding_dim"])

    def weights(self, p, in_shapes, out_shape):
        return [Weight("weight", (p["num_embeddings"],), (p["embedding_dim"],), trainable=not p["_freeze"])]


class Recurrent(TorchKind):
    """torch/nn/modules/rnn.py: per layer and direction w_ih, w_hh and two bias vectors."""

    gates = 1
    args = {"input_size": Arg(optional(integer()), None), "hidden_size": Arg(integer()),
            "num_layers": Arg(integer(), 1), "bias": Arg(boolean, True),
            "batch_first": Arg(boolean, False), "bidirectional": Arg(boolean, False),
            "dropout": Arg(probability, 0)}
    ignored = ignoring(*DEVICE_ARGS)
    summary = "input_size (optional), hidden_size, num_layers, bias, batch_first, bidirectional"

    def hidden_out(self, p) -> int:
        return p["hidden_size"]

    def output_shape(self, p, in_shapes):
        # (L, H_in) without the batch, wherever batch_first puts it
        require_rank(in_shapes[0], 2, "2-D (sequence, features)")
        check_given(p, "input_size", in_shapes[0][1], "number of features")
        directions = 2 if p["bidirectional"] else 1
        return (in_shapes[0][0], directions * self.hidden_out(p))

    def weights(self, p, in_shapes, out_shape):
        steps, features = in_shapes[0]
        h, hr = p["hidden_size"], self.hidden_out(p)
        directions = 2 if p["bidirectional"] else 1
        out = (self.gates, h) if self.gates > 1 else (h,)
        w: list[Weight] = []
        for layer in range(p["num_layers"]):
            fan = features if layer == 0 else directions * hr
            projections = []
            for d in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w += [Weight(f"weight_ih{sfx}", (fan,), out, group=sfx, uses=steps),
                      Weight(f"weight_hh{sfx}", (hr,), out, group=sfx, uses=steps)]
                if p["bias"]:
                    w += [Weight(f"bias_ih{sfx}", (), out, group=sfx), Weight(f"bias_hh{sfx}", (), out, group=sfx)]
                if hr != h:
                    projections.append(Weight(f"weight_hr{sfx}", (h,), (hr,), group="proj" + sfx, uses=steps))
            # projections after both directions, so the formula reads 2 * (...) + 2 * 20 * 5
            w += projections
        return w


@register
class RNN(Recurrent):
    type = "RNN"
    args = {**Recurrent.args, "nonlinearity": Arg(choice("tanh", "relu"), "tanh")}


@register
class GRU(Recurrent):
    type = "GRU"
    gates = 3


@register
class LSTM(Recurrent):
    type = "LSTM"
    gates = 4
    args = {**Recurrent.args, "proj_size": Arg(integer(0), 0)}
    summary = Recurrent.summary + ", proj_size"

    def check(self, p):
        if p["proj_size"] and p["proj_size"] >= p["hidden_size"]:
            raise ArgumentError("proj_size", f"proj_size ({p['proj_size']}) must be smaller than "
                                f"hidden_size ({p['hidden_size']})")

    def hidden_out(self, p):
        return p["proj_size"] or p["hidden_size"]


@register
class MultiheadAttention(TorchKind):
    """Inputs [query, key, value] (PyTorch's order) or one input for self-attention."""

    type = "MultiheadAttention"
    arity = (1, 3)
    args = {"embed_dim": Arg(integer()), "num_heads": Arg(integer()), "bias": Arg(boolean, True),
            "add_bias_kv": Arg(boolean, False), "kdim": Arg(optional(integer()), None),
            "vdim": Arg(optional(integer()), None), "batch_first": Arg(boolean, False)}
    ignored = ignoring("dropout", "add_zero_attn", *DEVICE_ARGS)
    summary = "embed_dim, num_heads, bias, add_bias_kv, kdim, vdim; inputs [query, key, value]"

    def check(self, p):
        if p["embed_dim"] % p["num_heads"]:
            raise ArgumentError("num_heads", f"embed_dim ({p['embed_dim']}) must be divisible by "
                                f"num_heads ({p['num_heads']})")

    def _shapes(self, p, in_shapes):
        q = in_shapes[0]
        k = in_shapes[1] if len(in_shapes) > 1 else q
        v = in_shapes[2] if len(in_shapes) > 2 else k
        for s, what, dim in ((q, "query", p["embed_dim"]), (k, "key", p["kdim"] or p["embed_dim"]),
                             (v, "value", p["vdim"] or p["embed_dim"])):
            require_rank(s, 2, f"2-D (sequence, features) {what}")
            ensure(s[-1] == dim, f"the {what} has {s[-1]} features but the layer expects {dim}")
        ensure(k[0] == v[0], f"key {fmt_shape(k)} and value {fmt_shape(v)} must have the same length")
        return q, k, v

    def output_shape(self, p, in_shapes):
        q, _, _ = self._shapes(p, in_shapes)
        return q

    def weights(self, p, in_shapes, out_shape):
        q, k, v = self._shapes(p, in_shapes)
        e = p["embed_dim"]
        kd, vd = p["kdim"] or e, p["vdim"] or e
        # the input projections run over different lengths: their MACs are in extra_macs
        if kd == e and vd == e:
            w = [Weight("in_proj_weight", (e,), (3, e), group="in_proj")]
        else:
            w = [Weight("q_proj_weight", (e,), (e,), group="q"), Weight("k_proj_weight", (kd,), (e,), group="k"),
                 Weight("v_proj_weight", (vd,), (e,), group="v")]
        if p["bias"]:
            w.append(Weight("in_proj_bias", (), (3, e), group="in_proj" if kd == e == vd else "in_bias"))
        if p["add_bias_kv"]:
            w += [Weight("bias_k", (), (e,), group="bias_kv"), Weight("bias_v", (), (e,), group="bias_kv")]
        w.append(Weight("out_proj.weight", (e,), (e,), group="out_proj", uses=q[0]))
        if p["bias"]:
            w.append(Weight("out_proj.bias", (), (e,), group="out_proj"))
        return w

    def extra_macs(self, p, in_shapes, out_shape):
        q, k, v = self._shapes(p, in_shapes)
        e = p["embed_dim"]
        kd, vd = p["kdim"] or e, p["vdim"] or e
        projections = e * e * q[0] + (kd + vd) * e * k[0]
        return projections + 2 * q[0] * k[0] * e  # scores Q.K^T and the weighted sum of values
