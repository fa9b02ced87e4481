"""How dates and numbers are written in user text, and how to read them back.

The value sampler writes a date or number in one of these forms; the grounding
gate reads every form back, so a call's ``"2026-03-05"`` is grounded by a user
who wrote "March 5, 2026". Only forms produced here are recognised.
"""

from __future__ import annotations

import re
from datetime import date

from inftool_jax.synth.vocabulary import MONTHS, NUMBER_WORDS

DATE_STYLES = ("iso", "month_day_year", "day_month_year", "short_month")


def render_date(iso: str, style: str) -> str:
    """``"2026-03-05"`` as ``style``: iso, month_day_year (March 5, 2026), day_month_year, short_month."""
    d = date.fromisoformat(iso)
    month = MONTHS[d.month - 1]
    if style == "month_day_year":
        return f"{month} {d.day}, {d.year}"
    if style == "day_month_year":
        return f"{d.day} {month} {d.year}"
    if style == "short_month":
        return f"{month[:3]} {d.day}, {d.year}"
    return d.isoformat()


_MONTH_INDEX = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}
_MONTH_INDEX.update({m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)})
_MONTH_RE = "|".join(sorted(_MONTH_INDEX, key=len, reverse=True))
_ISO_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")
_MDY_RE = re.compile(rf"\b({_MONTH_RE})\.? (\d{{1,2}}), (\d{{4}})\b", re.IGNORECASE)
_DMY_RE = re.compile(rf"\b(\d{{1,2}}) ({_MONTH_RE}) (\d{{4}})\b", re.IGNORECASE)
_TIME_RE = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")


def _safe_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def date_mentions(text: str) -> set[str]:
    """ISO dates written anywhere in ``text`` in any of :data:`DATE_STYLES`."""
    found: set[str] = set()
    for y, m, d in _ISO_RE.findall(text):
        iso = _safe_date(int(y), int(m), int(d))
        if iso:
            found.add(iso)
    for mon, d, y in _MDY_RE.findall(text):
        iso = _safe_date(int(y), _MONTH_INDEX[mon.lower()], int(d))
        if iso:
            found.add(iso)
    for d, mon, y in _DMY_RE.findall(text):
        iso = _safe_date(int(y), _MONTH_INDEX[mon.lower()], int(d))
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


_NUM_RE = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")
_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_WORD_VALUE = {w: i for i, w in enumerate(NUMBER_WORDS)}


def number_mentions(text: str) -> set[float]:
    """Numbers written in ``text`` as digits (with optional thousands commas) or small number words."""
    found: set[float] = set()
    for tok in _NUM_RE.findall(text):
        try:
            found.add(float(tok.replace(",", "")))
        except ValueError:
            continue
    # digits inside ids and dates ("ORD-123", "2026-03-05") also count: a number the user typed is grounded
    for tok in re.findall(r"\d+(?:\.\d+)?", text):
        found.add(float(tok))
    for word in _WORD_RE.findall(text):
        found.add(float(_WORD_VALUE[word.lower()]))
    return found
