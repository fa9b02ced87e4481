"""Is a schema valid JSON Schema 2020-12? The meta-schema check, fast enough for catalogs of thousands of tools.

jsonschema's ``check_schema`` walks the whole meta-schema (``$dynamicRef`` through every vocabulary) for the whole
schema: milliseconds per operation, 35 s for the 1,950 operations of one large spec and 15 s to start a simulator
on 1,259 tools. The meta-schema constrains each schema node by its own keywords only, its subschemas being
checked the same way, so here each node is checked alone, with its subschemas stubbed by ``true`` and its free
text blanked, and each distinct stub once per process: a real spec's stubs repeat.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_SCHEMA_VALUES = (
    "additionalProperties", "not", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
    "if", "then", "else", "items", "additionalItems", "contentSchema",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def check_meta_schema(schema: Any) -> None:
    """Raise jsonschema's SchemaError (``path`` from ``schema``'s root) if ``schema`` is not valid JSON Schema 2020-12.

    A drop-in for ``Draft202012Validator.check_schema``.
    """
    if not isinstance(schema, (dict, bool)):
        Draft202012Validator.check_schema(schema)
        return
    for node, path in _schema_nodes(schema, ()):
        stub = _stub(node)
        key = json.dumps(stub, sort_keys=True, default=repr)
        if key in _CHECKED_STUBS:
            continue
        try:
            Draft202012Validator.check_schema(stub)
        except SchemaError as err:
            raise SchemaError(err.message, path=(*path, *err.path), validator=err.validator, validator_value=err.validator_value) from None
        if len(_CHECKED_STUBS) >= _MAX_CHECKED_STUBS:
            _CHECKED_STUBS.clear()
        _CHECKED_STUBS.add(key)


_CHECKED_STUBS: set[str] = set()
_MAX_CHECKED_STUBS = 50_000
# Free text and example values: the meta-schema asks only for their JSON type, so any value of that type stands in.
_BLANKED = {"description": str, "title": str, "$comment": str}
_EMPTIED = {"examples": list, "enum": list}
_DROPPED = frozenset({"default", "const", "example"})


def _schema_nodes(node: Any, path: tuple):
    """``(subschema, path)`` for ``node`` and every schema inside it (dicts only; other values are checked in place)."""
    if not isinstance(node, dict):
        return
    yield node, path
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield from _schema_nodes(sub, (*path, key, name))
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            yield from _schema_nodes(value, (*path, key))
        elif key in (*_SCHEMA_LISTS, "items") and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from _schema_nodes(sub, (*path, key, i))
        elif key == "dependencies" and isinstance(value, dict):
            for name, sub in value.items():
                yield from _schema_nodes(sub, (*path, key, name))


def _stub(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with subschemas replaced by ``true`` and free text blanked; invalid values are kept to be reported."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or (isinstance(key, str) and key.startswith("x-")):
            continue
        if key in _BLANKED and isinstance(value, _BLANKED[key]):
            out[key] = ""
        elif key in _EMPTIED and isinstance(value, _EMPTIED[key]):
            out[key] = []
        elif (key in _SCHEMA_MAPS or key == "dependencies") and isinstance(value, dict):
            if all(isinstance(sub, (dict, bool)) for sub in value.values()):
                out[key] = {"_": True} if value else {}
            else:
                out[key] = {name: (True if isinstance(sub, (dict, bool)) else sub) for name, sub in value.items()}
        elif key in _SCHEMA_VALUES and isinstance(value, (dict, bool)):
            out[key] = True
        elif (key in _SCHEMA_LISTS or key == "items") and isinstance(value, list):
            out[key] = [True if isinstance(sub, (dict, bool)) else sub for sub in value]
        elif key == "required" and isinstance(value, list) and all(isinstance(v, str) for v in value) and len(set(value)) == len(value):
            out[key] = []
        else:
            out[key] = value
    return out
