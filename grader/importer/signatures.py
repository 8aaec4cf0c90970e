"""What the importer knows of the two libraries' names: where their layers live, the order of
their positional constructor arguments, the Keras 1/2 spellings Keras 3 renamed, and the
PyTorch functions that stand for a layer (``F.relu``, ``F.max_pool2d``).

The positional orders are the leading parameters of each class's ``__init__`` (Keras 3.x,
PyTorch 2.x), up to the first initializer; ``tests/test_import_signatures.py`` checks them
against ``inspect.signature`` of the real classes.
"""
from __future__ import annotations

from ..layers import kinds

_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
         "activation", "use_bias")
_CONV_T = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate",
           "activation", "use_bias")
_DEPTHWISE = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
              "activation", "use_bias")
_SEPARABLE = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier",
              "activation", "use_bias")
_POOL = ("pool_size", "strides", "padding", "data_format")
_GLOBAL = ("data_format", "keepdims")

KERAS_POSITIONAL: dict[str, tuple[str, ...]] = {
    **{f"Conv{r}D": _CONV for r in (1, 2, 3)},
    "Conv1DTranspose": _CONV_T, "Conv2DTranspose": _CONV_T,
    "Conv3DTranspose": ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding",
                        "dilation_rate", "activation", "use_bias"),
    "DepthwiseConv1D": _DEPTHWISE, "DepthwiseConv2D": _DEPTHWISE,
    "SeparableConv1D": _SEPARABLE, "SeparableConv2D": _SEPARABLE,
    **{f"{op}Pooling{r}D": _POOL for op in ("Max", "Average") for r in (1, 2, 3)},
    **{f"Global{op}Pooling{r}D": _GLOBAL for op in ("Max", "Average") for r in (1, 2, 3)},
    "Activation": ("activation",), "ActivityRegularization": ("l1", "l2"),
    "AlphaDropout": ("rate", "noise_shape"), "Dropout": ("rate", "noise_shape"),
    "GaussianDropout": ("rate",), "GaussianNoise": ("stddev",),
    "SpatialDropout1D": ("rate",), "SpatialDropout2D": ("rate", "data_format"),
    "SpatialDropout3D": ("rate", "data_format"),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
    "GroupNormalization": ("groups", "axis", "epsilon", "center", "scale"),
    "LayerNormalization": ("axis", "epsilon", "center", "scale"),
    "RMSNormalization": ("axis", "epsilon"), "UnitNormalization": ("axis",),
    "Bidirectional": ("layer", "merge_mode"), "TimeDistributed": ("layer",),
    "CenterCrop": ("height", "width", "data_format"), "Concatenate": ("axis",),
    "Cropping1D": ("cropping",), "Cropping2D": ("cropping", "data_format"),
    "Cropping3D": ("cropping", "data_format"),
    "Dense": ("units", "activation", "use_bias"), "Dot": ("axes", "normalize"),
    "ELU": ("alpha",), "LeakyReLU": ("negative_slope",), "ReLU": ("max_value", "negative_slope", "threshold"),
    "Softmax": ("axis",), "Embedding": ("input_dim", "output_dim"), "Flatten": ("data_format",),
    "GRU": ("units", "activation", "recurrent_activation", "use_bias"),
    "LSTM": ("units", "activation", "recurrent_activation", "use_bias"),
    "SimpleRNN": ("units", "activation", "use_bias"),
    "InputLayer": ("shape", "batch_size"), "Masking": ("mask_value",),
    "MultiHeadAttention": ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape"),
    "Permute": ("dims",), "RepeatVector": ("n",), "Reshape": ("target_shape",),
    "RandomBrightness": ("factor", "value_range"), "RandomContrast": ("factor", "value_range"),
    "RandomCrop": ("height", "width"), "RandomFlip": ("mode",),
    "RandomRotation": ("factor", "fill_mode", "interpolation"),
    "RandomTranslation": ("height_factor", "width_factor", "fill_mode", "interpolation"),
    "RandomZoom": ("height_factor", "width_factor", "fill_mode", "interpolation"),
    "Rescaling": ("scale", "offset"),
    "Resizing": ("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio"),
    "UpSampling1D": ("size",), "UpSampling2D": ("size", "data_format", "interpolation"),
    "UpSampling3D": ("size", "data_format"),
    "ZeroPadding1D": ("padding", "data_format"), "ZeroPadding2D": ("padding", "data_format"),
    "ZeroPadding3D": ("padding", "data_format"),
}

