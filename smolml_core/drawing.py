"""Drawing a ``Value`` graph: Graphviz DOT text for everything a result depends on.

Seeing the graph is the quickest way to understand backpropagation: every value is
a box with its number and its gradient, every operation a small node between its
inputs and its result. ``to_dot`` returns that picture as DOT text, which Graphviz
(the ``dot`` program, or any online viewer) turns into an image; ``write_dot`` saves
it to a file. Nothing here needs Graphviz itself.

The text is deterministic: values are numbered in topological order from the
inputs (the order ``_prev`` lists them in), never by ``id()``, so the same
computation always gives the same text and drawings can be compared or kept in
version control.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path

from .array import MLArray
from .errors import GraphError
from .files import write_output
from .value import Value

__all__ = ["to_dot", "write_dot"]

RANKDIRS = ("LR", "RL", "TB", "BT")

# Characters with a meaning inside a DOT record label, and inside any quoted DOT string.
_RECORD_SPECIAL = {c: "\\" + c for c in '\\{}|<>"'}
_STRING_SPECIAL = {"\\": "\\\\", '"': '\\"'}


def to_dot(
    root: Value | MLArray,
    *,
    max_nodes: int = 300,
    labels: Mapping[Value, str] | None = None,
    rankdir: str = "LR",
) -> str:
    """Return Graphviz DOT text drawing ``root`` and every ``Value`` it depends on.

    Each value is a box showing its name (from ``labels``, if given), ``data`` and
    ``grad``; each operation is a small oval with edges from its inputs and to its
    result. A value used twice by one operation (``x * x``) gets two edges.

    ``labels`` maps Value objects to names such as ``"w1"``; Values named there
    that are not in this graph are ignored, so one dict can name all of a model's
    parameters. ``rankdir`` is Graphviz's layout direction: ``"LR"`` (left to
    right, the default), ``"RL"``, ``"TB"`` or ``"BT"``.

    ``root`` may also be a one-element ``MLArray`` on the scalar engine, such as
    a network's loss after ``network.set_engine("scalar")``.

    A graph with more than ``max_nodes`` values is refused with a ``GraphError``:
    a drawing that large is unreadable and slow to lay out, and is nearly always a
    whole training batch drawn by accident.
    """
    if isinstance(root, MLArray) and root.engine == "scalar" and root.size() == 1:
        root = root.value()
    if not isinstance(root, Value):
        hint = (
            " (an MLArray is drawn only on the scalar engine and with one element: use "
            "MLArray(..., engine='scalar') or network.set_engine('scalar'), and reduce it, e.g. .sum())"
            if isinstance(root, MLArray)
            else ""
        )
        raise TypeError(f"to_dot draws the graph behind a Value; root must be a Value, got {type(root).__name__}{hint}")
    if not isinstance(max_nodes, Integral) or isinstance(max_nodes, bool):
        raise TypeError(f"max_nodes must be a whole number, got {max_nodes!r}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    names = _label_names(labels)

    order = root._topological_order()
    if len(order) > max_nodes:
        raise GraphError(
            f"this graph has {len(order)} Values, more than max_nodes={max_nodes}; a drawing that big "
            "is too dense to read and slow to lay out. Draw a smaller computation (one sample, or a "
            f"smaller network), or pass max_nodes={len(order)} or more if you really want it all"
        )

    number = {id(node): i for i, node in enumerate(order)}
    operations = sum(1 for node in order if node._prev)
    lines = [
        f"// {_count(len(order), 'value')}, {_count(operations, 'operation')}; drawn by smolml_core.drawing.to_dot",
        "digraph smolml {",
        f"  rankdir={rankdir};",
        '  node [shape=record, fontname="Helvetica", fontsize=10];',
    ]
    for node in order:
        name = f"v{number[id(node)]}"
        fields = [f"data {_number_text(node.data)}", f"grad {_number_text(node.grad)}"]
        if id(node) in names:
            fields.insert(0, _record_escape(names[id(node)]))
        box = f'  {name} [label="{{ {" | ".join(fields)} }}"];'
        if not node._prev:
            lines.append(box)
            continue
        # Operation, its inputs, then the result: every line refers only to nodes declared above it.
        op = f"{name}_op"
        lines.append(f'  {op} [label="{_string_escape(node._op or "?")}", shape=oval, height=0.3];')
        lines.extend(f"  v{number[id(child)]} -> {op};" for child in node._prev)
        lines.extend([box, f"  {op} -> {name};"])
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(
    root: Value | MLArray,
    path: str | os.PathLike[str],
    *,
    max_nodes: int = 300,
    labels: Mapping[Value, str] | None = None,
    rankdir: str = "LR",
) -> Path:
    """Write ``to_dot(root, ...)`` to ``path`` atomically and return the path.

    The text is built first, so a refused or invalid graph never touches the file
    system. It is then written to a new temporary file in the same folder, flushed
    and synced to disk, and renamed over ``path`` in one step: whatever happens,
    ``path`` holds either its old content or the whole new drawing, never half of
    one, and no temporary file is left behind. A FIFO or a device (``/dev/stdout``) is written through,
    never replaced.
    """
    text = to_dot(root, max_nodes=max_nodes, labels=labels, rankdir=rankdir)
    return write_output(path, lambda file: file.write(text.encode("utf-8")))


def _label_names(labels: Mapping[Value, str] | None) -> dict[int, str]:
    """``labels`` checked and keyed by ``id()`` (values compare by identity anyway)."""
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise TypeError(f"labels must be a dict mapping Values to names, got {type(labels).__name__}")
    names: dict[int, str] = {}
    for value, name in labels.items():
        if not isinstance(value, Value):
            raise TypeError(f"labels keys must be Values, got {type(value).__name__} {value!r}")
        if not isinstance(name, str):
            raise TypeError(f"labels values must be strings, got {type(name).__name__} {name!r} for {value!r}")
        names[id(value)] = name
    return names


def _count(n: int, noun: str) -> str:
    """``"1 value"``, ``"10 values"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _number_text(x: float) -> str:
    """A number in at most four significant digits: ``0.7071``, ``-1.5``, ``1e+06``."""
    return f"{x:.4g}"


def _record_escape(text: str) -> str:
    """``text`` safe inside a quoted record label: special characters get a backslash."""
    escaped = "".join(_RECORD_SPECIAL.get(c, c) for c in text)
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _string_escape(text: str) -> str:
    """``text`` safe inside a plain quoted DOT string."""
    escaped = "".join(_STRING_SPECIAL.get(c, c) for c in text)
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
