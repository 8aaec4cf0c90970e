"""How people name an answer: column titles and keys such as ``conv1 params`` to answer keys.

Forms and answer files name each answer by a layer and a quantity, spelled many ways
(``conv1.output_shape``, ``Conv1 - Output shape``, ``conv1 Param #``, ``Total params``).
:func:`strict_key` reads the documented naming (SPEC section 2); :func:`question_key`
also reads question titles that mention one layer and one quantity
("What is the output shape of conv1?").
"""
from __future__ import annotations

import re

from ..answers import Key
from ..exercise import Exercise, LAYER_QUANTITIES, MODEL_QUANTITIES
from .matching import normalize, total_quantity

_QUANTITY_SPELLINGS = {
    "output_shape": ("outputshape", "shape", "output", "outputsize", "size", "outshape",
                     "outputdimensions", "dimensions", "dims"),
    "params": ("params", "param", "parameters", "parameter", "numparams", "nparams",
               "numberofparameters", "numberofparams", "paramcount", "parametercount",
               "learnableparameters", "numberoflearnableparameters", "weights"),
    "trainable_params": ("trainableparams", "trainableparameters", "trainable"),
    "non_trainable_params": ("nontrainableparams", "nontrainableparameters", "nontrainable"),
    "macs": ("macs", "mac", "multadds", "multiplyadds", "multiplyaccumulates"),
}
QUANTITY_OF = {spelling: q for q, spellings in _QUANTITY_SPELLINGS.items() for spelling in spellings}
QUANTITY_OF.update({normalize(q): q for q in LAYER_QUANTITIES})

_MODEL_SPELLINGS = {
    "total_params": ("totalparams", "totalparameters", "total", "totalnumberofparameters",
                     "totalparamcount", "totalnumberofparams", "totallearnableparameters"),
    "total_trainable_params": ("totaltrainableparams", "totaltrainableparameters", "trainabletotal"),
    "total_non_trainable_params": ("totalnontrainableparams", "totalnontrainableparameters"),
}
MODEL_QUANTITY_OF = {s: q for q, spellings in _MODEL_SPELLINGS.items() for s in spellings}
MODEL_QUANTITY_OF.update({normalize(q): q for q in MODEL_QUANTITIES})


def quantity_of(label: str) -> str | None:
    """The per-layer quantity a label names: ``Param #`` -> ``params``, ``shape`` -> ``output_shape``."""
    return QUANTITY_OF.get(normalize(label))


def model_quantity_of(label: str) -> str | None:
    """The model-wide quantity a label names: ``Total params`` -> ``total_params``."""
    text = normalize(label)
    return MODEL_QUANTITY_OF.get(text) or total_quantity(label)


def layer_names(exercise: Exercise) -> dict[str, str]:
    """Normalised layer name -> the exercise's name, longest first (``conv10`` before ``conv1``)."""
    names = {normalize(name): name for name in exercise.layer_names}
    return dict(sorted(names.items(), key=lambda item: -len(item[0])))


def strict_key(title: str, exercise: Exercise) -> Key | None:
    """``<layer>.<quantity>`` or ``<layer> <quantity>`` (case, spaces, punctuation ignored)."""
    model = model_quantity_of(title)
    text = normalize(title)
    names = layer_names(exercise)
    if model and text not in names:
        return (None, model)
    for norm, name in names.items():
        if text.startswith(norm) and text[len(norm):] in QUANTITY_OF:
            return (name, QUANTITY_OF[text[len(norm):]])
    return None


_PHRASES = (  # checked in order; a match is blanked out so "non-trainable" is not also "trainable"
    ("non_trainable_params", r"\bnon[\s_-]*trainable\b"),
    ("trainable_params", r"\btrainable\b"),
    ("macs", r"\b(macs?|mult[\s-]*adds|multiply[\s-]*(accumulates?|adds))\b"),
    ("output_shape", r"\b(shape|size|dimensions?|dims)\b"),
    ("params", r"\b(params?|parameters?|weights|param\s*#)"),
)


def question_key(title: str, exercise: Exercise) -> Key | None:
    """The key of a column titled by its question: one layer and one quantity named in it.

    ``What is the output shape of conv1?`` -> ``("conv1", "output_shape")``; ``Total number
    of parameters`` -> ``(None, "total_params")``. A title naming two layers or two
    quantities is left alone (map it with the exercise's ``form: columns``).
    """
    key = strict_key(title, exercise)
    if key:
        return key
    text = title.lower()
    words = re.findall(r"\w+", text)
    names = layer_names(exercise)
    found = {names[normalize(w)] for w in words if normalize(w) in names}
    found |= {names[normalize(a + b)] for a, b in zip(words, words[1:]) if normalize(a + b) in names}
    if len(found) > 1:
        return None
    layer = next(iter(found), None)
    if layer is not None:  # the layer's own name must not read as a quantity ("output" layer)
        text = re.sub(r"\b" + re.escape(layer.lower()) + r"\b", " ", text)
    quantities = []
    for quantity, pattern in _PHRASES:
        if re.search(pattern, text):
            quantities.append(quantity)
            text = re.sub(pattern, " ", text)
    if not quantities and re.search(r"\boutput\b", text):
        quantities = ["output_shape"]
    if len(quantities) == 2 and "params" in quantities and quantities[0].endswith("trainable_params"):
        quantities = quantities[:1]  # "trainable parameters" is one quantity
    if len(quantities) > 1:
        return None
    if layer is None:
        if not re.search(r"\btotal\b", text) or quantities[:1] not in ([], ["params"], ["trainable_params"],
                                                                        ["non_trainable_params"]):
            return None
        q = quantities[0] if quantities else "params"
        return (None, "total_params" if q == "params" else "total_" + q)
    return (layer, quantities[0]) if quantities else None
