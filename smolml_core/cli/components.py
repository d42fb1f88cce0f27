"""``smolml components``: the registered components, filtered by kind and pattern, or one of them in detail.

``smolml components [KIND] [PATTERN]`` prints a table (kind, name, aliases,
provider, the docstring's first line); PATTERN is a shell-style wildcard
matched, without regard to case, against the name, each alias and the
qualified ``plugin:name`` when PATTERN holds a ``:``. A single word that is not a kind is the pattern.
Nothing matching is exit status 1, as for ``grep``.

``smolml components show KIND NAME`` prints one component: where it comes
from, how to call it, what a config may set, a line to paste into a config,
its documentation and its source file.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import SmolMLError
from ..registry import KINDS, USER_PLUGIN, Component, Registry
from ..registry.kinds import TABLE
from ..wording import did_you_mean
from .errors import FAILED, USAGE, CommandError
from .inspection import (
    CONFIG_PLACES,
    config_line,
    config_table,
    docstring,
    first_line,
    parameters,
    signature_text,
    source_location,
    toml_value,
)
from .loading import loaded_registry

__all__ = ["FORMAT", "component_details", "component_row", "run_components"]

FORMAT = 1
"""The version of the JSON documents; it changes only when a key changes meaning or goes away."""

_PLURALS = {kind.plural: kind.name for kind in TABLE}
_EVERY_KIND = "all"
_USAGE = "smolml components [KIND] [PATTERN] [--json], or smolml components show KIND NAME [--json]"


def run_components(args: argparse.Namespace) -> int:
    words: list[str] = list(args.words)
    if words and words[0] == "show":
        if len(words) != 3:
            raise CommandError(
                f"error: 'components show' takes KIND and NAME, e.g. smolml components show optimizer adam; "
                f"got {len(words) - 1} word{'' if len(words) == 2 else 's'}"
            )
        return _show(words[1], words[2], as_json=args.json)
    if len(words) > 2:
        raise CommandError(f"error: too many arguments ({' '.join(words)}); usage: {_USAGE}")
    kind, pattern = _kind_and_pattern(words)
    return _list(kind, pattern, as_json=args.json, lone_word=len(words) == 1)


def as_kind(word: str) -> str | None:
    """The kind ``word`` names (``Activations`` names ``activation``), or None."""
    word = word.lower()
    return word if word in KINDS else _PLURALS.get(word)


def _kind_and_pattern(words: Sequence[str]) -> tuple[str | None, str | None]:
    if not words:
        return None, None
    if len(words) == 1:
        kind = as_kind(words[0])
        return (kind, None) if kind is not None else (None, words[0])
    first, pattern = words
    if first.lower() == _EVERY_KIND:
        return None, pattern
    kind = as_kind(first)
    if kind is None:
        raise CommandError(
            f"error: there is no component kind {first!r}{did_you_mean(first.lower(), KINDS)}; "
            f"the kinds are {', '.join(KINDS)} (or {_EVERY_KIND!r})",
            USAGE,
        )
    return kind, pattern


# -- the list ----------------------------------------------------------------


def matches(component: Component, pattern: str) -> bool:
    """Whether ``pattern`` matches the component's name or an alias (any case); or, with a ``:``, ``plugin:name``.

    The qualified names are tried only for a pattern holding a ``:``
    (``std:*``, ``*:relu``), so that ``s*`` means the names starting with s
    rather than everything from a plugin whose name does.
    """
    pattern = pattern.lower()
    names = [component.name, *component.aliases]
    if ":" in pattern:
        names = [f"{component.plugin}:{name}" for name in names]
    return any(fnmatch.fnmatchcase(name.lower(), pattern) for name in names)


def component_row(registry: Registry, component: Component) -> dict[str, Any]:
    """One component as the list's JSON gives it."""
    return {
        "kind": component.kind,
        "name": registry.name_for(component),
        "qualified_name": component.qualified_name,
        "aliases": list(component.aliases),
        "plugin": component.plugin,
        "distribution": component.distribution,
        "version": component.version,
        "summary": first_line(component.obj),
    }


def _list(kind: str | None, pattern: str | None, *, as_json: bool, lone_word: bool = False) -> int:
    registry = loaded_registry()
    found = registry.components(kind)
    if pattern is not None:
        found = [c for c in found if matches(c, pattern)]
    rows = [component_row(registry, c) for c in found]
    if as_json:
        print(json.dumps({"format": FORMAT, "kind": kind, "pattern": pattern, "components": rows}, indent=2))
        return 0 if rows else FAILED
    if not rows:
        raise CommandError(_nothing_found(kind, pattern, lone_word), FAILED)
    print(_table(rows))
    return 0


def _nothing_found(kind: str | None, pattern: str | None, lone_word: bool) -> str:
    """What to say when nothing is found; a lone word close to a kind's name was probably meant as the kind."""
    what = kind or "component"
    if pattern is None:
        return f"no {what} is registered; `smolml plugins` shows which plugins loaded and what went wrong"
    text = f"no {what} matches {pattern!r}"
    close_kind = did_you_mean(pattern.lower(), KINDS) if lone_word and kind is None else ""
    if close_kind:
        text += close_kind.replace("did you mean", "did you mean the kind")
    elif not any(char in pattern for char in "*?["):
        text += f"; a pattern matches whole names: try {'*' + pattern + '*'!r}"
    listing = f"smolml components {kind}" if kind else "smolml components"
    return f"{text}; `{listing}` lists them all"


