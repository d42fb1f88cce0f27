"""SmolML's standard components, shipped as a plugin like any other.

The modules are named as in the tutorial, so its code reads the same::

    import smolml_std.activation as activation
    import smolml_std.losses as losses
    import smolml_std.optimizers as optimizers
    import smolml_std.initializers as initializers
    from smolml_std.layers import DenseLayer

Training adds ``smolml_std.metrics``, ``smolml_std.schedules`` and
``smolml_std.callbacks``.

SmolML finds this package through the ``smolml`` entry point (``smolml_std.plugin``),
never by importing it directly.
"""
