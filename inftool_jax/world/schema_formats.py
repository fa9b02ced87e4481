"""A jsonschema FormatChecker that checks the common formats with the standard library.

jsonschema only checks ``date-time``, ``time`` and ``uri`` when optional
packages are installed; a simulated API must reject ``"tomorrow"`` for a
``date-time`` argument whatever is installed, so those checks are added here.
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlsplit

from jsonschema import FormatChecker

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$")
_DATE_TIME_SPLIT = re.compile(r"[Tt ]")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = _DATE_TIME_SPLIT.split(value, maxsplit=1)
    if len(parts) != 2 or len(parts[0]) != 10:
        return False
    try:
        _dt.date.fromisoformat(parts[0])
    except ValueError:
        return False
    return bool(_TIME.match(parts[1]))


def _is_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIME.match(value))


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme or ""))


def is_date_time(value: str) -> bool:
    """Whether ``value`` is an RFC 3339 date-time (``2026-03-01T10:00:00Z``)."""
    return isinstance(value, str) and _is_date_time(value)


def format_checker() -> FormatChecker:
    """jsonschema's default checker plus stdlib checks for date-time, time, uri and url."""
    checker = FormatChecker()
    checker.checks("date-time")(_is_date_time)
    checker.checks("time")(_is_time)
    checker.checks("uri")(_is_uri)
    checker.checks("url")(_is_uri)
    return checker


FORMAT_CHECKER = format_checker()
"""A shared instance (FormatChecker is stateless after set-up)."""
