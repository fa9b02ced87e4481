"""Where the tool entries of a function-style document are, with their JSON pointers."""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.json_pointer import join


def tool_entries(doc: Any, source: str) -> list[tuple[Any, str]]:
    """``(entry, pointer)`` for each tool in a list, a ``tools``/``functions`` wrapper,
    a JSON-RPC ``result.tools`` envelope, or a single tool object."""
    if isinstance(doc, list):
        return [(item, join("", i)) for i, item in enumerate(doc)]
    if not isinstance(doc, dict):
        raise InputError(source, "", "expected an object or a list of tools")
    if isinstance(doc.get("result"), dict) and "tools" in doc["result"]:
        return _listed(doc["result"]["tools"], "/result/tools", source)
    for key in ("tools", "functions"):
        if key in doc:
            return _listed(doc[key], f"/{key}", source)
    return [(doc, "")]


def _listed(items: Any, pointer: str, source: str) -> list[tuple[Any, str]]:
    if not isinstance(items, list):
        raise InputError(source, pointer, "must be a list of tools")
    return [(item, join(pointer, i)) for i, item in enumerate(items)]