_TCONV = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
          "padding_mode")
_TCONV_T = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups",
            "bias", "dilation", "padding_mode")
_TNORM = ("num_features", "eps", "momentum", "affine", "track_running_stats")
_TMAXPOOL = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
_TAVGPOOL = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
# nn.RNN/LSTM/GRU take *args: the order of RNNBase.__init__ after `mode`
_TRNN = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size")

TORCH_POSITIONAL: dict[str, tuple[str, ...]] = {
    **{f"Conv{r}d": _TCONV for r in (1, 2, 3)},
    **{f"ConvTranspose{r}d": _TCONV_T for r in (1, 2, 3)},
    **{f"BatchNorm{r}d": _TNORM for r in (1, 2, 3)},
    **{f"InstanceNorm{r}d": _TNORM for r in (1, 2, 3)},
    **{f"MaxPool{r}d": _TMAXPOOL for r in (1, 2, 3)},
    "AvgPool1d": _TAVGPOOL[:-1], "AvgPool2d": _TAVGPOOL, "AvgPool3d": _TAVGPOOL,
    **{f"Adaptive{op}Pool{r}d": ("output_size",) for op in ("Avg", "Max") for r in (1, 2, 3)},
    **{f"{pad}{r}d": ("padding",) for pad in ("CircularPad", "ReflectionPad", "ReplicationPad", "ZeroPad")
       for r in (1, 2, 3)},
    **{f"ConstantPad{r}d": ("padding", "value") for r in (1, 2, 3)},
    **{name: ("p", "inplace") for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")},
    **{name: ("inplace",) for name in ("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardsigmoid", "Hardswish")},
    **{name: _TRNN for name in ("RNN", "LSTM", "GRU")},
    "Linear": ("in_features", "out_features", "bias"), "Flatten": ("start_dim", "end_dim"),
    "Unflatten": ("dim", "unflattened_size"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                  "scale_grad_by_freq", "sparse"),
    "ELU": ("alpha", "inplace"), "CELU": ("alpha", "inplace"), "LeakyReLU": ("negative_slope", "inplace"),
    "GELU": ("approximate",), "GLU": ("dim",), "Softmax": ("dim",), "LogSoftmax": ("dim",), "Softmin": ("dim",),
    "Softplus": ("beta", "threshold"), "Softshrink": ("lambd",), "Hardshrink": ("lambd",),
    "Hardtanh": ("min_val", "max_val", "inplace"), "RReLU": ("lower", "upper", "inplace"),
    "Threshold": ("threshold", "value", "inplace"), "PReLU": ("num_parameters", "init"),
    "GroupNorm": ("num_groups", "num_channels", "eps", "affine"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "RMSNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "LocalResponseNorm": ("size", "alpha", "beta", "k"), "ChannelShuffle": ("groups",),
    "PixelShuffle": ("upscale_factor",), "PixelUnshuffle": ("downscale_factor",),
    "MultiheadAttention": ("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim",
                           "vdim", "batch_first"),
    "TransformerEncoderLayer": ("d_model", "nhead", "dim_feedforward", "dropout", "activation",
                                "layer_norm_eps", "batch_first", "norm_first", "bias"),
    "Upsample": ("size", "scale_factor", "mode", "align_corners"),
    "UpsamplingBilinear2d": ("size", "scale_factor"), "UpsamplingNearest2d": ("size", "scale_factor"),
}

# The defaults of the arguments that change no count but are worth keeping when they differ
# (activation="relu", epsilon=1e-6): written only when the code gives another value
_RNN = {"activation": "tanh", "recurrent_activation": "sigmoid", "dropout": 0.0, "recurrent_dropout": 0.0}
_TORCH_NORM = {"eps": 1e-05, "momentum": 0.1}
IGNORED_DEFAULTS: dict[tuple[str, str], dict] = {
    **{("keras", t): {"activation": None} for t in (
        "Dense", "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
        "SeparableConv2D",
        "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")},
    ("keras", "LSTM"): _RNN, ("keras", "GRU"): _RNN,
    ("keras", "SimpleRNN"): {"activation": "tanh", "dropout": 0.0, "recurrent_dropout": 0.0},
    ("keras", "BatchNormalization"): {"momentum": 0.99, "epsilon": 0.001},
    ("keras", "LayerNormalization"): {"epsilon": 0.001}, ("keras", "GroupNormalization"): {"epsilon": 0.001},
    ("keras", "RMSNormalization"): {"epsilon": 1e-06}, ("keras", "ELU"): {"alpha": 1.0},
    ("keras", "Embedding"): {"mask_zero": False}, ("keras", "LeakyReLU"): {"negative_slope": 0.3},
    ("keras", "MultiHeadAttention"): {"dropout": 0.0},
    ("keras", "ReLU"): {"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
    **{("pytorch", f"{n}{r}d"): _TORCH_NORM for n in ("BatchNorm", "InstanceNorm") for r in (1, 2, 3)},
    ("pytorch", "GroupNorm"): {"eps": 1e-05}, ("pytorch", "LayerNorm"): {"eps": 1e-05},
    ("pytorch", "LeakyReLU"): {"negative_slope": 0.01}, ("pytorch", "ELU"): {"alpha": 1.0},
    ("pytorch", "CELU"): {"alpha": 1.0}, ("pytorch", "MultiheadAttention"): {"dropout": 0.0},
    ("pytorch", "TransformerEncoderLayer"): {"dropout": 0.1}, ("pytorch", "RMSNorm"): {"eps": None},
}

# nn.LazyConv2d(out_channels, ...) is nn.Conv2d without its first argument, inferred at the first call
TORCH_LAZY = {
    **{f"LazyConv{r}d": f"Conv{r}d" for r in (1, 2, 3)},
    **{f"LazyConvTranspose{r}d": f"ConvTranspose{r}d" for r in (1, 2, 3)},
    **{f"LazyBatchNorm{r}d": f"BatchNorm{r}d" for r in (1, 2, 3)},
    **{f"LazyInstanceNorm{r}d": f"InstanceNorm{r}d" for r in (1, 2, 3)},
    "LazyLinear": "Linear",
}

# Keras 1/2 layer names that Keras 3 no longer has: (Keras 3 type, argument renames)
KERAS_OLD_TYPES = {
    "CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU", "ThresholdedReLU": "ReLU",
}
# Keras 1/2 argument spellings: per type, and for every type ("*")
KERAS_OLD_ARGS = {
    "*": {"border_mode": "padding", "subsample": "strides", "nb_filter": "filters", "dim_ordering": "data_format",
          "init": "kernel_initializer", "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
          "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "subsample_length": "strides",
          "filter_length": "kernel_size", "pool_length": "pool_size"},
    "Dense": {"output_dim": "units"},
    "LeakyReLU": {"alpha": "negative_slope"},
    "ThresholdedReLU": {"theta": "threshold"},
    "Dropout": {"p": "rate"},
    "SpatialDropout2D": {"p": "rate"},
    "LSTM": {"output_dim": "units"}, "GRU": {"output_dim": "units"}, "SimpleRNN": {"output_dim": "units"},
}
_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first"}

# keras.layers.add([a, b]) and the other merge functions of the functional API
KERAS_MERGE_FUNCTIONS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average",
                         "maximum": "Maximum", "minimum": "Minimum", "concatenate": "Concatenate", "dot": "Dot"}

# PyTorch functions that are a layer: name -> (layer type, the function's arguments after the input)
_FPOOL = {"max": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
          "avg": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")}
TORCH_FUNCTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ("inplace",)), "relu_": ("ReLU", ()), "relu6": ("ReLU6", ("inplace",)),
    "elu": ("ELU", ("alpha", "inplace")), "selu": ("SELU", ("inplace",)), "celu": ("CELU", ("alpha", "inplace")),
    "leaky_relu": ("LeakyReLU", ("negative_slope", "inplace")), "gelu": ("GELU", ()),
    "silu": ("SiLU", ("inplace",)), "mish": ("Mish", ("inplace",)), "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()), "hardswish": ("Hardswish", ("inplace",)), "hardsigmoid": ("Hardsigmoid", ("inplace",)),
    "softplus": ("Softplus", ("beta", "threshold")), "logsigmoid": ("LogSigmoid", ()),
    "softmax": ("Softmax", ("dim",)), "log_softmax": ("LogSoftmax", ("dim",)), "softmin": ("Softmin", ("dim",)),
    **{f"{op}_pool{r}d": (f"{op.title()}Pool{r}d", args) for op, args in _FPOOL.items() for r in (1, 2, 3)},
    **{f"adaptive_{op}_pool{r}d": (f"Adaptive{op.title()}Pool{r}d", ("output_size",))
       for op in ("avg", "max") for r in (1, 2, 3)},
    "dropout": ("Dropout", ("p", "training", "inplace")),
    **{f"dropout{r}d": (f"Dropout{r}d", ("p", "training", "inplace")) for r in (1, 2, 3)},
    "flatten": ("Flatten", ("start_dim", "end_dim")),
    "pixel_shuffle": ("PixelShuffle", ("upscale_factor",)),
}
# the tensor methods that are the same functions: x.relu(), x.flatten(1), x.softmax(dim=1)
TORCH_METHODS = ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "flatten")
# function arguments that are no layer argument
_TORCH_CALL_ONLY = frozenset({"training", "_stacklevel", "dtype"})

