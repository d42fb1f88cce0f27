"""The ``smolml`` command: ``train`` a network a config file describes, ``evaluate`` and ``predict`` with it.

One module per job: ``main`` (arguments, exit statuses), ``settings`` (the
config's ``[training]`` table), ``data`` (the ``[data]`` table and how it must
fit the network), ``train``, ``evaluate``, ``predict``, ``report`` (the final
metrics table) and ``errors`` (one-line messages).
"""

from .main import main

__all__ = ["main"]
