"""Sibling fields whose names make an order obvious, kept in that order: the one set of rules.

Keys of one object that differ in a single word of an (earlier, later) pair
hold an ordered pair (:func:`ordered_pairs`): ``arrival_*`` after
``departure_*``, ``check_out`` after ``check_in``, ``end`` after ``start``,
``max_*`` >= ``min_*``, an average between its extremes. Keys that differ in a
word of a *distinct* pair (``from``/``to``, ``origin``/``destination``) name two
different things (:func:`distinct_pairs`). The tool world's value generator,
its search filters and the user simulator's planned values all read these
rules, and :func:`order_siblings` is the one place that applies the order.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from random import Random
from typing import Any, Callable

from inftool_jax.tools.schema_helpers import bound, is_json_number, is_multiple_of
from inftool_jax.world.named_values import tokens_of

# (earlier, later) words: keys that differ only in one such word hold an ordered pair,
# e.g. departure_time/arrival_time, check_in/check_out, start/end, min_price/max_price.
# A list, not a set: the order pairs are found in (and so the order random draws are made in)
# must not depend on string hashing, which differs between processes.
_ORDERED_WORDS = [
    ("start", "end"), ("starts", "ends"), ("started", "ended"), ("start", "finish"), ("started", "finished"),
    ("begin", "end"), ("begins", "ends"), ("departure", "arrival"), ("depart", "arrive"), ("departs", "arrives"),
    ("departure", "return"), ("outbound", "return"), ("in", "out"), ("from", "to"), ("from", "until"),
    ("since", "until"), ("after", "before"), ("open", "close"), ("opens", "closes"), ("opening", "closing"),
    ("sunrise", "sunset"), ("pickup", "dropoff"), ("issued", "expires"), ("created", "updated"), ("min", "max"),
    ("minimum", "maximum"), ("low", "high"), ("lowest", "highest"), ("earliest", "latest"), ("first", "last"),
    # a summary's average lies between its extremes: heart_rate {average_bpm <= max_bpm}
    ("min", "average"), ("min", "avg"), ("min", "mean"), ("minimum", "average"), ("minimum", "mean"),
    ("average", "max"), ("avg", "max"), ("mean", "max"), ("average", "maximum"), ("mean", "maximum"),
    ("average", "peak"), ("avg", "peak"), ("mean", "peak"), ("resting", "average"), ("resting", "max"),
]
_LATER_OF: dict[str, tuple[str, ...]] = {}
for _a, _b in _ORDERED_WORDS:
    _LATER_OF[_a] = _LATER_OF.get(_a, ()) + (_b,)

# Pairs of words that name two different things: a trip from LIS to LIS, or USD into USD, reads as noise.
_DISTINCT_WORDS = {("from", "to"), ("origin", "destination"), ("source", "target"), ("base", "quote"), ("sender", "recipient")}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_CLOCK_RE = re.compile(r"^(\d{2}):(\d{2})(:\d{2})?(Z)?$")


@lru_cache(maxsize=4096)
def ordered_pairs(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(earlier key, later key) pairs among an object's keys, by their names."""
    toks = {k: tokens_of(k) for k in keys}
    pairs = []
    for a in keys:
        ta = toks[a]
        for i, word in enumerate(ta):
            for later in _LATER_OF.get(word, ()):
                want = ta[:i] + (later,) + ta[i + 1:]
                b = next((k for k in keys if k != a and toks[k] == want), None)
                if b is not None:
                    pairs.append((a, b))
    return tuple(pairs)


