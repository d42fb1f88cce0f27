"""``smolml plugins``: every plugin found, what it provides, and what went wrong with it.

The report is built once as plain data (what ``--json`` prints, described in
docs/cli.md) and the text for people is written from that data, so the two
never disagree. Listing works in strict mode too: it is how one finds out
what strict mode refuses.

Each plugin's load time is shown, and one that takes longer than
``SLOW_SECONDS`` is marked slow: every command waits for it, and a hook that
never returns cannot be stopped from inside the process (docs/plugins.md).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from ..registry import KINDS, USER_PLUGIN, PluginInfo, PluginProblem, Registry, get_registry
from ..registry.plugins import describe_plugin
from ..wording import INSTALL_SMOLML
from .errors import FAILED, INTERRUPTED, CommandError
from .loading import escaped, plugin_warnings

__all__ = ["FORMAT", "SLOW_SECONDS", "plugin_report", "format_report", "run_plugins"]

FORMAT = 1
"""The version of the JSON document; it changes only when a key changes meaning or goes away."""

SLOW_SECONDS = 1.0
"""A plugin that takes longer than this to load is marked slow in the text report."""


def run_plugins(args: argparse.Namespace) -> int:
    registry = get_registry()
    try:
        with plugin_warnings(show=False):  # the report below gives every problem in full
            report = plugin_report(registry)
    except KeyboardInterrupt as exc:  # Ctrl-C on a plugin that hangs: say which one it was
        notes = getattr(exc, "__notes__", [])
        if not notes:
            raise
        raise CommandError(f"interrupted {notes[0]}", INTERRUPTED) from exc
    except (Exception, SystemExit) as exc:  # the registry records broken plugins; this is for what slips past it
        raise escaped(exc) from exc
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report, tracebacks=args.traceback))
    return FAILED if args.check and report["summary"]["problems"] else 0


def plugin_report(registry: Registry) -> dict[str, Any]:
    """Everything ``smolml plugins`` says, as JSON-ready data (loads the plugins if that has not happened)."""
    infos = registry.plugins()
    problems = registry.problems()
    unclaimed = list(problems)
    for info in infos:
        for problem in info.problems:
            if problem in unclaimed:
                unclaimed.remove(problem)
    statuses = [info.status for info in infos]
    return {
        "format": FORMAT,
        "strict": bool(registry.strict),
        "summary": {
            "plugins": len(infos),
            "loaded": statuses.count("loaded"),
            "failed": statuses.count("failed"),
            "disabled": statuses.count("disabled"),
            "problems": len(problems),
            "load_seconds": sum(info.load_seconds or 0.0 for info in infos),
        },
        "plugins": [_plugin(registry, info) for info in infos],
        "other_problems": [_problem(problem) for problem in unclaimed],
    }


def _plugin(registry: Registry, info: PluginInfo) -> dict[str, Any]:
    components: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for component in info.components:
        components.setdefault(component.kind, []).append(registry.name_for(component))
    return {
        "name": info.name,
        "status": info.status,
        "distribution": info.distribution,
        "version": info.version,
        "source": info.source or None,
        "reason": info.reason or None,
        "load_seconds": info.load_seconds,
        "component_count": len(info.components),
        "components": components,
        "would_have_provided": [{"kind": kind, "name": name} for kind, name in info.would_have_provided],
        "problems": [_problem(problem) for problem in info.problems],
    }


def _problem(problem: PluginProblem) -> dict[str, Any]:
    return {
        "plugin": problem.plugin,
        "distribution": problem.distribution,
        "version": problem.version,
        "stage": problem.stage,
        "fatal": problem.fatal,
        "error": problem.error,
        "hint": problem.hint,
        "summary": str(problem),
        "details": problem.details,
    }


# -- text --------------------------------------------------------------------

_LABEL = max(len(label) for label in ("distribution", "entry point", "what to do", "traceback", *KINDS)) + 2


def format_report(report: dict[str, Any], *, tracebacks: bool = False) -> str:
    """The report as aligned text: one block per plugin, then the problems tied to none, then a summary."""
    blocks = [_plugin_block(plugin, tracebacks) for plugin in report["plugins"]]
    if not report["plugins"]:
        blocks.append(
            "No plugins found: no installed distribution declares an entry point in the group 'smolml', "
            "so no component can be found by name (the standard ones come with SmolML itself; "
            f"reinstall it: {INSTALL_SMOLML})."
        )
    if report["other_problems"]:
        lines = ["Problems not tied to an installed plugin:"]
        for problem in report["other_problems"]:
            who = describe_plugin(problem["plugin"], problem["distribution"], problem["version"])
            lines += _problem_lines(problem, tracebacks, who)
        blocks.append("\n".join(lines))
    blocks.append(_summary(report, tracebacks))
    return "\n\n".join(blocks)


def _field(label: str, value: str) -> list[str]:
    """``  label      value``, a value of several lines kept under its first one."""
    first, *rest = value.splitlines() or [""]
    return [f"  {label:<{_LABEL}}{first}".rstrip(), *(f"  {'':<{_LABEL}}{line}".rstrip() for line in rest)]


def _plugin_block(plugin: dict[str, Any], tracebacks: bool) -> str:
    lines = [f"{plugin['name']}: {plugin['status']}"]
    if plugin["name"] == USER_PLUGIN:
        lines += _field("distribution", "your code (smolml_core.register)")
    else:
        lines += _field("distribution", _distribution(plugin))
        lines += _field("entry point", plugin["source"] or "(unknown)")
    if plugin["reason"]:
        lines += _field("reason", plugin["reason"])
    if plugin["load_seconds"] is not None:
        lines += _field("load time", _load_time(plugin))
    counted = [(kind, names) for kind, names in plugin["components"].items() if names]
    for kind, names in counted:
        lines += _field(kind, f"{len(names):>2}  {', '.join(names)}")
    if plugin["status"] == "loaded" and not counted:
        lines += _field("components", "none")
    if plugin["would_have_provided"]:
        lines += _field("withdrawn", _withdrawn(plugin["would_have_provided"]))
    for problem in plugin["problems"]:
        lines += _problem_lines(problem, tracebacks)
    return "\n".join(lines)


def _load_time(plugin: dict[str, Any]) -> str:
    seconds = plugin["load_seconds"]
    text = f"{seconds:.3f} s"
    if seconds > SLOW_SECONDS:
        text += (
            f" (slow: every command waits for it; SMOLML_DISABLE_PLUGINS={plugin['name']} leaves it out "
            "when you do not need it)"
        )
    return text


def _distribution(item: dict[str, Any]) -> str:
    if not item["distribution"]:
        return "(unknown)"
    return f"{item['distribution']} {item['version'] or ''}".rstrip()


def _withdrawn(pairs: Sequence[dict[str, str]]) -> str:
    """``activation wobble, wob; loss wobble_loss``: what a failed plugin had registered, all taken back."""
    by_kind: dict[str, list[str]] = {}
    for pair in pairs:
        by_kind.setdefault(pair["kind"], []).append(pair["name"])
    listed = "; ".join(f"{kind} {', '.join(names)}" for kind, names in by_kind.items())
    return f"{listed} (registered before it failed, then taken back)"


def _problem_lines(problem: dict[str, Any], tracebacks: bool, who: str | None = None) -> list[str]:
    lines = _field("problem", f"{problem['stage']}: {problem['error']}")
    if who is not None:
        lines += _field("plugin", who)
    lines += _field("what to do", problem["hint"])
    if tracebacks and problem["details"]:
        lines += _field("traceback", problem["details"].rstrip())
    return lines


def _summary(report: dict[str, Any], tracebacks: bool) -> str:
    summary = report["summary"]
    count = summary["plugins"]
    text = f"{count} plugin{'' if count == 1 else 's'}: {summary['loaded']} loaded"
    text += f", {summary['failed']} failed, {summary['disabled']} disabled"
    problems = summary["problems"]
    text += f"; {problems or 'no'} problem{'' if problems == 1 else 's'}"
    has_details = any(p["details"] for item in report["plugins"] for p in item["problems"]) or any(
        p["details"] for p in report["other_problems"]
    )
    if has_details and not tracebacks:
        text += " (--traceback shows where each failed)"
    if report["strict"]:
        text += (
            ".\nStrict mode is on (SMOLML_STRICT_PLUGINS): the other commands refuse to run while there is a problem"
        )
    return text + "."
