"""smolml-extras: more components for SmolML, registered through the ``smolml`` entry point as ``extras``.

Install the distribution and every component is available by name (``"gelu"``,
``"dropout"``, ``"adamw"``...) in Python and in config files; nothing needs to
be imported. The modules can also be used directly.
"""

__version__ = "0.1.0"
