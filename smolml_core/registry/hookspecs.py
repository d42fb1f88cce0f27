"""The hooks a SmolML plugin implements: one per kind of component.

A plugin is a module (or any object) with functions marked ``@hookimpl`` and
named after these hooks, declared in its distribution's ``pyproject.toml``::

    [project.entry-points.smolml]
    my_plugin = "my_package.plugin"

SmolML imports it on the first registry lookup and calls each hook once with a
``register`` function bound to that kind and that plugin:

    ``register(name: str, obj: object, *, aliases: Iterable[str] = (), example: dict | None = None) -> None``

``name`` is the component's snake_case name (looked up case-insensitively),
``aliases`` are extra short names, and ``example`` holds parameters that
build a working instance (a layer's sizes), used by the test kit and shown by
``smolml components show``. Registering a name that another plugin
already registered is an error naming both plugins.

A component is rebuilt from its name plus JSON-compatible parameters: a class is
a factory (``{"type": "adam", "learning_rate": 0.01}`` calls ``Adam(learning_rate=0.01)``),
a function is the component itself (parameters, if any, are bound by keyword).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any, Protocol

import pluggy

from .kinds import HOOKS, NETWORK_KINDS

__all__ = ["HOOKS", "NETWORK_KINDS", "Register", "hookimpl", "hookspec", "plugin_manager"]

hookspec = pluggy.HookspecMarker("smolml")
hookimpl = pluggy.HookimplMarker("smolml")


class Register(Protocol):
    """The ``register`` callable every hook receives."""

    def __call__(self, name: str, obj: Any, *, aliases: Any = (), example: Any = None) -> None: ...


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
    A loss whose function has the attribute ``takes_labels = True`` is given
    one class label per row as ``y_true`` instead (shape ``(n,)`` or ``(n, 1)``).

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
    arguments are remembered, so it can be rebuilt by name. Optionally it says
    what it outputs (``output_shape``), so that widths are checked when a
    network is built, and which parameters its input determines
    (``input_parameters``), so that a config may leave them out.

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


@hookspec
def smolml_register_metrics(register: Register) -> None:
    """Register metrics: numbers reported while training and by ``evaluate``, never differentiated.

    A metric is called as ``metric(y_pred, y_true)`` with two numpy arrays of
    the same shape (the network's output and the targets) and returns a float.
    It runs outside the graph, so plain numpy is all it needs. Its docstring
    should give the formula. Extra keyword parameters (with defaults) become its
    configurable parameters. The history and ``evaluate`` key it by its
    registered name.

    :param register: ``register(name, function, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_metrics(register):
            def max_error(y_pred, y_true):
                \"\"\"max |y_pred - y_true|.\"\"\"
                return float(np.max(np.abs(y_pred - y_true)))

            register("max_error", max_error)
    """


@hookspec
def smolml_register_schedules(register: Register) -> None:
    """Register learning-rate schedules.

    A schedule is a subclass of ``smolml_core.Schedule`` that implements
    ``__call__(epoch, base_lr)``: the learning rate for the epoch numbered
    ``epoch`` (counted from 0 over the network's life), given the optimizer's
    own rate ``base_lr``. The trainer sets it at the start of every epoch.

    :param register: ``register(name, schedule_class, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_schedules(register):
            class Halving(Schedule):
                \"\"\"lr = base_lr / 2^(epoch // every).\"\"\"

                def __init__(self, every: int = 10):
                    self.every = every

                def __call__(self, epoch, base_lr):
                    return base_lr / 2 ** (epoch // self.every)

            register("halving", Halving)
    """


@hookspec
def smolml_register_callbacks(register: Register) -> None:
    """Register training callbacks, such as loggers.

    A callback is a subclass of ``smolml_core.Callback`` that overrides any of
    ``on_train_begin(network, logs)``, ``on_epoch_end(network, epoch, logs)``
    and ``on_train_end(network, logs)``; ``logs`` is a dict of the epoch's
    values (``"loss"``, metrics, ``"val_loss"``, ``"lr"``). Setting
    ``network.stop_training = True`` ends training after the current epoch.
    Users pick it by name: ``train(..., callbacks=["my_logger"])``.

    :param register: ``register(name, callback_class, *, aliases=())``.

    Example::

        @hookimpl
        def smolml_register_callbacks(register):
            class PrintLoss(Callback):
                \"\"\"Print the loss every ``every`` epochs.\"\"\"

                def __init__(self, every: int = 10):
                    self.every = every

                def on_epoch_end(self, network, epoch, logs):
                    if epoch % self.every == 0:
                        print(epoch, logs["loss"])

            register("print_loss", PrintLoss)
    """


@hookspec
def smolml_register_primitives(register: Register) -> None:
    """Register differentiable operations (primitives) that layers and activations can call.

    A primitive is made by ``smolml_core.primitive(name, forward, *vjps)``: a
    numpy ``forward(*inputs, **settings)`` and, per positional argument, a
    vector-Jacobian product ``vjp(g, ans, *inputs, **settings)`` returning the
    gradient for that argument (or ``smolml_core.CONSTANT``). Calling it on
    ``MLArray``s records it into the graph like the core's own operations.
    Give ``example={"inputs": [shape, ...], "kwargs": {...}}`` so the test kit
    can check its vjps against finite differences.

    :param register: ``register(name, operation, *, aliases=(), example=None)``.

    Example::

        @hookimpl
        def smolml_register_primitives(register):
            def cube(x):
                \"\"\"x^3, element by element.\"\"\"
                return x * x * x

            # d(x^3)/dx = 3 x^2
            cube_op = primitive("cube", cube, lambda g, ans, x: g * 3 * x * x)
            register("cube", cube_op, example={"inputs": [(2, 3)]})
    """


def plugin_manager() -> pluggy.PluginManager:
    """A new plugin manager that knows these hooks; the loader makes one for each registry it fills.

    There is one hookspec here per row of the table of kinds (``kinds.py``),
    named by the row's ``hook``; ``HOOKS`` and ``NETWORK_KINDS`` come from that table.
    """
    manager = _PluginManager("smolml")
    manager.add_hookspecs(sys.modules[__name__])
    return manager


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, reading only the attributes of a plugin that can be hook functions.

    pluggy reads every name ``dir(plugin)`` lists; for a module that imports
    lazily (a module ``__getattr__``), that would import each optional
    dependency, or fail when one is missing. Here a name is read only if it has
    the hooks' prefix or is a function found on the plugin without running its
    code (``inspect.getattr_static``), which a ``@hookimpl(specname=...)`` is.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if not name.startswith("smolml_"):
            try:
                found = inspect.getattr_static(plugin, name)
            except AttributeError:
                return None
            if not inspect.isroutine(found):
                return None
        return super().parse_hookimpl_opts(plugin, name)
