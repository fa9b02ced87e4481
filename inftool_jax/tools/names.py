"""Tool names that every call format accepts: [A-Za-z0-9_-], at most 64 characters."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
# Underscores next to a replaced run join it, so "get_/orders" gives "get_orders".
_BAD = re.compile(r"_*[^A-Za-z0-9_-]+_*")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def sanitize_name(raw: str) -> str:
    """``raw`` with runs of other characters turned into one ``_``, trimmed to 64 characters.

    Over-long names keep a hash of the full name as suffix, so two long names
    that share a prefix stay distinct. May return "" (the caller decides).
    """
    name = _BAD.sub("_", raw).strip("_")
    if len(name) > MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = name[: MAX_NAME - 9].rstrip("_") + "_" + digest
    return name


def operation_name(method: str, path: str) -> str:
    """The name of an OpenAPI operation without operationId: ``get /users/{id}`` -> ``get_users_id``."""
    return sanitize_name(f"{method.lower()}_{path}")


def with_suffix(name: str, suffix: str) -> str:
    """``name + suffix`` cut so the result still fits in 64 characters."""
    return name[: MAX_NAME - len(suffix)] + suffix


def is_identifier(name: str) -> bool:
    """Whether ``name`` can be a keyword argument in BFCL's Python-call syntax."""
    return bool(_IDENTIFIER.match(name))


def snake_identifier(name: str) -> str:
    """``X-Request-Id`` -> ``x_request_id``: a header or odd parameter name made callable."""
    ident = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower()
    if not ident or ident[0].isdigit():
        ident = "p_" + ident
    return ident
