"""The ``smolml`` command's entry point: it needs only the standard library until Ctrl-C is safe.

Starting the command imports SmolML, numpy and the rest, which takes a few
tenths of a second. A Ctrl-C in that time would stop Python in the middle of
an import: a traceback from deep inside numpy, or numpy reporting a broken
installation. So while those imports run, a Ctrl-C is only noted; once they
are done the command ends at once, having done nothing, with the status of an
interrupted command (130). From then on the command handles Ctrl-C itself.
(``smolml_core`` cannot do this: a package is imported before any of its code runs.)
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["main"]

INTERRUPTED = 130
"""The shell's status for a command stopped by Ctrl-C (128 + SIGINT)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Import the command with Ctrl-C held back, then run it (``smolml_core.cli.main``); return its exit status."""
    pressed: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        pressed.append(signum)

    held = signal.getsignal(signal.SIGINT) is signal.default_int_handler  # a program's own handling is left alone
    if held:
        signal.signal(signal.SIGINT, note)
    try:
        from smolml_core.cli.main import main as run
    finally:
        if held:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        sys.stderr.write("\nsmolml: interrupted while starting; nothing was done\n")
        return INTERRUPTED
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
