"""How dates and numbers are written in user text, and how to read them back.

The value sampler writes a date or number in one of these forms; the grounding
gate reads every form back, so a call's ``"2026-03-05"`` is grounded by a user
who wrote "March 5, 2026". Only forms produced here are recognised.
"""

from __future__ import annotations

import re
from datetime import date

from inftool_jax.world.vocabulary import MONTHS, NUMBER_WORDS

DATE_STYLES = ("iso", "month_day_year", "day_month_year", "short_month", "ordinal", "day_of_month", "weekday")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``22`` -> ``22nd``, ``13`` -> ``13th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_date(iso: str, style: str) -> str:
    """``"2026-03-05"`` as ``style``: iso, month_day_year (March 5, 2026), day_month_year (5 March 2026),
    short_month (Mar 5, 2026), ordinal (March 5th, 2026), day_of_month (the 5th of March 2026),
    weekday (Thursday, March 5, 2026)."""
    d = date.fromisoformat(iso)
    month = MONTHS[d.month - 1]
    if style == "month_day_year":
        return f"{month} {d.day}, {d.year}"
    if style == "day_month_year":
        return f"{d.day} {month} {d.year}"
    if style == "short_month":
        return f"{month[:3]} {d.day}, {d.year}"
    if style == "ordinal":
        return f"{month} {ordinal(d.day)}, {d.year}"
    if style == "day_of_month":
        return f"the {ordinal(d.day)} of {month} {d.year}"
    if style == "weekday":
        return f"{_WEEKDAYS[d.weekday()]}, {month} {d.day}, {d.year}"
    return d.isoformat()


_MONTH_INDEX = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}
_MONTH_INDEX.update({m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)})
_MONTH_RE = "|".join(sorted(_MONTH_INDEX, key=len, reverse=True))
# matched on normalised text (lower case, punctuation as single spaces): "march 5 2026", "2026 03 05"
_ISO_RE = re.compile(r"\b(\d{4}) (\d{2}) (\d{2})\b")
_MDY_RE = re.compile(rf"\b({_MONTH_RE}) (\d{{1,2}})(?:st|nd|rd|th)? (\d{{4}})\b")
_DMY_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_RE}) (\d{{4}})\b")
_YEAR_RE = re.compile(r"\b\d{4}\b")
_TIME_RE = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _safe_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def normalized(text: str) -> str:
    """Lower case with every run of non-alphanumerics one space (what the date readers expect)."""
    return _NON_ALNUM.sub(" ", text.lower())


def date_mentions(text: str, norm: str | None = None) -> set[str]:
    """ISO dates written anywhere in ``text`` in any of :data:`DATE_STYLES` (``norm``: its normalised form)."""
    norm = normalized(text) if norm is None else norm
    found: set[str] = set()
    if _YEAR_RE.search(norm) is None:  # every date form has a four-digit year: skip the costly scans
        return found
    for y, m, d in _ISO_RE.findall(norm):
        iso = _safe_date(int(y), int(m), int(d))
        if iso:
            found.add(iso)
    for mon, d, y in _MDY_RE.findall(norm):
        iso = _safe_date(int(y), _MONTH_INDEX[mon], int(d))
        if iso:
            found.add(iso)
    for d, mon, y in _DMY_RE.findall(norm):
        iso = _safe_date(int(y), _MONTH_INDEX[mon], int(d))
        if iso:
            found.add(iso)
    return found


def time_mentions(text: str) -> set[str]:
    """``HH:MM`` times written in ``text`` (zero-padded)."""
    return {f"{int(h):02d}:{mm}" for h, mm in _TIME_RE.findall(text)}


def format_number(x: float | int) -> str:
    """Plain digits, no exponent, no trailing ``.0``."""
    if isinstance(x, bool):
        return str(x).lower()
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def render_number(x: float | int, style: str) -> str:
    """``x`` as ``style``: digits, words (small integers), grouped (1,200)."""
    if style == "words" and float(x).is_integer() and 0 <= x < len(NUMBER_WORDS):
        return NUMBER_WORDS[int(x)]
    if style == "grouped" and float(x).is_integer() and abs(x) >= 1000:
        return f"{int(x):,}"
    return format_number(x)


_GROUPED_RE = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DIGITS_RE = re.compile(r"-?\d+(?:\.\d+)?")
_WORD_VALUE = {w: i for i, w in enumerate(NUMBER_WORDS)}


def number_mentions(text: str, norm: str | None = None) -> set[float]:
    """Numbers written in ``text`` as digits (with optional thousands commas) or small number words.

    Digits inside ids and dates ("ORD-123", "2026-03-05") count too: a number
    the user typed is grounded wherever it stands. ``norm``: the normalised text.
    """
    found = {float(tok) for tok in _DIGITS_RE.findall(text)}
    # "ORD-123" reads as -123 above; the unsigned number is what was written
    found |= {abs(x) for x in found}
    if "," in text:
        found |= {float(tok.replace(",", "")) for tok in _GROUPED_RE.findall(text)}
    norm = normalized(text) if norm is None else norm
    for word in norm.split():
        if word in _WORD_VALUE:
            found.add(float(_WORD_VALUE[word]))
    return found
