"""BFCL function docs -> ToolSpec: BFCL's Python-, Java- and JavaScript-flavoured types mapped to JSON Schema.

``dict`` -> object, ``float`` -> number, ``tuple`` -> array, ``any`` -> no type
constraint, at every depth; the Java docs' ``String``, ``long``, ``char``, ``HashMap``, ``ArrayList``... and the
JavaScript docs' ``String``, ``Boolean``, ``Bigint``... map to the JSON type of their values (BFCL's own
type-conversion tables), and a name JSON Schema lacks is kept as ``x-bfcl-type`` so a Java or JavaScript renderer
can still say it. Accepts doc lists (BFCL's ``*_func_doc`` files, JSON Lines) and question entries
(``{"id", "question", "function": [...]}``).
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.bfcl_types import BFCL_ANY, BFCL_TO_JSON_SCHEMA
from inftool_jax.tools.entries import tool_entries
from inftool_jax.tools.function_object import function_to_spec
from inftool_jax.tools.ingest_log import IngestLog
from inftool_jax.tools.json_pointer import join
from inftool_jax.tools.spec import ToolSpec

# BFCL's own schema keyword (``"optional": true`` on a few parameters): not a typo.
BFCL_KEYWORDS = frozenset({"optional"})
_SUBSCHEMA_VALUES = ("items", "additionalProperties", "not")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")

JAVA_TYPES: dict[str, dict[str, Any]] = {
    "byte": {"type": "integer", "minimum": -128, "maximum": 127},
    "short": {"type": "integer", "minimum": -32768, "maximum": 32767},
    "long": {"type": "integer"},
    "double": {"type": "number"},
    "char": {"type": "string", "minLength": 1, "maxLength": 1},
    "String": {"type": "string"},
    "Array": {"type": "array"},
    "ArrayList": {"type": "array"},
    "Queue": {"type": "array"},
    "Stack": {"type": "array"},
    "Set": {"type": "array", "uniqueItems": True},
    "HashMap": {"type": "object"},
    "Hashtable": {"type": "object"},
}
"""BFCL Java doc types JSON Schema has no name for (``integer``, ``float``, ``boolean``, ``any`` are shared)."""
JAVASCRIPT_TYPES: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "Boolean": {"type": "boolean"},
    "Bigint": {"type": "integer"},
}
"""BFCL JavaScript doc types JSON Schema has no name for (``integer``, ``float``, ``dict``, ``array``, ``any`` are
shared with BFCL's Python docs)."""
LANGUAGE_TYPES: dict[str, dict[str, Any]] = {**JAVA_TYPES, **JAVASCRIPT_TYPES}
"""Every Java/JavaScript type name of BFCL docs and the JSON Schema it stands for."""


def ingest_bfcl(doc: Any, source: str, domain: str, log: IngestLog | None = None) -> list[ToolSpec]:
    """One ToolSpec per function doc (duplicates across question entries are merged later)."""
    log = log if log is not None else IngestLog()
    specs = []
    for entry, pointer in tool_entries(doc, source):
        if isinstance(entry, dict) and isinstance(entry.get("function"), list):
            functions = [(fn, join(pointer, "function", i)) for i, fn in enumerate(entry["function"])]
        else:
            functions = [(entry, pointer)]
        for fn, fn_pointer in functions:
            spec = log.attempt("tool", bfcl_function_to_spec, fn, fn_pointer, source, domain, "bfcl")
            if spec is not None:
                specs.append(spec)
    return specs


def bfcl_function_to_spec(fn: Any, pointer: str, source: str, domain: str, fmt: str) -> ToolSpec:
    """One function doc (BFCL types anywhere in its schemas) -> ToolSpec."""
    if isinstance(fn, dict):
        fn = {k: (bfcl_to_json_schema(v) if k in ("parameters", "response") else v) for k, v in fn.items()}
    return function_to_spec(fn, pointer, source, domain, fmt, extra_keywords=BFCL_KEYWORDS)


def bfcl_to_json_schema(schema: Any) -> Any:
    """A copy of ``schema`` with BFCL types replaced; unknown types are left for normalisation to reject."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    kind = out.get("type")
    if kind == BFCL_ANY:
        del out["type"]
    elif isinstance(kind, str) and kind in LANGUAGE_TYPES:
        out.update({k: v for k, v in LANGUAGE_TYPES[kind].items() if k not in schema or k == "type"})
        out["x-bfcl-type"] = kind
    elif isinstance(kind, str):
        out["type"] = BFCL_TO_JSON_SCHEMA.get(kind, kind)
    elif isinstance(kind, list):
        mapped = [_type_word(k) for k in kind if k != BFCL_ANY]
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


def _type_word(kind: Any) -> Any:
    if not isinstance(kind, str):
        return kind
    if kind in LANGUAGE_TYPES:
        return LANGUAGE_TYPES[kind]["type"]
    return BFCL_TO_JSON_SCHEMA.get(kind, kind)
