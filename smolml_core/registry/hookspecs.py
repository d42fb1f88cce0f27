"""The hooks a SmolML plugin implements: one per kind of component.

A plugin is a module (or any object) with functions marked ``@hookimpl`` and
named after these hooks, declared in its distribution's ``pyproject.toml``::

    [project.entry-points.smolml]
    my_plugin = "my_package.plugin"

SmolML imports it on the first registry lookup and calls each hook once with a
``register`` function bound to that kind and that plugin:

    ``register(name: str, obj: object, *, aliases: Iterable[str] = ()) -> None``

``name`` is the component's snake_case name (looked up case-insensitively),
``aliases`` are extra short names. Registering a name that another plugin
already registered is an error naming both plugins.

A component is rebuilt from its name plus JSON-compatible parameters: a class is
a factory (``{"type": "adam", "learning_rate": 0.01}`` calls ``Adam(learning_rate=0.01)``),
a function is the component itself (parameters, if any, are bound by keyword).
"""

from __future__ import annotations

from typing import Any, Protocol

import pluggy

__all__ = ["HOOKS", "Register", "hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("smolml")
hookimpl = pluggy.HookimplMarker("smolml")


class Register(Protocol):
    """The ``register`` callable every hook receives."""

    def __call__(self, name: str, obj: Any, *, aliases: Any = ()) -> None: ...


@hookspec
def smolml_register_activations(register: Register) -> None:
    """Register activation functions.

    An activation takes one ``MLArray`` and returns an ``MLArray`` of the same
    shape, written with ``MLArray`` operations so its gradient is automatic.
    Extra keyword parameters (with defaults) become its configurable parameters.

    :param register: ``register(name, function, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_activations(register):
            def softsign(x):
                \"\"\"x / (1 + |x|).\"\"\"
                return x / (1 + x.abs())

            register("softsign", softsign)
    """


@hookspec
def smolml_register_losses(register: Register) -> None:
    """Register loss functions.

    A loss is called as ``loss(y_pred, y_true)`` with two ``MLArray``s of the
    same shape and returns a single-number ``MLArray`` (the mean over samples).

    :param register: ``register(name, function, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_losses(register):
            def log_cosh(y_pred, y_true):
                \"\"\"mean(log(cosh(y_pred - y_true))).\"\"\"
                d = y_pred - y_true
                return ((d.exp() + (-d).exp()) / 2).log().mean()

            register("log_cosh", log_cosh)
    """


@hookspec
def smolml_register_optimizers(register: Register) -> None:
    """Register optimizers.

    An optimizer is a subclass of ``smolml_core.Optimizer`` that implements
    ``step(value, grad, state)``: update the numpy array ``value`` in place from
    ``grad``, keeping per-parameter buffers in the dict ``state``.

    :param register: ``register(name, optimizer_class, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_optimizers(register):
            class SignSGD(Optimizer):
                \"\"\"theta <- theta - lr * sign(g).\"\"\"

                def step(self, value, grad, state):
                    value -= self.learning_rate * np.sign(grad)

            register("sign_sgd", SignSGD)
    """


@hookspec
def smolml_register_initializers(register: Register) -> None:
    """Register weight initializers.

    An initializer is a subclass of ``smolml_core.WeightInitializer`` that
    implements ``sample(shape, rng)`` and returns a numpy array of that shape,
    drawn from the numpy ``Generator`` it is given (so seeding works).

    :param register: ``register(name, initializer_class, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_initializers(register):
            class Constant(WeightInitializer):
                \"\"\"Every weight equal to ``value``.\"\"\"

                def __init__(self, value=0.1):
                    self.value = value

                def sample(self, shape, rng):
                    return np.full(shape, self.value)

            register("constant", Constant)
    """


@hookspec
def smolml_register_layers(register: Register) -> None:
    """Register layer types.

    A layer is a subclass of ``smolml_core.Layer``: it keeps its parameters as
    ``MLArray`` attributes and implements ``forward(X)``. Its constructor
    arguments are remembered, so it can be rebuilt by name.

    :param register: ``register(name, layer_class, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_layers(register):
            class Scale(Layer):
                \"\"\"y = x * s, one learned factor per feature.\"\"\"

                def __init__(self, size):
                    self.s = ones(1, size)

                def forward(self, X):
                    return X * self.s

            register("scale", Scale)
    """


HOOKS: dict[str, str] = {
    "activation": "smolml_register_activations",
    "loss": "smolml_register_losses",
    "optimizer": "smolml_register_optimizers",
    "initializer": "smolml_register_initializers",
    "layer": "smolml_register_layers",
}
"""Each kind of component and the hook that registers it."""
