"""Where each operation's mapping comes from: the core's tables, or the plugin that registered the operation.

The core's primitives have their mappings in ``onnx_ops`` and ``torch_ops``.
An operation a plugin adds with ``smolml_core.primitive(name, forward, *vjps,
onnx=..., torch=...)`` carries its own, and the registry knows which plugin
registered it, so a missing mapping is reported with the plugin to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..array.extension import Operation
from ..array.primitives import PRIMITIVES
from ..errors import ExportError
from ..registry import get_registry

if TYPE_CHECKING:
    from ..array.primitives import Primitive
    from .trace import Op

__all__ = ["TARGETS", "mappings"]

TARGETS = {"onnx": "an ONNX", "torch": "a PyTorch"}
"""The formats an operation may map to, and how messages name a mapping to each."""


def mappings(ops: Sequence[Op], target: str) -> list[Callable[..., Any]]:
    """The ``target`` mapping of each operation, in order; ``ExportError`` naming every one that has none."""
    from .onnx_ops import ONNX_OPS
    from .torch_ops import TORCH_OPS

    core = {"onnx": ONNX_OPS, "torch": TORCH_OPS}[target]
    plugin_ops = _registered_operations()
    found: list[Callable[..., Any]] = []
    missing: dict[str, str] = {}
    for op in ops:
        own = op.mappings.get(target) if op.mappings is not None else None
        mapping = own or _mapping(op.primitive, target, core, plugin_ops)
        if mapping is None:
            missing.setdefault(op.name, _describe_missing(op, plugin_ops, target))
        else:
            found.append(mapping)
    if missing:
        raise ExportError("; ".join(missing.values()))
    return found


def _mapping(
    prim: Primitive, target: str, core: dict[str, Any], plugin_ops: dict[int, tuple[Operation, str]]
) -> Callable[..., Any] | None:
    if PRIMITIVES.get(prim.name) is prim:
        return core.get(prim.name)
    entry = plugin_ops.get(id(prim))
    return None if entry is None else entry[0].mappings.get(target)


def _registered_operations() -> dict[int, tuple[Operation, str]]:
    """Each registered operation and who registered it, by the identity of its ``Primitive``."""
    return {
        id(component.obj.primitive): (component.obj, component.provider)
        for component in get_registry().components("primitive")
        if isinstance(component.obj, Operation)
    }


def _describe_missing(op: Op, plugin_ops: dict[int, tuple[Operation, str]], target: str) -> str:
    entry = plugin_ops.get(id(op.primitive))
    if entry is None and PRIMITIVES.get(op.name) is op.primitive:
        return f"the core's operation {op.name!r} (in {op.layer}) has no mapping to {target}"
    if entry is None:
        return (
            f"the operation {op.name!r} (in {op.layer}) is not registered, so nothing says how to write it "
            f"for {target}; register it (register('primitive', {op.name!r}, op)) with "
            f"primitive(..., {target}=...) giving {TARGETS[target]} mapping"
        )
    return (
        f"the operation {op.name!r} (in {op.layer}), registered by {entry[1]}, has no {target} mapping; "
        f"that plugin must give one: primitive({op.name!r}, ..., {target}=...)"
    )