_GRAPH_KINDS = frozenset({"Add", "Multiply", "Mul", "Cat", "Concatenate"})
TORCH_EXAMPLES = frozenset({"randn", "rand", "zeros", "ones", "empty"})


def normalise_path(path: str) -> str:
    """One spelling per library: ``tf.keras.layers.X`` and ``keras.src.layers.core.X`` are
    ``keras.layers.X``; ``torch.nn.modules.conv.Conv2d`` is ``torch.nn.Conv2d``."""
    for prefix in ("tensorflow.python.keras.", "tensorflow.keras.", "tf_keras.", "keras.src.", "tensorflow.compat.v1.keras."):
        if path.startswith(prefix):
            path = "keras." + path[len(prefix):]
            break
    parts = path.split(".")
    if parts[:2] == ["keras", "layers"] and len(parts) > 3:
        # keras.layers.core.Dense, keras.layers.experimental.preprocessing.Rescaling
        path = "keras.layers." + parts[-1]
    elif parts[:3] == ["torch", "nn", "modules"] and len(parts) > 4:
        path = "torch.nn." + parts[-1]
    return path


def keras_class(path: str) -> str | None:
    """The Keras class a normalised path names (``Conv2D``, ``Sequential``, ``Input``...)."""
    parts = path.split(".")
    if parts[0] != "keras" or len(parts) < 2:
        return None
    name = parts[-1]
    if len(parts) == 2 or parts[1] in ("layers", "models", "engine", "Model"):
        if name in ("Sequential", "Model", "Functional", "Input", "InputLayer"):
            return name
        if parts[1] == "layers" and (name in kinds("keras") or name in KERAS_OLD_TYPES
                                      or name in KERAS_MERGE_FUNCTIONS):
            return name
    if path in ("keras.backend.image_data_format", "keras.backend.image_dim_ordering"):
        return name
    return None


