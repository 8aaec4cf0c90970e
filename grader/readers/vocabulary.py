"""The words people use for layers, quantities and totals: the one place that says which
spelling means what (issue 8). Every reader asks here.

Three kinds of label are told apart:

- a *quantity* names one answer of a layer: a column header (``Param #``), a key
  (``output_shape``), a word in a sentence (``… has 1,792 parameters``);
- a *total* names a model-wide answer: a row or key (``Total params``, ``total``);
- a *column role* says what a table column holds: the layer (``Layer (type)``), its class
  (``type``), a row number (``#``), or a quantity; shapes may also be split over
  ``H | W | C`` columns (:data:`DIMENSIONS`).

A layer's name is never looked up here: readers look the exercise's names up first
(:func:`layer_lookup`), so a layer called ``output``, ``total`` or ``params`` is a layer.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping

from ..answers import Key
from ..layers import FRAMEWORKS, kinds, snake_case

_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=8192)  # a class repeats the same labels thousands of times
def normalize(label: str) -> str:
    """Case, spaces and punctuation dropped: ``Output Shape`` -> ``outputshape``."""
    low = label.lower()
    return low if low.isalnum() else _NOT_WORD.sub("", low)  # isalnum: \w without '_', so nothing to drop


# -- quantities -------------------------------------------------------------------------------

# Per-layer quantities, as grader.exercise names them, and the spellings (normalised) that
# mean them in a header or key.
QUANTITY_WORDS: Mapping[str, tuple[str, ...]] = {
    "output_shape": ("outputshape", "shape", "output", "outputsize", "size", "outshape", "outputdimensions",
                     "outputdimension", "dimensions", "dims", "featuremaps", "featuremap",
                     "activationshape", "activationsize", "outputsizes", "outputshapes", "tensorshape"),
    "params": ("params", "param", "parameters", "parameter", "numparams", "nparams", "numberofparameters",
               "numberofparams", "paramcount", "parametercount", "learnableparameters",
               "numberoflearnableparameters", "weights", "paramnumber", "nbparams", "noofparams",
               "noofparameters", "learnableparams", "parametersnumber"),
    "trainable_params": ("trainableparams", "trainableparameters", "trainable", "numberoftrainableparameters"),
    "non_trainable_params": ("nontrainableparams", "nontrainableparameters", "nontrainable"),
    "macs": ("macs", "mac", "multadds", "multiplyadds", "multiplyaccumulates"),
}
_QUANTITY_OF = {spelling: q for q, spellings in QUANTITY_WORDS.items() for spelling in (*spellings, normalize(q))}

# Model-wide quantities and the row labels or keys that mean them.
TOTAL_WORDS: Mapping[str, tuple[str, ...]] = {
    "total_params": ("totalparams", "totalparameters", "total", "sum", "totalnumberofparameters",
                     "totalparamcount", "totalnumberofparams", "totallearnableparameters", "totalparam",
                     "totalparameter", "totalnumberoflearnableparameters", "totalcount"),
    "total_trainable_params": ("totaltrainableparams", "totaltrainableparameters", "trainabletotal",
                               "trainable", "trainableparams", "trainableparameters"),
    "total_non_trainable_params": ("totalnontrainableparams", "totalnontrainableparameters", "nontrainable",
                                   "nontrainableparams", "nontrainableparameters"),
}
_TOTAL_OF = {spelling: q for q, spellings in TOTAL_WORDS.items() for spelling in (*spellings, normalize(q))}

#: the per-layer quantity each total adds up
TOTAL_OF_QUANTITY = {"total_params": "params", "total_trainable_params": "trainable_params",
                     "total_non_trainable_params": "non_trainable_params"}


def quantity_of(label: str) -> str | None:
    """The per-layer quantity a label names: ``Param #`` -> ``params``, ``shape`` -> ``output_shape``."""
    return _QUANTITY_OF.get(normalize(label))


def total_of(label: str) -> str | None:
    """The model-wide quantity a row label or key names: ``Total params`` -> ``total_params``."""
    return _TOTAL_OF.get(normalize(label))


# -- column roles -----------------------------------------------------------------------------

LAYER, TYPE, INDEX = "layer", "type", "index"
ROLES = (LAYER, TYPE, INDEX)

