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


def closest_names(name: str, names, n: int = 5) -> list[str]:
    """Up to ``n`` of ``names`` most like ``name`` (difflib's ratio, then shared prefix): for "unknown tool" errors,
    which must stay short on a catalog of a thousand tools."""
    import difflib

    pool = list(names)
    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.5)
    if len(close) < n:
        lowered = name.lower()
        close += [other for other in pool if other not in close and (lowered in other.lower() or other.lower() in lowered)][: n - len(close)]
    return close


def unknown_name_message(kind: str, name: str, names) -> str:
    """``unknown tool 'x'; closest: a, b`` (or how many there are when none is close)."""
    pool = list(names)
    close = closest_names(name, pool)
    if close:
        return f"unknown {kind} {name!r}; closest: {', '.join(close)}"
    return f"unknown {kind} {name!r}; none of the {len(pool)} {kind}s has a similar name"
