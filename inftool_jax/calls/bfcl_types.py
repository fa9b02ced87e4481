"""BFCL's type names next to JSON Schema's: the one table every package that maps between them reads.

BFCL function docs write Python-flavoured types (``dict``, ``float``, ``tuple``, ``any``);
our ToolSpecs hold JSON Schema. Ingestion (``tools/bfcl_docs``) maps BFCL -> JSON Schema,
the BFCL checker and the reward encoder (``grading/``) read either spelling and check a
decoded value's Python type. It lives in ``calls/`` because a type name describes a call's
argument values and every user (tools, grading, world) may import ``calls/``.
"""

from __future__ import annotations

JSON_SCHEMA_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
"""The type names JSON Schema knows."""

BFCL_ANY = "any"
"""BFCL's "no constraint": no JSON Schema ``type`` at all (the checker compares its values as strings)."""

BFCL_TO_JSON_SCHEMA: dict[str, str] = {"dict": "object", "float": "number", "tuple": "array"}
"""BFCL's own spellings and the JSON Schema type each one means (the names both share map to themselves)."""

BFCL_ONLY_TYPES = frozenset(BFCL_TO_JSON_SCHEMA) | {BFCL_ANY}
"""Type names that only BFCL docs use: one of them in a spec marks it as a BFCL doc."""

PYTHON_SPELLINGS: dict[str, str] = {"list": "array", "str": "string", "int": "integer", "bool": "boolean"}
"""Python's own type names as loosely written docs use them, and the JSON Schema type each one means."""

JSON_SCHEMA_TO_BFCL: dict[str, str] = {schema: bfcl for bfcl, schema in BFCL_TO_JSON_SCHEMA.items() if schema != "array"}
"""JSON Schema spellings the checker reads under BFCL's name (``array`` stays ``array``: BFCL has it too)."""

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    BFCL_ANY: str,
    "null": type(None),
}
"""BFCL type name -> the Python type a decoded value must have, as ``bfcl_eval`` checks it (``tuple`` as a list,
``any`` as a string)."""

CHECKED_TYPES: dict[str, type] = {**PYTHON_TYPES, **{schema: PYTHON_TYPES[bfcl] for schema, bfcl in JSON_SCHEMA_TO_BFCL.items()}}
"""Every type name a function doc may carry (BFCL's and JSON Schema's) -> the Python type of its values."""


def to_json_schema_type(name: str) -> str | None:
    """The JSON Schema type a BFCL, Python or JSON Schema type name means; None for ``any`` (no constraint).

    Unknown names come back unchanged, for schema validation to reject with its own message.
    """
    if name == BFCL_ANY:
        return None
    return BFCL_TO_JSON_SCHEMA.get(name) or PYTHON_SPELLINGS.get(name, name)
