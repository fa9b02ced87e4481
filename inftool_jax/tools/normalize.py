"""Make any tool schema plain JSON Schema: `$ref`s inlined, types checked, nullables in one shape.

One walk does both resolution and normalisation so that an error inside a
referenced definition is reported at the definition's own JSON pointer.
Recursive references are cut off: the inner occurrence becomes an untyped
object and a note says so. Nullable types end up as ``{"type": T,
"nullable": true}`` whether they came as OpenAPI 3.0 ``nullable``, 3.1
``["T", "null"]`` or ``anyOf: [T, {"type": "null"}]``, so later stages see
one type per parameter.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any
from urllib.parse import unquote

from jsonschema.exceptions import SchemaError

from inftool_jax.errors import InputError
from inftool_jax.tools.json_pointer import follow_local_ref, from_path, join
from inftool_jax.tools.schema_check import check_meta_schema

KNOWN_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = (
    "additionalProperties", "not", "contains", "propertyNames",
    "unevaluatedProperties", "unevaluatedItems", "if", "then", "else",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
# Definitions are inlined where they are used, so the containers are dropped.
_DEFINITION_KEYS = ("$defs", "definitions")
# Every keyword of JSON Schema 2020-12 (all vocabularies) plus the draft 4-7 ones
# still in use, and OpenAPI's schema-object additions. Anything else in a schema is
# most likely a typo (a YAML flow mapping split at a comma turns the tail of a
# description into a key with a null value), so it is reported, not silently kept.
JSON_SCHEMA_KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment", "$defs",
    "$recursiveRef", "$recursiveAnchor", "id", "definitions",
    "prefixItems", "items", "additionalItems", "contains", "additionalProperties", "properties", "patternProperties",
    "dependentSchemas", "dependencies", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not",
    "unevaluatedItems", "unevaluatedProperties",
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired",
    "format", "contentEncoding", "contentMediaType", "contentSchema",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
})
OPENAPI_SCHEMA_KEYWORDS = frozenset({"nullable", "example", "discriminator", "xml", "externalDocs"})


@dataclasses.dataclass
class SchemaContext:
    """Where schemas come from: the file (for errors), the document `$ref`s point into, notes."""

    source: str
    root: Any
    root_pointer: str = ""
    """Pointer of ``root`` inside the file, so errors in referenced definitions name the file location."""
    notes: list[str] = dataclasses.field(default_factory=list)
    stack: tuple[str, ...] = ()
    checked: set[str] = dataclasses.field(default_factory=set)
    extra_keywords: frozenset[str] = frozenset()
    """Format-specific schema keywords that are not typos (BFCL docs' ``optional``)."""


def normalize_parameters(schema: Any, ctx: SchemaContext, pointer: str) -> dict[str, Any]:
    """A tool's parameters as a JSON Schema of type object with ``properties`` and ``required``."""
    if not isinstance(schema, dict):
        raise InputError(ctx.source, pointer, f"parameters must be a JSON Schema object, got {_kind(schema)}")
    out = normalize_schema(schema, ctx, pointer)
    if not isinstance(out, dict):
        raise InputError(ctx.source, pointer, "parameters must be a JSON Schema object")
    kind = out.get("type", "object" if set(out) <= {"description", "title", "properties", "required"} else None)
    if kind != "object":
        where = join(pointer, "type") if "type" in schema else pointer
        raise InputError(ctx.source, where, f"parameters must be a schema of type object, got {kind or 'no type'}")
    out["type"] = "object"
    out.setdefault("properties", {})
    out.setdefault("required", [])
    check_schema(out, ctx.source, pointer)
    return out


def normalize_response(schema: Any, ctx: SchemaContext, pointer: str) -> dict[str, Any] | None:
    """A response schema, normalised like parameters but of any type."""
    if schema is None:
        return None
    if not isinstance(schema, dict):
        raise InputError(ctx.source, pointer, f"a response schema must be an object, got {_kind(schema)}")
    out = normalize_schema(schema, ctx, pointer)
    check_schema(out, ctx.source, pointer)
    return out


def check_schema(schema: Any, source: str, pointer: str) -> None:
    """Raise InputError at the offending keyword if ``schema`` is not valid JSON Schema 2020-12 (see ``schema_check``)."""
    try:
        check_meta_schema(schema)
    except SchemaError as err:
        raise InputError(source, from_path(pointer, err.path), f"invalid JSON Schema: {err.message}") from None


def normalize_schema(node: Any, ctx: SchemaContext, pointer: str) -> Any:
    """A copy of ``node`` with references inlined and the shapes above normalised."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise InputError(ctx.source, pointer, f"a schema must be an object, got {_kind(node)}")
    if "$ref" in node:
        return _follow_ref(node, ctx, pointer)
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = join(pointer, key)
        if key == "type":
            out["type"] = _check_type(value, ctx, here)
        elif key in _SCHEMA_MAPS:
            if not isinstance(value, dict):
                raise InputError(ctx.source, here, f"'{key}' must be an object, got {_kind(value)}")
            out[key] = {name: normalize_schema(sub, ctx, join(here, name)) for name, sub in value.items()}
        elif key == "items" and isinstance(value, list):
            # Draft-4 tuple form: the same meaning is prefixItems in 2020-12.
            out["prefixItems"] = [normalize_schema(sub, ctx, join(here, i)) for i, sub in enumerate(value)]
        elif key == "items" or key in _SCHEMA_VALUES:
            out[key] = normalize_schema(value, ctx, here)
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                raise InputError(ctx.source, here, f"'{key}' must be a non-empty list of schemas")
            out[key] = [normalize_schema(sub, ctx, join(here, i)) for i, sub in enumerate(value)]
        elif key == "required":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(ctx.source, here, "'required' must be a list of property names")
            out[key] = list(dict.fromkeys(value))
        elif key == "enum":
            if not isinstance(value, list) or not value:
                raise InputError(ctx.source, here, "'enum' must be a non-empty list")
            _check_finite(value, ctx, here)
            out[key] = copy.deepcopy(value)
        elif key in _DEFINITION_KEYS:
            continue
        else:
            if not _known_keyword(key, ctx):
                ctx.notes.append(f"{here}: unknown JSON Schema keyword {key!r} (value {_short(value)}); a typo or an unquoted comma?")
            _check_finite(value, ctx, here)
            out[key] = copy.deepcopy(value)
    _exclusive_bounds(out)
    _collapse_nullable_type(out)
    _collapse_nullable_union(out)
    _merge_all_of(out)
    if "type" not in out:
        if "properties" in out:
            out["type"] = "object"
        elif "items" in out or "prefixItems" in out:
            out["type"] = "array"
    _prune_required(out, ctx, pointer)
    return out


def _follow_ref(node: dict[str, Any], ctx: SchemaContext, pointer: str) -> Any:
    ref = node["$ref"]
    recursive = ref in ctx.stack  # only a ref that was followed before can be on the stack
    target = None if recursive else follow_local_ref(ctx.root, ref, ctx.source, pointer)
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    extra = normalize_schema(siblings, ctx, pointer) if siblings else {}
    if recursive:
        ctx.notes.append(f"{pointer}: recursive $ref '{ref}' cut off (replaced by an untyped object)")
        return {"type": "object", "description": f"(recursive reference to {ref} cut off)", **extra}
    target_pointer = ctx.root_pointer + unquote(ref[1:])
    resolved = normalize_schema(target, dataclasses.replace(ctx, stack=ctx.stack + (ref,)), target_pointer)
    if ref not in ctx.checked:
        check_schema(resolved, ctx.source, target_pointer)
        ctx.checked.add(ref)
    if isinstance(resolved, bool):
        return resolved
    return {**resolved, **extra}


def _check_type(value: Any, ctx: SchemaContext, pointer: str) -> Any:
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) for n in names):
        raise InputError(ctx.source, pointer, "'type' must be a type name or a list of type names")
    for i, name in enumerate(names):
        if name not in KNOWN_TYPES:
            where = join(pointer, i) if isinstance(value, list) else pointer
            raise InputError(ctx.source, where, f"unknown type '{name}' (expected one of {', '.join(KNOWN_TYPES)})")
    return list(dict.fromkeys(value)) if isinstance(value, list) else value


def _collapse_nullable_type(out: dict[str, Any]) -> None:
    kinds = out.get("type")
    if not isinstance(kinds, list):
        return
    others = [k for k in kinds if k != "null"]
    if len(others) == 1:
        out["type"] = others[0]
        if "null" in kinds:
            out["nullable"] = True
    elif not others:
        out["type"] = "null"


def _collapse_nullable_union(out: dict[str, Any]) -> None:
    for key in ("anyOf", "oneOf"):
        members = out.get(key)
        if not isinstance(members, list) or len(members) != 2:
            continue
        nulls = [m for m in members if m == {"type": "null"}]
        rest = [m for m in members if m != {"type": "null"}]
        if len(nulls) == 1 and len(rest) == 1 and isinstance(rest[0], dict):
            del out[key]
            own = dict(out)
            out.clear()
            out.update(rest[0])
            out.update(own)
            out["nullable"] = True
            return


def _object_like(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type", "object") == "object" and "properties" in schema


def _merge_all_of(out: dict[str, Any]) -> None:
    members = out.get("allOf")
    if not isinstance(members, list) or not all(_object_like(m) for m in members):
        return
    del out["allOf"]
    properties = dict(out.get("properties", {}))
    required = list(out.get("required", []))
    for member in members:
        for key, value in member.items():
            if key == "properties":
                properties.update(value)
            elif key == "required":
                required.extend(value)
            else:
                out.setdefault(key, value)
    out["type"] = "object"
    out["properties"] = properties
    out["required"] = list(dict.fromkeys(required))


def _exclusive_bounds(out: dict[str, Any]) -> None:
    # OpenAPI 3.0 (draft 4) booleans -> the 2020-12 numeric form.
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(bound)
        if isinstance(flag, bool):
            del out[bound]
            if flag and limit in out:
                out[bound] = out.pop(limit)


def _prune_required(out: dict[str, Any], ctx: SchemaContext, pointer: str) -> None:
    required = out.get("required")
    properties = out.get("properties")
    if not required or not isinstance(properties, dict):
        return
    missing = [name for name in required if name not in properties]
    if missing:
        out["required"] = [name for name in required if name in properties]
        ctx.notes.append(f"{pointer}/required: dropped {missing}: not among the properties")


def _check_finite(value: Any, ctx: SchemaContext, pointer: str) -> None:
    # YAML's .nan/.inf, JSON's NaN/Infinity extensions and 1e999 parse as floats no JSON writer may emit.
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(ctx.source, pointer, f"{value!r} is not a JSON number (NaN and Infinity are not allowed)")
    if isinstance(value, dict):
        for name, sub in value.items():
            _check_finite(sub, ctx, join(pointer, name))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _check_finite(sub, ctx, join(pointer, i))


def _known_keyword(key: Any, ctx: SchemaContext) -> bool:
    if not isinstance(key, str):
        return False
    return key in JSON_SCHEMA_KEYWORDS or key in OPENAPI_SCHEMA_KEYWORDS or key.startswith("x-") or key in ctx.extra_keywords


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return type(value).__name__
