"""Search results that answer the search: the searched dates and number bounds hold for each listed item.

``respect_filters(item, args, fits)`` adjusts one listed item (a dict) in place
so that the filter arguments of the search hold for it, where the names say
which field a filter is about:

* a date without a bound word pins the field of the same stem:
  ``search_flights(departure_date=2026-03-04)`` -> ``departure_time`` on that
  day (the time of day kept);
* dates with bound words make a range: ``start_date``/``end_date``,
  ``window_start``/``window_end``, ``after``/``before`` (``before`` excludes
  its day), ``from_*``/``until_*``... A range names the field of the same stem
  (``start_date`` and an item's ``start``), or, when its stem is empty and no
  field has that stem, the item's first date field (``after`` ->
  ``received_at``). A field outside the range is moved into it (a
  deterministic day inside, its time of day kept);
* a later field tied to a moved one (``arrival_time`` after ``departure_time``,
  ``end`` after ``start``: :func:`ordering.ordered_pairs`) moves by the same
  amount, so durations stay as generated;
* number bounds (``min_amount``, ``max_stops``, ``max_price_per_night``,
  ``min_price``/``max_price``) hold for the numeric field of the same stem, or
  for the ``amount``/``value`` of a money object of that stem
  (``price_per_night: {amount, currency}``).

A changed value is kept only if ``fits(path, value)`` says the item's schema
accepts it. Pure and deterministic: no randomness is drawn, so a search's
results stay a function of the simulator's state and the call.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from inftool_jax.tools.schema_helpers import is_json_number
from inftool_jax.world.named_values import tokens_of
from inftool_jax.world.ordering import ordered_pairs

_LOWER = frozenset({"start", "from", "after", "since", "begin", "earliest", "min", "minimum", "low", "lowest"})
_UPPER = frozenset({"end", "to", "before", "until", "latest", "max", "maximum", "high", "highest"})
_EXCLUSIVE = frozenset({"before"})
_NOISE = frozenset({"date", "time", "datetime", "timestamp", "at", "on", "day", "window", "only"})
_MONEY_LEAVES = ("amount", "value", "total")
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")

Fits = Callable[[tuple[str, ...], Any], bool]


@dataclass
class _When:
    """A parsed ISO date or date-time string, and how to write a new moment the same way."""

    at: dt.datetime
    has_time: bool
    seconds: bool
    zone: str

    def render(self, moment: dt.datetime) -> str:
        if not self.has_time:
            return moment.date().isoformat()
        clock = moment.strftime("%H:%M:%S" if self.seconds else "%H:%M")
        return f"{moment.date().isoformat()}T{clock}{self.zone}"


def _parse_when(value: Any) -> _When | None:
    if not isinstance(value, str):
        return None
    m = _WHEN.match(value)
    if m is None:
        return None
    try:
        day = dt.date.fromisoformat(m.group(1))
        if m.group(2) is None:
            return _When(dt.datetime.combine(day, dt.time()), False, False, "")
        clock = dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
    except ValueError:
        return None
    return _When(dt.datetime.combine(day, clock), True, m.group(4) is not None, m.group(6) or "")


def _split(name: str) -> tuple[str | None, tuple[str, ...]]:
    """(``"lo"``/``"hi"``/None, stem): ``min_price`` -> ("lo", ("price",)); ``departure_date`` -> (None, ("departure",))."""
    tokens = tokens_of(name)
    bound = "lo" if set(tokens) & _LOWER else "hi" if set(tokens) & _UPPER else None
    return bound, tuple(t for t in tokens if t not in _LOWER and t not in _UPPER and t not in _NOISE)


@dataclass
class _Range:
    lo: Any = None
    hi: Any = None
    hi_open: bool = False  # dates: hi is exclusive
    exact: Any = None


def _date_filters(args: dict[str, Any]) -> dict[tuple[str, ...], _Range]:
    out: dict[tuple[str, ...], _Range] = {}
    for name, value in args.items():
        when = _parse_when(value)
        if when is None:
            continue
        bound, stem = _split(name)
        rng = out.setdefault(stem, _Range())
        if bound is None:
            rng.exact = when
        elif bound == "lo":
            rng.lo = when.at if rng.lo is None else max(rng.lo, when.at)
        else:
            exclusive = bool(set(tokens_of(name)) & _EXCLUSIVE)
            # a day as an upper bound includes the whole day, unless it says "before"
            hi = when.at if (when.has_time or exclusive) else when.at + dt.timedelta(days=1)
            open_ = exclusive or not when.has_time
            if rng.hi is None or hi < rng.hi:
                rng.hi, rng.hi_open = hi, open_
    return out


def _number_filters(args: dict[str, Any]) -> dict[tuple[str, ...], _Range]:
    out: dict[tuple[str, ...], _Range] = {}
    for name, value in args.items():
        if not is_json_number(value):
            continue
        bound, stem = _split(name)
        if bound is None or not stem:
            continue
        rng = out.setdefault(stem, _Range())
        if bound == "lo":
            rng.lo = value if rng.lo is None else max(rng.lo, value)
        else:
            rng.hi = value if rng.hi is None else min(rng.hi, value)
    return out


def _in_range(at: dt.datetime, rng: _Range) -> bool:
    if rng.lo is not None and at < rng.lo:
        return False
    if rng.hi is not None and (at >= rng.hi if rng.hi_open else at > rng.hi):
        return False
    return True


def _moved(at: dt.datetime, when: _When, rng: _Range) -> dt.datetime | None:
    """The moment inside ``rng`` this field moves to (a day picked from the field's own date), or None to keep it."""
    if rng.exact is not None:
        target = rng.exact.at if rng.exact.has_time and when.has_time else dt.datetime.combine(rng.exact.at.date(), at.time())
        return None if target == at else target
    if _in_range(at, rng):
        return None
    lo = rng.lo.date() if rng.lo is not None else None
    last = rng.hi if rng.hi is not None else None
    if last is not None and rng.hi_open:
        last = last - dt.timedelta(microseconds=1)
    if lo is not None and last is not None:
        days = (last.date() - lo).days + 1
        if days <= 0:
            return None  # an empty range: nothing can satisfy it
        pick = lo + dt.timedelta(days=at.date().toordinal() % days)
    elif lo is not None:
        pick = lo + dt.timedelta(days=at.date().toordinal() % 14)
    else:
        pick = last.date() - dt.timedelta(days=at.date().toordinal() % 14)  # type: ignore[union-attr]
    moment = dt.datetime.combine(pick, at.time())
    if _in_range(moment, rng):
        return moment
    # the kept time of day falls outside a bound that has one: the bound itself
    for candidate in (rng.lo, last):
        if candidate is not None and _in_range(candidate, rng):
            return candidate
    return None


def _respect_dates(item: dict[str, Any], args: dict[str, Any], fits: Fits, frozen: set[str]) -> None:
    filters = _date_filters(args)
    if not filters:
        return
    whens = {k: w for k, v in item.items() if (w := _parse_when(v)) is not None}
    if not whens:
        return
    pairs = ordered_pairs(tuple(whens))
    later = {late for _, late in pairs}
    stems = {k: _split(k)[1] for k in whens}
    anchors: dict[str, _Range] = {}
    for stem, rng in filters.items():
        named = [k for k in whens if stems[k] == stem and k not in later]
        if not named and not stem:
            named = [k for k in whens if k not in later][:1]
        for key in named:
            anchors.setdefault(key, rng)
    for key, rng in anchors.items():
        if key in frozen:
            continue
        moment = _moved(whens[key].at, whens[key], rng)
        if moment is None:
            continue
        delta = moment - whens[key].at
        changes = {key: whens[key].render(moment)}
        for early, late in pairs:
            if early == key and late not in frozen:
                changes[late] = whens[late].render(whens[late].at + delta)
        if all(fits((k,), v) for k, v in changes.items()):
            item.update(changes)


def _bounded(value: int | float, rng: _Range) -> int | float | None:
    """A number inside ``rng`` picked from ``value`` itself (so listed items keep differing), or None to keep it."""
    lo, hi = rng.lo, rng.hi
    if lo is not None and hi is not None and lo > hi:
        return None
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return None
    if isinstance(value, int):
        low = math.ceil(lo) if lo is not None else (min(0, math.floor(hi)) if hi is not None else 0)
        high = math.floor(hi) if hi is not None else low + 9
        return low + abs(value) % (high - low + 1) if high >= low else None
    frac = (abs(value) * 7.31) % 1.0  # a stable spread from the value
    if lo is not None and hi is not None:
        new = lo + (hi - lo) * frac
    elif hi is not None:
        new = hi * (0.5 + 0.5 * frac) if hi > 0 else hi
    else:
        new = lo * (1.0 + frac) if lo > 0 else lo + 100.0 * frac  # type: ignore[operator]
    new = round(new, 2)
    if (lo is not None and new < lo) or (hi is not None and new > hi):
        new = float(hi if hi is not None else lo)  # type: ignore[arg-type]
    return new


def _respect_numbers(item: dict[str, Any], args: dict[str, Any], fits: Fits, frozen: set[str]) -> None:
    filters = _number_filters(args)
    for key, value in list(item.items()):
        if key in frozen:
            continue
        rng = filters.get(_split(key)[1]) if _split(key)[0] is None else None
        if rng is None:
            continue
        if is_json_number(value):
            new = _bounded(value, rng)
            if new is not None and fits((key,), new):
                item[key] = new
        elif isinstance(value, dict):
            leaf = next((k for k in _MONEY_LEAVES if is_json_number(value.get(k))), None)
            if leaf is not None:
                new = _bounded(value[leaf], rng)
                if new is not None and fits((key, leaf), new):
                    value[leaf] = new


def respect_filters(item: Any, args: dict[str, Any], fits: Fits, frozen: set[str] | frozenset[str] = frozenset()) -> Any:
    """``item`` with the search's date and number filters made true (in place); keys in ``frozen`` are kept."""
    if isinstance(item, dict) and args:
        _respect_dates(item, args, fits, set(frozen))
        _respect_numbers(item, args, fits, set(frozen))
    return item
