"""The ``smolml`` command: ``train`` a network a config file describes, ``evaluate`` and ``predict`` with it;
list the ``plugins`` and the ``components`` they provide.

One module per job: ``main`` (arguments, exit statuses), ``settings`` (the
config's ``[training]`` table), ``data`` (the ``[data]`` table and how it must
fit the network), ``train``, ``evaluate``, ``predict``, ``report`` (the final
metrics table), ``plugins`` and ``components`` (with ``inspection``, what is
read from a component's signature and docs, and ``loading``, plugins loaded so
that none can crash the command) and ``errors`` (one-line messages).
"""

from .main import main

__all__ = ["main"]
