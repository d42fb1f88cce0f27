"""SmolML: a small neural-network framework you can read, then keep using.

The core holds the math and the model: ``Value`` (scalar autograd), ``MLArray``
(n-d arrays with autograd), the ``Layer``/``Optimizer``/``WeightInitializer``
contracts, ``NeuralNetwork`` and its training loop (with the ``Callback`` and
``Schedule`` contracts). Every component chosen by name (activations, losses,
optimizers, initializers, layers, metrics, schedules, callbacks) comes from a
plugin through the registry; the standard set is the ``smolml_std`` plugin.
"""

from ._version import __version__ as __version__
from .array import (
    CONSTANT,
    ENGINES,
    NO_SCALAR,
    MLArray,
    Operation,
    is_grad_enabled,
    no_grad,
    ones,
    primitive,
    randn,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    unbroadcast,
    where,
    zeros,
)
from .config import build_network, load_config
from .drawing import to_dot, write_dot
from .errors import (
    ArraySizeError,
    ComponentError,
    ConfigError,
    DuplicateComponentError,
    ExportError,
    GraphError,
    InputMismatch,
    ModelFileError,
    NumericalError,
    PluginError,
    PluginWarning,
    ShapeError,
    SmolMLError,
    TrainingError,
    UnknownComponentError,
    UnusedParameterWarning,
)
from .nn import (
    Callback,
    Checkpoint,
    EarlyStopping,
    History,
    Layer,
    NeuralNetwork,
    Optimizer,
    Schedule,
    Shape,
    WeightInitializer,
    build_layer,
    build_layers,
    fans,
    is_training,
    train_step,
    training_mode,
)
from .persistence import load_network
from .registry import (
    KINDS,
    NETWORK_KINDS,
    Component,
    Configurable,
    Registry,
    get_registry,
    hookimpl,
    lookup,
    name_of,
    reference,
    register,
    resolve,
    scoped_registry,
    use_registry,
)
from .rng import get_rng, set_seed
from .value import Value

__all__ = [
    # autograd
    "Value",
    "MLArray",
    "ENGINES",
    "where",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "zeros",
    "ones",
    "randn",
    "no_grad",
    # operations from plugins
    "primitive",
    "Operation",
    "CONSTANT",
    "NO_SCALAR",
    "unbroadcast",
    "is_grad_enabled",
    "set_seed",
    "get_rng",
    "to_dot",
    "write_dot",
    # model and contracts
    "NeuralNetwork",
    "Layer",
    "Optimizer",
    "WeightInitializer",
    "fans",
    "Shape",
    "build_layer",
    "build_layers",
    "build_network",
    "load_config",
    "load_network",
    "Checkpoint",
    # training
    "History",
    "Callback",
    "EarlyStopping",
    "Schedule",
    "train_step",
    "is_training",
    "training_mode",
    # registry and plugins
    "KINDS",
    "NETWORK_KINDS",
    "hookimpl",
    "register",
    "lookup",
    "resolve",
    "name_of",
    "reference",
    "Registry",
    "Component",
    "Configurable",
    "get_registry",
    "use_registry",
    "scoped_registry",
    # errors
    "SmolMLError",
    "ConfigError",
    "ArraySizeError",
    "InputMismatch",
    "UnknownComponentError",
    "DuplicateComponentError",
    "PluginError",
    "PluginWarning",
    "UnusedParameterWarning",
    "ShapeError",
    "GraphError",
    "ModelFileError",
    "ComponentError",
    "ExportError",
    "NumericalError",
    "TrainingError",
]
