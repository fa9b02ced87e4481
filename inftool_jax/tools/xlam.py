"""The xLAM / APIGen function layout -> JSON Schema.

Salesforce's APIGen data (``xlam-function-calling-60k``) and the tools of many open function-calling datasets write
parameters as a flat map of name -> ``{"type", "description", "default"}`` with Python type strings:
``"str"``, ``"int, optional"``, ``"List[int]"``, ``"Dict[str, Any]"``, ``"Optional[float]"``. Dataset rows carry the
tool list as a JSON string (``{"query", "answers", "tools": "[...]"}``). A parameter is required unless its type says
optional; ``"default": ""`` means "no default" there.
"""

from __future__ import annotations

import json
import re
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.json_pointer import join

_SCHEMA_SHAPE = frozenset({"type", "properties", "required", "$ref", "anyOf", "oneOf", "allOf", "additionalProperties"})
_SCALARS = {
    "str": "string", "string": "string", "text": "string", "int": "integer", "integer": "integer",
    "float": "number", "double": "number", "number": "number", "bool": "boolean", "boolean": "boolean",
    "none": "null", "nonetype": "null", "null": "null",
}
_LISTS = {"list", "array", "sequence", "iterable"}
_TUPLES = {"tuple"}
_SETS = {"set", "frozenset"}
_MAPS = {"dict", "mapping", "object", "map"}
_ANY = {"any"}
_OPTIONAL_SUFFIX = re.compile(r"\s*,\s*optional\s*$", re.IGNORECASE)


def is_xlam_parameters(params: Any) -> bool:
    """True for the flat name -> ``{"type": "<python type>", ...}`` layout (not a JSON Schema object)."""
    if not isinstance(params, dict) or not params or not all(isinstance(v, dict) for v in params.values()):
        return False
    if isinstance(params.get("type"), str) or isinstance(params.get("required"), list):
        return False
    if "properties" in params and all(isinstance(v, dict) for v in params["properties"].values()) and set(params) <= _SCHEMA_SHAPE | {"description", "title"}:
        return False
    return any(isinstance(v.get("type"), str) for v in params.values())


def xlam_to_json_schema(params: dict[str, Any], source: str, pointer: str) -> dict[str, Any]:
    """The JSON Schema object for an xLAM parameter map found at ``pointer`` of ``source``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, entry in params.items():
        here = join(pointer, name)
        raw = entry.get("type", "any")
        if not isinstance(raw, str):
            raise InputError(source, join(here, "type"), f"xLAM type must be a string such as 'int, optional', got {raw!r}")
        optional = bool(_OPTIONAL_SUFFIX.search(raw))
        text = _OPTIONAL_SUFFIX.sub("", raw).strip()
        schema, nullable = _parse(text, source, join(here, "type"))
        schema = dict(schema)
        if isinstance(entry.get("description"), str):
            schema["description"] = entry["description"].strip()
        if "default" in entry:
            default = _default(entry["default"], schema)
            if default is not _NONE:
                schema["default"] = default
        if nullable:
            schema["nullable"] = True
        properties[name] = schema
        if not (optional or nullable):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def dataset_rows_tools(rows: list[Any], source: str) -> list[tuple[Any, str]]:
    """``(function, pointer)`` for every tool of xLAM dataset rows, whose ``tools`` is a JSON string.

    The pointer names the row's ``tools`` field and the index inside the decoded list (``/3/tools/1``).
    """
    out = []
    for i, row in enumerate(rows):
        here = join("", i, "tools")
        tools = row.get("tools") if isinstance(row, dict) else None
        if isinstance(tools, str):
            try:
                tools = json.loads(tools)
            except json.JSONDecodeError as err:
                raise InputError(source, here, f"'tools' is not a JSON list: {err.msg} at column {err.colno}") from None
        if not isinstance(tools, list):
            raise InputError(source, here, "'tools' must be a list of functions (or a JSON string of one)")
        out += [(fn, join(here, j)) for j, fn in enumerate(tools)]
    return out


def is_dataset_rows(doc: Any) -> bool:
    """xLAM / APIGen dataset rows: objects with a ``query`` and a ``tools`` list written as a JSON string."""
    return isinstance(doc, list) and bool(doc) and all(
        isinstance(r, dict) and "query" in r and isinstance(r.get("tools"), (str, list)) for r in doc
    ) and any(isinstance(r.get("tools"), str) for r in doc)


_NONE = object()


def _default(value: Any, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if value == "":
        return _NONE  # xLAM's "no default"; as a value it would be an empty argument
    if isinstance(value, str) and kind in ("integer", "number"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if kind == "integer" and number.is_integer() else number
    if isinstance(value, str) and kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _parse(text: str, source: str, pointer: str) -> tuple[dict[str, Any], bool]:
    """``(schema, nullable)`` for a Python type expression such as ``List[Dict[str, Any]]``."""
    head, args = _split(text, source, pointer)
    word = head.lower().replace("typing.", "")
    if word == "optional" and len(args) == 1:
        inner, _ = _parse(args[0], source, pointer)
        return inner, True
    if word == "union" and args:
        members = [_parse(a, source, pointer)[0] for a in args]
        nullable = any(m.get("type") == "null" for m in members)
        members = [m for m in members if m.get("type") != "null"]
        if len(members) == 1:
            return members[0], nullable
        return {"anyOf": members}, nullable
    if word in _SCALARS and not args:
        return {"type": _SCALARS[word]}, False
    if word in _ANY and not args:
        return {}, False
    if word in _LISTS | _SETS:
        out: dict[str, Any] = {"type": "array"}
        if args:
            out["items"] = _parse(args[0], source, pointer)[0]
        if word in _SETS:
            out["uniqueItems"] = True
        return out, False
    if word in _TUPLES:
        out = {"type": "array"}
        items = [_parse(a, source, pointer)[0] for a in args if a != "..."]
        if items and (len(set(map(json.dumps, items))) == 1 or "..." in args):
            out["items"] = items[0]
        elif items:
            out["prefixItems"] = items
            out["minItems"] = out["maxItems"] = len(items)
        return out, False
    if word in _MAPS:
        out = {"type": "object"}
        if len(args) == 2:
            values = _parse(args[1], source, pointer)[0]
            if values:
                out["additionalProperties"] = values
        return out, False
    raise InputError(source, pointer, f"unknown xLAM type '{text}' (expected str, int, float, bool, List[...], Dict[...], "
                                      "Tuple[...], Optional[...], Union[...] or Any, optionally followed by ', optional')")


def _split(text: str, source: str, pointer: str) -> tuple[str, list[str]]:
    """``"Dict[str, List[int]]"`` -> ``("Dict", ["str", "List[int]"])``, brackets balanced."""
    text = text.strip()
    if "[" not in text:
        if not text or not re.fullmatch(r"[A-Za-z_][\w.]*|\.\.\.", text):
            raise InputError(source, pointer, f"unreadable xLAM type '{text}'")
        return text, []
    head, rest = text.split("[", 1)
    if not rest.endswith("]"):
        raise InputError(source, pointer, f"unbalanced brackets in xLAM type '{text}'")
    args, depth, current = [], 0, ""
    for ch in rest[:-1]:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise InputError(source, pointer, f"unbalanced brackets in xLAM type '{text}'")
        if ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    if depth != 0:
        raise InputError(source, pointer, f"unbalanced brackets in xLAM type '{text}'")
    args.append(current.strip())
    return head.strip(), [a for a in args if a]
