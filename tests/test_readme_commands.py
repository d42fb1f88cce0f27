"""CI runs the README's two commands exactly as written, so a newcomer's first commands are the ones CI proves."""

from __future__ import annotations

import re

from .docs_examples import ROOT

_CONSOLE = re.compile(r"^```console[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def readme_commands() -> list[str]:
    """The README's first two console blocks: the install-and-train command and the test command."""
    blocks = _CONSOLE.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    return [block.strip() for block in blocks[:2]]


def test_the_readme_has_two_one_line_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    for command in commands:
        assert "\n" not in command, f"README command is not one line: {command!r}"


def test_ci_runs_each_readme_command_verbatim() -> None:
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    for command in readme_commands():
        assert command in ci_lines, f".ci/run does not run the README's command {command!r}"


def test_the_readme_commands_install_into_a_virtual_environment() -> None:
    # A system Python under PEP 668 refuses `pip install` outside one: after creating .venv, every step runs from it.
    for command in readme_commands():
        _python, *rest = [step.split()[0] for step in command.split("&&")]
        assert command.startswith("python3 -m venv .venv && "), command
        assert rest and all(program.startswith(".venv/bin/") for program in rest), command
