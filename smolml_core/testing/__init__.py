"""Testing tools for people who write components.

``check_gradients(f, *inputs)`` compares autograd with finite differences for
any function built from ``MLArray`` operations, on either engine.
"""

from .gradients import check_gradients, numerical_gradient

__all__ = ["check_gradients", "numerical_gradient"]
