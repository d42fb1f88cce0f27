"""Ctrl-C during training: the first one finishes the epoch and stops cleanly, a second one stops at once.

Stopping in the middle of an update would leave weights half changed, and
losing a long run to a reflex keystroke is worse. So while ``train`` runs, the
first SIGINT only raises a flag that the loop reads after each epoch; a second
one raises ``KeyboardInterrupt`` as Python normally does.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["InterruptFlag", "finish_epoch_on_ctrl_c"]


class InterruptFlag:
    """Set by the first Ctrl-C; ``train`` stops after the epoch in progress."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        """What the first Ctrl-C does (tests may call it directly)."""
        self.requested = True


@contextmanager
def finish_epoch_on_ctrl_c(notice: Callable[[], None] | None = None) -> Iterator[InterruptFlag]:
    """Inside the block, the first SIGINT sets the flag (and calls ``notice``), the second raises.

    Only the main thread can handle signals, and only Python's default handler
    is replaced: where a program has installed its own Ctrl-C handling (or
    ignores Ctrl-C), it is left alone and the flag is simply never set.
    """
    flag = InterruptFlag()
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.request()
        if notice is not None:
            notice()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def default_notice() -> None:
    """The message the first Ctrl-C prints."""
    sys.stderr.write("\nCtrl-C: stopping once this epoch is done (press Ctrl-C again to stop at once)\n")
    sys.stderr.flush()
