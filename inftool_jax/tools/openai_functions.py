"""OpenAI `tools` lists, `functions` lists, single functions, bare JSON-Schema functions and xLAM functions.

Function docs copied from BFCL into OpenAI wrappers keep BFCL's types (``"type": "dict"``, ``float``): those are
mapped as in BFCL docs rather than rejected.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.bfcl_docs import BFCL_KEYWORDS, bfcl_to_json_schema
from inftool_jax.tools.detect import uses_bfcl_types
from inftool_jax.tools.entries import tool_entries
from inftool_jax.tools.function_object import function_to_spec
from inftool_jax.tools.ingest_log import IngestLog
from inftool_jax.tools.json_pointer import join
from inftool_jax.tools.spec import ToolSpec


def ingest_openai(doc: Any, source: str, domain: str, fmt: str = "openai", log: IngestLog | None = None,
                  entries: list[tuple[Any, str]] | None = None) -> list[ToolSpec]:
    """One ToolSpec per entry; each entry is ``{"type": "function", "function": {...}}`` or the function itself.

    ``entries``: ``(entry, pointer)`` pairs found elsewhere (xLAM dataset rows) instead of ``doc``'s own.
    """
    log = log if log is not None else IngestLog()
    specs = []
    for entry, pointer in entries if entries is not None else tool_entries(doc, source):
        spec = log.attempt("tool", _entry_to_spec, entry, pointer, source, domain, fmt)
        if spec is not None:
            specs.append(spec)
    return specs


def _entry_to_spec(entry: Any, pointer: str, source: str, domain: str, fmt: str) -> ToolSpec:
    if isinstance(entry, dict) and "function" in entry and entry.get("type", "function") == "function":
        fn, pointer = entry["function"], join(pointer, "function")
    elif isinstance(entry, dict) and entry.get("type") not in (None, "function") and "name" not in entry:
        raise InputError(source, join(pointer, "type"), f"unsupported tool type '{entry.get('type')}'")
    else:
        fn = entry
    if isinstance(fn, dict) and uses_bfcl_types({k: fn[k] for k in ("parameters", "response") if k in fn}):
        fn = {k: (bfcl_to_json_schema(v) if k in ("parameters", "response") else v) for k, v in fn.items()}
        return function_to_spec(fn, pointer, source, domain, fmt, extra_keywords=BFCL_KEYWORDS)
    return function_to_spec(fn, pointer, source, domain, fmt)