def _table(rows: list[dict[str, Any]]) -> str:
    header = ["kind", "name", "aliases", "provider", "description"]
    body = [
        [
            row["kind"],
            row["name"],
            ", ".join(row["aliases"]) or "-",
            _provider_text(row),
            row["summary"] or "-",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header) - 1)]
    room = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    lines = []
    for line in [header, *body]:
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[-1]
        if room is not None and len(text) > room:  # on a terminal, one line per component
            text = text[: max(room - 3, 0)] + "..."
        lines.append(text.rstrip())
    return "\n".join(lines)


def _provider_text(row: dict[str, Any]) -> str:
    if row["plugin"] == USER_PLUGIN:
        return "your code"
    if row["distribution"]:
        return f"{row['plugin']} ({row['distribution']} {row['version'] or ''})".replace(" )", ")")
    return str(row["plugin"])


# -- one component -------------------------------------------------------------


def _show(kind_word: str, name: str, *, as_json: bool) -> int:
    registry = loaded_registry()
    kind = as_kind(kind_word) or kind_word
    try:
        component = registry.get(kind, name)
    except SmolMLError as exc:
        raise CommandError(f"error: {exc}", USAGE) from exc
    details = component_details(registry, component)
    if as_json:
        print(json.dumps(details, indent=2, default=repr))
    else:
        print(_details_text(details))
    return 0


def component_details(registry: Registry, component: Component) -> dict[str, Any]:
    """Everything ``components show`` says about one component, as JSON-ready data."""
    found, open_ended = parameters(component, registry)
    table, missing = config_table(component, registry)
    key, place = CONFIG_PLACES.get(component.kind, (None, ""))
    path, line, note = source_location(component.obj)
    return {
        "format": FORMAT,
        **component_row(registry, component),
        "provider": component.provider,
        "signature": signature_text(component),
        "parameters": [
            {
                "name": p.name,
                "annotation": p.annotation,
                "required": p.required,
                "default": p.default,
                "default_text": p.default_text,
            }
            for p in found
        ],
        "accepts_other_keywords": open_ended,
        "example": dict(component.example) if component.example is not None else None,
        "config": {
            "key": key,
            "place": place,
            "table": table,
            "line": config_line(component, registry),
            "missing": missing,
        },
        "doc": docstring(component.obj),
        "source": {"file": path, "line": line, "note": note or None},
    }


_SHOW_LABEL = len("parameters") + 4


def _field(label: str, value: str) -> list[str]:
    first, *rest = value.splitlines() or [""]
    return [f"  {label:<{_SHOW_LABEL}}{first}".rstrip(), *(f"  {'':<{_SHOW_LABEL}}{text}".rstrip() for text in rest)]


def _details_text(d: dict[str, Any]) -> str:
    lines = [f"{d['kind']} {d['name']} ({d['qualified_name']})"]
    lines += _field("provider", d["provider"])
    lines += _field("aliases", ", ".join(d["aliases"]) or "none")
    lines += _field("signature", d["signature"])
    lines += _field("parameters", _parameters_text(d))
    if d["example"] is not None:
        example = ", ".join(f"{k} = {_example_value(v)}" for k, v in d["example"].items())
        lines += _field("example", example or "(no parameters)")
    config = d["config"]
    where = f"({config['place']})"
    if config["missing"]:
        where += f"; also set {', '.join(config['missing'])}: no default"
    lines += _field("config", f"{config['line']}\n{where}")
    source = d["source"]
    if source["file"] is None:
        lines += _field("source", source["note"] or "not available")
    else:
        path = _shorter(source["file"])
        lines += _field("source", f"{path}:{source['line']}" if source["line"] else path)
    doc = d["doc"] or "(no docstring)"
    lines += ["", *(f"  {text}".rstrip() for text in doc.splitlines())]
    return "\n".join(lines)


def _shorter(path: str) -> str:
    """``path`` relative to the current folder when it lies inside it (as in a source checkout), else unchanged."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return path
    return path if relative.startswith(os.pardir) else relative


def _parameters_text(d: dict[str, Any]) -> str:
    params = d["parameters"]
    if not params:
        text = "none: it is used as it is" if not d["accepts_other_keywords"] else ""
    else:
        name_width = max(len(p["name"]) for p in params)
        type_width = max(len(p["annotation"] or "-") for p in params)
        text = "\n".join(
            f"{p['name']:<{name_width}}  {p['annotation'] or '-':<{type_width}}  "
            f"{'required' if p['required'] else p['default_text']}".rstrip()
            for p in params
        )
    if d["accepts_other_keywords"]:
        text = (text + "\n" if text else "") + "and any other keyword (**kwargs)"
    return text


def _example_value(value: Any) -> str:
    try:
        return toml_value(value)
    except Exception:
        return repr(value)
