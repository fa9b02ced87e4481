"""Is a value plausible for what its parameter's name, description and format say? (the ``plausible`` gate)

Schema validation lets through what a real API would never see: ``owner: "Maya Fischer"``,
``issue_number: 4.0``, ``completedMax: "alpha pioneer"`` for "a RFC 3339 timestamp", a
latitude of 581. :func:`implausible_arguments` names each such value of a call, judged
by the same kinds (:mod:`~inftool_jax.world.value_hints`) the generators follow, so a
regression in either shows up in the per-gate counts.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterator

from inftool_jax.tools.schema_helpers import effective_schema
from inftool_jax.world.named_values import tokens_of
from inftool_jax.world.schema_formats import is_date_time
from inftool_jax.world.value_hints import INTEGER_HINTS, hint_for

_SPACELESS = {"identifier", "path", "uuid", "email", "phone", "language_code", "country_code", "currency", "timezone"}
_AMOUNT_WORDS = {"amount", "price", "cost", "fee", "total", "subtotal", "payment"}
_RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0), "percent": (0.0, 100.0), "degrees": (-360.0, 360.0)}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def problem(name: str, schema: Any, value: Any) -> str | None:
    """Why ``value`` is implausible for parameter ``name`` with ``schema`` (None: plausible)."""
    schema = effective_schema(schema) if isinstance(schema, dict) else {}
    if "enum" in schema or "const" in schema or value is None:
        return None  # the schema names the values itself
    hint = hint_for(name, schema)
    if isinstance(value, str):
        if hint in _SPACELESS and "pattern" not in schema and any(ch.isspace() for ch in value.strip()):
            return f"{hint} with spaces"
        if hint == "date-time" and not is_date_time(value):
            return "unparseable date-time"
        if hint == "date":
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                return "unparseable date"
    if hint in INTEGER_HINTS and isinstance(value, float):
        return f"fractional {'id' if hint == 'identifier' else 'count'}"
    if hint in _RANGES and isinstance(value, str) and _number(value) is None:
        return f"{hint} not a number"
    number = _number(value) if hint in _RANGES or set(tokens_of(name)) & _AMOUNT_WORDS else None
    if number is not None:
        lo, hi = _RANGES.get(hint or "", (0.0 if _non_negative(schema) else float("-inf"), float("inf")))
        if not lo <= number <= hi:
            return f"{hint or 'amount'} out of range"
    return None


def _non_negative(schema: dict[str, Any]) -> bool:
    """An amount is positive unless the schema itself allows below zero."""
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    return not (isinstance(low, (int, float)) and not isinstance(low, bool) and low < 0)


def leaves(arguments: Any, schema: Any, name: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(parameter name, its schema, scalar) for every scalar of a call's arguments, list items under the list's name."""
    schema = effective_schema(schema) if isinstance(schema, dict) else {}
    if isinstance(arguments, dict):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        for key, sub in arguments.items():
            yield from leaves(sub, props.get(key, {}), key)
    elif isinstance(arguments, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if "description" not in items and schema.get("description"):
            items = {**items, "description": schema["description"]}
        for sub in arguments:
            yield from leaves(sub, items, name)
    else:
        yield name, schema, arguments


def implausible_arguments(arguments: Any, parameters: Any) -> list[str]:
    """``name=value (why)`` for every implausible scalar of a call's ``arguments`` under schema ``parameters``."""
    out = []
    for name, schema, value in leaves(arguments, parameters):
        why = problem(name, schema, value)
        if why:
            out.append(f"{name}={value!r} ({why})")
    return out