def keras_arguments(type_name: str, kwargs: dict) -> tuple[dict, dict[str, str]]:
    """Keras 1/2 argument spellings in Keras 3's, and what was renamed (for the notes)."""
    renames = {**KERAS_OLD_ARGS["*"], **KERAS_OLD_ARGS.get(type_name, {})}
    out, renamed = {}, {}
    for key, value in kwargs.items():
        new = renames.get(key, key)
        if key == "dim_ordering" and value in _DIM_ORDERING:
            value = _DIM_ORDERING[value]
        if new != key:
            renamed[key] = new
        out[new] = value
    return out, renamed


def torch_class(path: str) -> str | None:
    """The torch.nn class (or Lazy class) a normalised path names."""
    parts = path.split(".")
    if parts[:2] != ["torch", "nn"] or len(parts) != 3:
        return None
    name = parts[2]
    if name in _GRAPH_KINDS:
        return None  # grader's names for torch.add / torch.cat, not nn classes
    if name in kinds("pytorch") or name in TORCH_LAZY or name in ("Sequential", "ModuleList", "ModuleDict",
                                                                   "Module"):
        return name
    return None


def torch_function(path: str) -> str | None:
    """``relu`` for ``torch.nn.functional.relu`` or ``torch.relu``; ``cat``/``add``/``mul``
    for the graph functions."""
    parts = path.split(".")
    if parts[:3] == ["torch", "nn", "functional"] and len(parts) == 4:
        name = parts[3]
    elif parts[0] == "torch" and len(parts) == 2:
        name = parts[1]
    else:
        return None
    if name in TORCH_FUNCTIONS or name in ("cat", "concat", "concatenate", "add", "mul", "multiply"):
        return name
    return None


def call_only(name: str) -> bool:
    return name in _TORCH_CALL_ONLY
