"""smolml-vision: convolution and pooling for SmolML, registered through the ``smolml`` entry point as ``vision``.

Install the distribution and the layers ``conv2d``, ``max_pool2d``,
``avg_pool2d`` and ``global_avg_pool2d`` are available by name, and the
primitives they are built on (``conv2d``, ``max_pool2d``, ``avg_pool2d``)
are listed by ``smolml components primitive``.
"""

__version__ = "0.1.0"
