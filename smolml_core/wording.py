"""Small helpers that make error messages read well: close-match hints and articles."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "a_or_an"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'relu'?)"`` for the closest choice, or ``""`` if none is close.

    A choice that begins with ``word`` counts as close (``loss`` suggests ``loss_function``).
    """
    choices = list(choices)
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not match and len(word) >= 3:
        match = [c for c in choices if c.startswith(word)][:1]
    return f" (did you mean {match[0]!r}?)" if match else ""


def a_or_an(word: str) -> str:
    """``"an activation"``, ``"a loss"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
