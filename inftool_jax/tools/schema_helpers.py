"""Reading a ToolSpec's JSON Schemas: the one helper set every stage that looks inside a schema shares.

The tool world (value generation, the simulator), the user simulator's value
sampler and the planner all ask the same questions of a (sub)schema: which
type does it hold, which branch of a nullable union is the real one, where do
its bounds lie, does it admit null, what does a local ``$ref`` point at. The
answers live here, at the lowest layer they all import, so that they cannot
drift apart.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.bfcl_types import to_json_schema_type
from inftool_jax.tools.json_pointer import PointerMissing, resolve


def is_json_number(value: Any) -> bool:
    """An int or float value that is no bool (``True`` is an int to Python, not a number to JSON)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(name: Any) -> Any:
    """A type word as JSON Schema spells it (BFCL's ``dict``, Python's ``str`` mapped); ``any``, unknown words
    and non-strings come back unchanged."""
    if not isinstance(name, str):
        return name
    return to_json_schema_type(name) or name


def schema_type(schema: dict[str, Any]) -> str:
    """The effective JSON type of a schema (first non-null of a type list / anyOf / oneOf)."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        if "enum" in schema and schema["enum"]:
            first = schema["enum"][0]
            return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(first), "string")
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        for key in ("anyOf", "oneOf"):
            for sub in schema.get(key) or []:
                if isinstance(sub, dict) and sub.get("type") not in (None, "null"):
                    return schema_type(sub)
        return "string"
    return str(t)


def effective_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The first non-null branch of anyOf/oneOf merged over the schema itself."""
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            if isinstance(sub, dict) and sub.get("type") != "null":
                merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                merged.update(sub)
                return merged
    return schema


def is_complex(schema: dict[str, Any]) -> bool:
    """True for parameter schemas with nested objects, arrays or enums anywhere."""
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        prop = effective_schema(prop)
        if "enum" in prop or schema_type(prop) in ("object", "array"):
            return True
    return False


def is_array_schema(schema: Any) -> bool:
    """A schema of a list (typed ``array``, or untyped with ``items``)."""
    return isinstance(schema, dict) and (schema.get("type") == "array" or "items" in schema)


def is_plain_string(schema: Any) -> bool:
    """A string schema without any constraint (no format, pattern, enum, const or length); no schema counts too."""
    if not isinstance(schema, dict):
        return True
    kind = schema.get("type", "string")
    return kind == "string" and not any(k in schema for k in ("format", "pattern", "enum", "const", "maxLength", "minLength"))


def merge_schemas(a: dict[str, Any], b: Any) -> dict[str, Any]:
    """Merge two schemas for allOf: properties joined, required unioned, b wins elsewhere."""
    if not isinstance(b, dict):
        return a
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and isinstance(out.get("properties"), dict) and isinstance(value, dict):
            out["properties"] = {**out["properties"], **value}
        elif key == "required" and isinstance(out.get("required"), list) and isinstance(value, list):
            out["required"] = list(dict.fromkeys(out["required"] + value))
        else:
            out[key] = value
    return out


def bound(schema: dict[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    """``(limit, open)`` of a schema's lower (``"minimum", "exclusiveMinimum"``) or upper bound.

    Reads both drafts: draft 4's boolean ``exclusiveMinimum`` flag on ``minimum`` and 2020-12's numeric
    one. Where both forms give a number the tighter wins; for the same number an exclusive bound is tighter.
    """
    value = schema.get(inclusive)
    excl = schema.get(exclusive)
    if isinstance(excl, bool):  # draft 4: a flag on the inclusive bound
        return (value if isinstance(value, (int, float)) else None), bool(excl) and value is not None
    candidates = []
    if isinstance(value, (int, float)):
        candidates.append((value, False))
    if isinstance(excl, (int, float)):
        candidates.append((excl, True))
    if not candidates:
        return None, False
    if inclusive == "minimum":
        return max(candidates, key=lambda c: (c[0], c[1]))
    return min(candidates, key=lambda c: (c[0], not c[1]))


def is_multiple_of(value: float, step: float) -> bool:
    """Whether ``value`` satisfies ``multipleOf: step``, by jsonschema's own test (so values pass its validator)."""
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    if isinstance(value, float):
        return value % step == 0 if value.is_integer() else False
    return value % step == 0


def admit_nullable(schema: Any) -> Any:
    """A copy of ``schema`` where ``{"type": T, "nullable": true}`` (OpenAPI 3.0, kept by ingestion) also accepts null."""
    if isinstance(schema, list):
        return [admit_nullable(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (v if k in ("enum", "const", "default", "examples", "example") else admit_nullable(v)) for k, v in schema.items()}
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str) and kind != "null":
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def local_ref_target(root: Any, ref: Any) -> Any:
    """What a local ``$ref`` (``#/...``) points at inside ``root``; ``{}`` (no constraint) for a remote or broken one.

    For schemas already ingested (ingestion inlines every ``$ref`` and rejects broken ones, naming the file),
    so a leftover reference is answered leniently instead of failing a generator mid-episode.
    """
    if not isinstance(ref, str) or not ref.startswith("#"):
        return {}
    try:
        return resolve(root, ref)
    except PointerMissing:
        return {}