_ROLE_WORDS = {
    LAYER: ("layer", "layers", "name", "layername", "layertype", "nameoflayer", "layernametype", "layernames",
            "module", "layermodule", "layerid"),
    TYPE: ("type", "class", "kind", "layerclass", "layerkind"),
    INDEX: ("", "no", "n", "nr", "num", "idx", "index", "i", "step", "number"),
}
_ROLE_OF = {word: role for role, words in _ROLE_WORDS.items() for word in words}

#: headers of columns that hold one dimension of the output shape (``H | W | C``), by axis
DIMENSIONS: Mapping[str, tuple[str, ...]] = {
    "h": ("h", "height", "rows", "outh", "outputheight", "hout"),
    "w": ("w", "width", "cols", "columns", "outw", "outputwidth", "wout"),
    "c": ("c", "channels", "channel", "depth", "ch", "outc", "outputchannels", "cout", "nchannels",
          "filters", "featuremaps", "maps", "numberoffilters"),
}
_DIMENSION_OF = {word: "dim_" + axis for axis, words in DIMENSIONS.items() for word in words}

# Columns that are never answers, although they may mention an answer word.
_NOT_ANSWER = re.compile(r"kernel|input|formula|working|comment|note|stride|filter|activation(?!\s*(shape|size))"
                         r"|calculation|explanation|remark|how")
_FUZZY_ROLES = (("param", "params"), ("shape", "output_shape"), ("size", "output_shape"),
                ("output", "output_shape"), ("mult", "macs"), ("layer", LAYER), ("name", LAYER),
                ("type", TYPE), ("class", TYPE))

#: words of which one is in every answer table's header (a cheap test before parsing)
HEADER_WORDS = ("param", "shape", "size", "output", "macs", "mult", "trainable", "weights", "feature maps")


@functools.lru_cache(maxsize=2048)  # a class writes the same few headers and keys
def role_of(header: str) -> str | None:
    """What a column or key named ``header`` holds: ``layer``, ``type``, ``index`` or a quantity."""
    norm = normalize(header)
    role = _ROLE_OF.get(norm) or _QUANTITY_OF.get(norm)
    if role:
        return role
    text = header.lower()
    if _NOT_ANSWER.search(text):
        return None
    if "trainable" in text:
        return "non_trainable_params" if re.search(r"\bnon|\bnot\b", text) else "trainable_params"
    for needle, role in _FUZZY_ROLES:
        if needle in text:
            return role
    return None


def exact_role(header: str) -> str | None:
    """The role of a header or key spelled exactly as listed here (no guessing from parts)."""
    norm = normalize(header)
    return _ROLE_OF.get(norm) or _QUANTITY_OF.get(norm)


def dimension_of(header: str) -> str | None:
    """``dim_h``, ``dim_w`` or ``dim_c`` for a column holding one dimension of the shape."""
    return _DIMENSION_OF.get(normalize(header))


# -- keys of structured answers -----------------------------------------------------------------

#: keys whose value holds the answers (``answers: {conv1: ...}``, ``layers: [...]``)
CONTAINER_WORDS = ("answers", "answer", "layers", "solution", "results", "myanswers")
#: keys that say who answered or for which exercise (answer files)
META_WORDS = ("student", "exercise", "late")


def is_container(key: str) -> bool:
    return normalize(key) in CONTAINER_WORDS


def meta_of(key: str) -> str | None:
    norm = normalize(key)
    return norm if norm in META_WORDS else None


# -- layer names ---------------------------------------------------------------------------------

class LayerLookup:
    """The exercise's layer names, looked up as written first, then case- and punctuation-blind."""

    __slots__ = ("names", "written", "exact", "folded", "inputs", "ascii")

    def __init__(self, names: Iterable[str], inputs: Iterable[str] = ()):
        self.names = tuple(names)
        self.ascii = all(name.isascii() for name in self.names)
        self.written = {name: name for name in self.names}
        self.exact = {name.casefold(): name for name in self.names}
        folded: dict[str, str | None] = {}
        for name in self.names:
            norm = normalize(name)
            folded[norm] = None if norm in folded else name  # two names alike: neither by the folded form
        self.folded = {k: v for k, v in folded.items() if v is not None and k}
        self.inputs = frozenset(normalize(n) for n in inputs)

    def find(self, label: str) -> str | None:
        """The layer a label names, or None. Framework default names (``conv2d_1``) only
        name a layer called exactly so: Keras numbers them per session (issue 11)."""
        written = self.written.get(label)  # as the exercise writes it: most labels
        if written is not None:
            return written
        text = label.strip()
        exact = self.exact.get(text.casefold())
        if exact is not None:
            return exact
        if default_type(text) is not None:
            return None
        return self.folded.get(normalize(text))

    def prefixed(self, key: str) -> tuple[str, str] | None:
        """``conv1.params`` or ``block.1 output shape`` -> (layer, the rest), longest name first."""
        low = key.casefold()
        best = None
        for name in self.names:
            folded = name.casefold()
            if low.startswith(folded) and len(low) > len(folded) and not low[len(folded)].isalnum():
                if best is None or len(name) > len(best):
                    best = name
        return (best, key[len(best):]) if best else None

    def is_input(self, label: str) -> bool:
        return normalize(label) in self.inputs


