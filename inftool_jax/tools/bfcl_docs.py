"""BFCL function docs -> ToolSpec: BFCL's Python-flavoured types mapped to JSON Schema.

``dict`` -> object, ``float`` -> number, ``tuple`` -> array, ``any`` -> no type
constraint, at every depth. Accepts doc lists (BFCL's ``*_func_doc`` files,
JSON Lines) and question entries (``{"id", "question", "function": [...]}``).
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.bfcl_types import BFCL_ANY, BFCL_TO_JSON_SCHEMA
from inftool_jax.tools.entries import tool_entries
from inftool_jax.tools.function_object import function_to_spec
from inftool_jax.tools.json_pointer import join
from inftool_jax.tools.spec import ToolSpec

# BFCL's own schema keyword (``"optional": true`` on a few parameters): not a typo.
BFCL_KEYWORDS = frozenset({"optional"})
_SUBSCHEMA_VALUES = ("items", "additionalProperties", "not")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def ingest_bfcl(doc: Any, source: str, domain: str) -> list[ToolSpec]:
    """One ToolSpec per function doc (duplicates across question entries are merged later)."""
    specs = []
    for entry, pointer in tool_entries(doc, source):
        if isinstance(entry, dict) and isinstance(entry.get("function"), list):
            functions = [(fn, join(pointer, "function", i)) for i, fn in enumerate(entry["function"])]
        else:
            functions = [(entry, pointer)]
        for fn, fn_pointer in functions:
            if isinstance(fn, dict):
                fn = {k: (bfcl_to_json_schema(v) if k in ("parameters", "response") else v) for k, v in fn.items()}
            specs.append(function_to_spec(fn, fn_pointer, source, domain, "bfcl", extra_keywords=BFCL_KEYWORDS))
    return specs


def bfcl_to_json_schema(schema: Any) -> Any:
    """A copy of ``schema`` with BFCL types replaced; unknown types are left for normalisation to reject."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    kind = out.get("type")
    if kind == BFCL_ANY:
        del out["type"]
    elif isinstance(kind, str):
        out["type"] = BFCL_TO_JSON_SCHEMA.get(kind, kind)
    elif isinstance(kind, list):
        mapped = [BFCL_TO_JSON_SCHEMA.get(k, k) for k in kind if k != BFCL_ANY]
        if len(mapped) < len(kind) or not mapped:
            del out["type"]  # a union with `any` accepts anything
        else:
            out["type"] = mapped
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: bfcl_to_json_schema(v) for k, v in out["properties"].items()}
    for key in _SUBSCHEMA_VALUES:
        if isinstance(out.get(key), dict):
            out[key] = bfcl_to_json_schema(out[key])
    for key in _SUBSCHEMA_LISTS + ("items",):
        if isinstance(out.get(key), list):
            out[key] = [bfcl_to_json_schema(v) for v in out[key]]
    return out
