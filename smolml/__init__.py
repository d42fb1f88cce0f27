"""``import smolml``: SmolML's user-facing API under the distribution's own name.

Everything here is the very object ``smolml_core`` or ``smolml_std`` defines, not a copy, so
``smolml.MLArray is smolml_core.MLArray``. The names are the core's public ones
(``smolml_core.__all__``) and the standard components the tutorial imports::

    import smolml

    model = smolml.NeuralNetwork(
        layers=[smolml.DenseLayer(2, 1, activation_function="tanh")],
        loss_function=smolml.losses.mse_loss,
        optimizer=smolml.optimizers.SGD(learning_rate=0.1),
    )

``smolml_core`` stays the real home, and the one the documentation and plugins import from:
a plugin imports only ``smolml_core``, since this package also loads the standard plugin's
modules. Submodules (``smolml_core.datasets``, ``smolml_core.testing``) are imported from there.
"""

import smolml_core as _core
from smolml_core import *  # noqa: F403
from smolml_std import activation, initializers, losses, optimizers
from smolml_std.layers import DenseLayer

__version__ = _core.__version__

__all__ = [*_core.__all__, "DenseLayer", "activation", "losses", "optimizers", "initializers"]