@functools.lru_cache(maxsize=256)
def layer_lookup(names: tuple[str, ...], inputs: tuple[str, ...] = ()) -> LayerLookup:
    """The lookup for an exercise's layer names (``tuple(exercise.layer_names)``)."""
    return LayerLookup(names, inputs)


_SPLIT = re.compile(r"[._\s/:#-]+")


def split_key(key: str, lookup: LayerLookup) -> Key | None:
    """``conv1.params``, ``conv1 output shape``, ``conv1_output_shape`` -> (layer label, quantity).

    The exercise's names are tried first (``block.1.params``); the layer label may be any
    other word (matched by order later). ``None`` when no quantity ends the key."""
    found = lookup.prefixed(key)
    if found is not None:
        quantity = quantity_of(found[1])
        if quantity:
            return found[0], quantity
    for m in _SPLIT.finditer(key):
        head, tail = key[:m.start()], key[m.end():]
        quantity = quantity_of(tail)
        if head and quantity:
            return head, quantity
    return None


# -- layer kinds in labels -------------------------------------------------------------------------

# The family a row label suggests (``maxpool1`` is a pooling layer): used to align rows with
# layers by kind when their counts differ.
_FAMILY_OF_LABEL = (
    ("input", r"^input|^in$"),
    ("conv", r"conv|convolution"),
    ("pool", r"pool"),
    ("flatten", r"flat"),
    ("dropout", r"drop"),
    ("norm", r"norm|^bn\d*$|batchnorm"),
    ("rnn", r"lstm|gru|rnn"),
    ("embed", r"embed"),
    ("merge", r"^add|concat|^cat\d*$|merge|multiply|^mul\d*$|average"),
    ("attention", r"attention|^mha"),
    ("act", r"relu|softmax|sigmoid|tanh|activation|gelu"),
    ("pad", r"pad|crop"),
    ("upsample", r"upsampl|upscale"),
    ("reshape", r"reshape|permute|repeat|unflatten"),
    ("dense", r"dense|^fc|linear|fully|^out|^hidden|^classifier|^logits|^head"),
)
_FAMILY_OF_TYPE = (
    ("norm", r"Norm"),
    ("pool", r"Pool"),
    ("conv", r"Conv"),
    ("dense", r"^(Dense|Linear)$"),
    ("flatten", r"^Flatten$"),
    ("dropout", r"Dropout"),
    ("rnn", r"LSTM|GRU|RNN|Bidirectional"),
    ("embed", r"Embedding"),
    ("merge", r"^(Add|Subtract|Multiply|Average|Maximum|Minimum|Concatenate|Cat|Mul)$"),
    ("attention", r"Attention"),
    ("pad", r"Pad|Cropping"),
    ("upsample", r"UpSampling|Upsample"),
    ("reshape", r"Reshape|Permute|RepeatVector|Unflatten"),
    ("input", r"^(Input|InputLayer)$"),
    ("act", r"^(Activation|ReLU|LeakyReLU|ELU|Softmax|Sigmoid|Tanh|GELU|SiLU|PReLU|ReLU6|LogSoftmax|Mish)$"),
)


@functools.lru_cache(maxsize=4096)
def family_of_label(label: str) -> str | None:
    text = normalize(label)
    for family, pattern in _FAMILY_OF_LABEL:
        if re.search(pattern, text):
            return family
    return None


@functools.lru_cache(maxsize=4096)
def family_of_type(type_name: str) -> str:
    for family, pattern in _FAMILY_OF_TYPE:
        if re.search(pattern, type_name):
            return family
    return type_name.lower()