def distinct_pairs(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(first, second) keys that must hold different values: ``from_city``/``to_city``, ``origin``/``destination``."""
    toks = {k: tokens_of(k) for k in keys}
    out = []
    for a in keys:
        for b in keys:
            ta, tb = toks[a], toks[b]
            if a == b or len(ta) != len(tb):
                continue
            diff = [(x, y) for x, y in zip(ta, tb) if x != y]
            if len(diff) == 1 and diff[0] in _DISTINCT_WORDS:
                out.append((a, b))
    return out


def related_keys(keys: tuple[str, ...] | list[str]) -> set[str]:
    """The keys the sibling rules tie to another key (check_in, check_out, origin...)."""
    keys = tuple(keys)
    return {k for pair in (*ordered_pairs(keys), *distinct_pairs(keys)) for k in pair}


def order_siblings(
    values: dict[str, Any],
    schema_of: Callable[[str], Any],
    rng: Random,
    *,
    frozen: frozenset[str] | set[str] = frozenset(),
    value_of: Callable[[Any], Any] = lambda v: v,
    retimed: Callable[[str, Random], Any] = lambda new, rng: new,
) -> None:
    """Put the ordered pairs among ``values`` in order, in place: arrival after departure, max >= min.

    A later date/time string is redrawn a short while after the earlier one
    (:func:`later_time`) when its own schema (``schema_of(key)``) accepts the new
    string. Numbers out of order are swapped when both schemas take both values,
    until no pair is out of order, so a chain of three (min <= average <= max)
    ends sorted, not just each pair once. Keys in ``frozen`` never change.

    ``value_of`` reads the value inside an entry and ``retimed(new, rng)`` makes
    the entry for a redrawn string, for callers whose entries carry more than the
    value (the user simulator keeps how the user says it); a swap moves whole entries.
    """
    pairs = ordered_pairs(tuple(values))
    for early, late in pairs:
        a, b = value_of(values[early]), value_of(values[late])
        if isinstance(a, str) and isinstance(b, str) and late not in frozen:
            fixed = later_time(a, b, rng)
            if fixed is not None and string_fits(schema_of(late), fixed):
                values[late] = retimed(fixed, rng)
    for _ in range(len(pairs)):
        swapped = False
        for early, late in pairs:
            a, b = value_of(values[early]), value_of(values[late])
            if is_json_number(a) and is_json_number(b) and a > b and early not in frozen and late not in frozen:
                if number_fits(schema_of(early), b) and number_fits(schema_of(late), a):
                    values[early], values[late] = values[late], values[early]
                    swapped = True
        if not swapped:
            break


def later_time(a: str, b: str, rng: Random) -> str | None:
    """A value for ``b`` a short while after ``a`` (same textual form as ``a``), or None if they are no times.

    Independent draws would put an arrival months after (or before) its departure:
    the later one is drawn relative to the earlier instead (dates 1-10 days on,
    date-times 30 min to 10 h on, clock times 15 min to 4 h on, same day).
    """
    if _DATE_RE.match(a) and _DATE_RE.match(b):
        day = _dt.date.fromisoformat(a) + _dt.timedelta(days=rng.randint(1, 10))
        return day.isoformat()
    ma, mb = _DATETIME_RE.match(a), _DATETIME_RE.match(b)
    if ma and mb:
        later = _dt.datetime.fromisoformat(a[:19]) + _dt.timedelta(minutes=15 * rng.randint(2, 40))
        return later.strftime("%Y-%m-%dT%H:%M:%S") + (ma.group(5) or "")
    ca, cb = _CLOCK_RE.match(a), _CLOCK_RE.match(b)
    if ca and cb:
        mins_a = int(ca.group(1)) * 60 + int(ca.group(2))
        if mins_a >= 23 * 60 + 45:
            return None if int(cb.group(1)) * 60 + int(cb.group(2)) > mins_a else "23:59" + (":00" if ca.group(3) else "") + (ca.group(4) or "")
        mins = min(mins_a + 15 * rng.randint(1, 16), 23 * 60 + 59)
        return f"{mins // 60:02d}:{mins % 60:02d}" + (":00" if ca.group(3) else "") + (ca.group(4) or "")
    return None


def string_fits(schema: Any, value: str) -> bool:
    """Whether a generated date/time string may replace a value of ``schema`` (cheap, conservative)."""
    if schema is None or schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const", "pattern", "oneOf", "anyOf", "not")):
        return False
    kind = schema.get("type", "string")
    if kind != "string" and not (isinstance(kind, list) and "string" in kind):
        return False
    fmt = schema.get("format")
    if fmt is not None:
        if fmt == "date" and not _DATE_RE.match(value) or fmt == "date-time" and not _DATETIME_RE.match(value):
            return False
        if fmt == "date-time" and not _DATETIME_RE.match(value).group(5):
            return False  # RFC 3339 needs the offset
        if fmt == "time" and not (_CLOCK_RE.match(value) and value.count(":") == 2 and value.endswith("Z")):
            return False
        if fmt not in ("date", "date-time", "time"):
            return False
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    return not (isinstance(lo, int) and len(value) < lo or isinstance(hi, int) and len(value) > hi)


def number_fits(schema: Any, value: float) -> bool:
    """Whether number ``value`` may replace a value of ``schema`` (type, bounds, multipleOf; no enums)."""
    if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const", "oneOf", "anyOf", "not")):
        return False
    kind = schema.get("type")
    if kind == "integer" and not (isinstance(value, int) or float(value).is_integer()):
        return False
    lo, lo_open = bound(schema, "minimum", "exclusiveMinimum")
    hi, hi_open = bound(schema, "maximum", "exclusiveMaximum")
    if lo is not None and (value <= lo if lo_open else value < lo):
        return False
    if hi is not None and (value >= hi if hi_open else value > hi):
        return False
    step = schema.get("multipleOf")
    return not (isinstance(step, (int, float)) and step > 0 and not is_multiple_of(value, step))


# ---- helpers ------------------------------------------------------------
