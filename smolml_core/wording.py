"""Small helpers that make error messages read well: close-match hints, articles, and quotes of bounded length."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "did_you_mean",
    "a_or_an",
    "quote",
    "shorten",
    "QUOTE_LIMIT",
    "PATH_LIMIT",
    "INSTALL_SMOLML",
    "UPGRADE_SMOLML",
]

QUOTE_LIMIT = 80
"""About the most characters a message spends on one piece of user input (a value, a name, a cell)."""

PATH_LIMIT = 240
"""The same for a file's path, which a user needs to see more of."""

# SmolML is installed from a checkout until it is on a package index; a hint gives both ways (docs/installing.md).
INSTALL_SMOLML = "pip install . in a SmolML checkout, or pip install smolml from a package index"
"""How to (re)install SmolML itself, as a message says it."""

UPGRADE_SMOLML = (
    "in a SmolML checkout, git pull and pip install . again; from a package index, pip install --upgrade smolml"
)
"""How to upgrade SmolML itself, as a message says it."""


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters with ``...`` where it was cut.

    Every message that quotes what a user wrote goes through this, so a
    100,000-character name or a 400-digit number stays a readable line
    (``quote(10**400)`` is ``<a whole number of about 400 digits>``).
    """
    if isinstance(value, int) and value.bit_length() > 4 * QUOTE_LIMIT:  # Python refuses to print the longest
        return f"<a whole number of about {value.bit_length() * 0.30103:.0f} digits>"
    quoting = reprlib.Repr()
    quoting.maxstring = quoting.maxother = limit
    quoting.maxlong = 40
    quoting.maxlevel = 3
    quoting.maxlist = quoting.maxtuple = quoting.maxset = quoting.maxdict = 6
    try:
        return quoting.repr(value)
    except Exception:  # a repr that raises: name the type instead
        return f"<{type(value).__name__} object>"


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` itself if it has at most ``limit`` characters, else its start and end around ``...``."""
    if len(text) <= limit:
        return text
    keep = max(limit - 3, 2)
    return f"{text[: (keep + 1) // 2]}...{text[len(text) - keep // 2 :]}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'relu'?)"`` for the closest choice, or ``""`` if none is close.

    A choice that begins with ``word`` counts as close (``loss`` suggests ``loss_function``).
    Anything but a string of sane length gets no hint (comparing it would be slow or impossible).
    """
    if not isinstance(word, str) or len(word) > 2 * QUOTE_LIMIT:
        return ""
    choices = [choice for choice in choices if isinstance(choice, str)]
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not match and len(word) >= 3:
        match = [c for c in choices if c.startswith(word)][:1]
    return f" (did you mean {match[0]!r}?)" if match else ""


def a_or_an(word: str) -> str:
    """``"an activation"``, ``"a loss"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
