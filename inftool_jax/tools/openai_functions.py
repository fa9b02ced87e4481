"""OpenAI `tools` lists, `functions` lists, single functions and bare JSON-Schema functions."""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.entries import tool_entries
from inftool_jax.tools.function_object import function_to_spec
from inftool_jax.tools.json_pointer import join
from inftool_jax.tools.spec import ToolSpec


def ingest_openai(doc: Any, source: str, domain: str, fmt: str = "openai") -> list[ToolSpec]:
    """One ToolSpec per entry; each entry is ``{"type": "function", "function": {...}}`` or the function itself."""
    specs = []
    for entry, pointer in tool_entries(doc, source):
        if isinstance(entry, dict) and "function" in entry and entry.get("type", "function") == "function":
            fn, pointer = entry["function"], join(pointer, "function")
        elif isinstance(entry, dict) and entry.get("type") not in (None, "function") and "name" not in entry:
            raise InputError(source, join(pointer, "type"), f"unsupported tool type '{entry.get('type')}'")
        else:
            fn = entry
        specs.append(function_to_spec(fn, pointer, source, domain, fmt))
    return specs
