"""Strict JSON reading shared by the JSON-based call formats (Hermes, OpenAI).

Call arguments must be plain JSON: ``NaN``/``Infinity`` (which Python's json
module accepts by default) are refused, and every error - bad syntax, too deep
nesting, integers too long to convert - surfaces as :class:`ArgumentsError`
so that parsers can turn it into a ``ParseResult`` instead of raising.
"""

from __future__ import annotations

import json
from typing import Any


class ArgumentsError(ValueError):
    """JSON text or a decoded value that is not a usable call; ``position`` is a char offset or None."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_json_value(text: str, start: int) -> tuple[Any, int]:
    """Read one JSON value from ``text[start:]``; return it and the offset just past it."""
    try:
        return STRICT_DECODER.raw_decode(text, start)
    except json.JSONDecodeError as err:
        raise ArgumentsError(f"invalid JSON: {err.msg}", err.pos) from None
    except (ValueError, RecursionError, MemoryError) as err:
        # int-digit limits, refused NaN/Infinity, nesting beyond the C stack guard
        raise ArgumentsError(f"invalid JSON: {type(err).__name__}: {err}"[:300], start) from None


def arguments_object(value: Any, where: str) -> dict[str, Any]:
    """Normalise an ``arguments`` value: a JSON object, a JSON string holding one, or empty.

    Real models and servers send arguments as an object, as a JSON-encoded
    string, and for tools without parameters as ``null`` or ``""``; all of
    these are accepted. Anything else raises :class:`ArgumentsError`.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        start = len(value) - len(value.lstrip())
        try:
            decoded, end = decode_json_value(value, start)
        except ArgumentsError as err:
            raise ArgumentsError(f"{where}: {err.message}", err.position) from None
        if value[end:].strip():
            raise ArgumentsError(f"{where}: extra text after the JSON arguments", end)
        value = decoded
    if not isinstance(value, dict):
        raise ArgumentsError(f"{where}: arguments must be a JSON object, got {type(value).__name__}")
    return value


def dump_json(value: Any) -> str:
    """JSON text of a value as the chat templates write it (unicode kept, NaN refused)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
