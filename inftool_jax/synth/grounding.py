"""Is an argument value grounded: said by the user, or taken from an earlier tool result?

Matching is on normalised text (lower case, punctuation as spaces, whole
words), numbers as numbers (digits, thousands commas, small number words),
dates and times in every form :mod:`verbal_formats` writes, and synonyms
from :mod:`vocabulary` ("NYC" grounds "New York City").
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from inftool_jax.synth.user.argument_values import humanize
from inftool_jax.synth.user.verbal_formats import date_mentions, number_mentions, time_mentions
from inftool_jax.world.vocabulary import SYNONYMS

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
_ISO_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$")
_TIME = re.compile(r"^(\d{2}:\d{2})(:\d{2})?([Zz]|[+-]\d{2}:\d{2})?$")


def normalize(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space, padded with spaces for whole-word search."""
    return " " + _NON_ALNUM.sub(" ", text.lower()).strip() + " "


class TextFacts:
    """One message's text, read once: normalised words, numbers, dates and times in it."""

    __slots__ = ("norm", "numbers", "dates", "times")

    def __init__(self, text: str):
        self.norm = normalize(text)
        self.numbers = number_mentions(text, self.norm)
        self.dates = date_mentions(text, self.norm)
        self.times = time_mentions(text) if ":" in text else set()


class Evidence:
    """What the user said and what tools returned before one assistant message, ready for lookups."""

    def __init__(self, user: list[TextFacts], tools: list[TextFacts]):
        self.user_norm = "".join(f.norm for f in user)
        self.all_norm = self.user_norm + "".join(f.norm for f in tools)
        self.numbers: set[float] = set().union(*(f.numbers for f in user), *(f.numbers for f in tools))
        self.dates: set[str] = set().union(*(f.dates for f in user), *(f.dates for f in tools))
        self.times: set[str] = set().union(*(f.times for f in user), *(f.times for f in tools))

    @classmethod
    def from_texts(cls, user_texts: list[str], tool_texts: list[str]) -> "Evidence":
        return cls([TextFacts(t) for t in user_texts], [TextFacts(t) for t in tool_texts])

    def has_words(self, words: str) -> bool:
        n = normalize(words)
        return n.strip() != "" and n in self.all_norm

    def grounds(self, key: str, value: Any) -> bool:
        """True when ``value`` (for parameter ``key``) is in, or derivable from, the evidence."""
        if value is None or value == "":
            return True
        if isinstance(value, bool):
            # a flag is grounded when the user talks about it by name
            return normalize(humanize(key)) in self.user_norm
        if isinstance(value, (int, float)):
            return float(value) in self.numbers
        if not isinstance(value, str):
            return False
        if self.has_words(value):
            return True
        m = _ISO_DATE.match(value)
        if m:
            return m.group(1) in self.dates
        m = _ISO_DATE_TIME.match(value)
        if m:
            return m.group(1) in self.dates and m.group(2) in self.times
        m = _TIME.match(value)
        if m:
            return m.group(1) in self.times
        forms = SYNONYMS.get(normalize(value).strip())
        return bool(forms) and any(f" {f} " in self.all_norm for f in forms)


def leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(parameter name, scalar) for every scalar in an argument value; list items keep the list's name."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v, key)
    else:
        yield key, value


def ungrounded(arguments: dict[str, Any], evidence: Evidence) -> list[str]:
    """``param=value`` for every argument leaf the evidence does not ground."""
    return [f"{k}={v!r}" for k, v in leaves(arguments) if not evidence.grounds(k, v)]