@functools.lru_cache(maxsize=1)
def _default_names() -> dict[str, str]:
    """Keras' default layer names (``max_pooling2d``) -> the class, from the layer registry."""
    out: dict[str, str] = {}
    for framework in FRAMEWORKS:
        for kind in kinds(framework).values():
            out.setdefault(snake_case(kind.type), kind.type)
    return out


_GENERIC_KINDS = frozenset({"conv", "convolution", "convolutional", "pool", "pooling", "maxpool", "maxpooling",
                            "avgpool", "averagepooling", "fullyconnected", "fc", "hidden", "input", "output",
                            "batchnorm", "norm", "activation", "recurrent", "attention"})


@functools.lru_cache(maxsize=4096)
def is_type_word(label: str) -> bool:
    """``Conv2D``, ``dense layer``, ``MaxPooling``: a label that says the kind of layer, not its name."""
    stem = normalize(label).removesuffix("layer")
    if stem in _GENERIC_KINDS:
        return True
    return stem in {normalize(kind) for kind in _default_names().values()}


_DEFAULT_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)(?:_(?P<n>\d+))?$")


@functools.lru_cache(maxsize=4096)
def default_type(label: str) -> str | None:
    """The class of a framework's default layer name (``conv2d_1`` -> ``Conv2D``), or None.

    Keras names layers ``<snake_case class>`` then ``_1``, ``_2``… per session; PyTorch's
    ``nn.Sequential`` names them ``0``, ``1``, … (no class: ``""``)."""
    text = label.strip()
    if text.isdigit():
        return ""
    m = _DEFAULT_NAME.match(text)
    if not m:
        return None
    return _default_names().get(m.group("base"))


# -- quantities in sentences (form questions, prose) ----------------------------------------------

PHRASES = (  # checked in order; a match is blanked out so "non-trainable" is not also "trainable"
    ("non_trainable_params", r"\bnon[\s_-]*trainable\b"),
    ("trainable_params", r"\btrainable\b"),
    ("macs", r"\b(macs?|mult[\s-]*adds|multiply[\s-]*(accumulates?|adds))\b"),
    ("output_shape", r"\b(shape|size|dimensions?|dims|feature\s+maps?)\b"),
    ("params", r"\b(params?|parameters?|weights|param\s*#)"),
)
#: words of a sentence about the whole model (``in total``, ``the network has …``)
MODEL_WORDS = r"\b(total|sum|overall|altogether|network|model)\b"
#: the words for parameters after a count in prose (``1,792 learnable parameters``)
PARAMS_AFTER = r"(?:learnable\s+|trainable\s+)?param(?:eter)?s\b"


def lookup_of(exercise) -> LayerLookup:
    """The lookup of an exercise's layer and input names."""
    return layer_lookup(tuple(exercise.by_name), tuple(exercise.inputs))  # (by_name: the names, in order)


def strict_key(title: str, exercise) -> Key | None:
    """``<layer>.<quantity>`` or ``<layer> <quantity>`` (case, spaces, punctuation ignored),
    or a total (``total params``)."""
    lookup = lookup_of(exercise)
    total = total_of(title)
    if total and lookup.find(title) is None:
        return (None, total)
    text = normalize(title)
    for name in sorted(lookup.names, key=lambda n: -len(normalize(n))):
        norm = normalize(name)
        if norm and text.startswith(norm) and text[len(norm):] in _QUANTITY_OF:
            return (name, _QUANTITY_OF[text[len(norm):]])
    return None


def question_key(title: str, exercise) -> Key | None:
    """The key of a column titled by its question: one layer and one quantity named in it.

    ``What is the output shape of conv1?`` -> ``("conv1", "output_shape")``; ``Total number
    of parameters`` -> ``(None, "total_params")``. A title naming two layers or two
    quantities is left alone (map it with the exercise's ``form: columns``).
    """
    key = strict_key(title, exercise)
    if key:
        return key
    lookup = lookup_of(exercise)
    text = title.lower()
    words = re.findall(r"\w+", text)
    found = {lookup.folded[normalize(w)] for w in words if normalize(w) in lookup.folded}
    found |= {lookup.folded[normalize(a + b)] for a, b in zip(words, words[1:]) if normalize(a + b) in lookup.folded}
    if len(found) > 1:
        return None
    layer = next(iter(found), None)
    if layer is not None:  # the layer's own name must not read as a quantity ("output" layer)
        text = re.sub(r"\b" + re.escape(layer.lower()) + r"\b", " ", text)
    quantities = []
    for quantity, pattern in PHRASES:
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
