"""One function object ({"name", "description", "parameters", "response"?}) -> ToolSpec.

Shared by OpenAI tools, bare JSON-Schema functions, BFCL docs (after BFCL
types are mapped) and xLAM/APIGen functions (their flat parameter map converted). ``response`` is not part of OpenAI's format; it is read
when present (BFCL's function docs carry it) so that tools can chain.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.json_pointer import join
from inftool_jax.tools.names import sanitize_name
from inftool_jax.tools.normalize import SchemaContext, normalize_parameters, normalize_response
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.tools.xlam import is_xlam_parameters, xlam_to_json_schema


def function_to_spec(
    fn: Any, pointer: str, source: str, domain: str, fmt: str, *, schema_keys=("parameters",), response_keys=("response",),
    extra_keywords: frozenset[str] = frozenset(),
) -> ToolSpec:
    """The ToolSpec for function object ``fn`` found at ``pointer`` in ``source``.

    ``extra_keywords``: schema keywords of this format that are not JSON Schema but not typos either.
    """
    if not isinstance(fn, dict):
        raise InputError(source, pointer, f"a tool must be an object, got {type(fn).__name__}")
    notes: list[str] = []
    name = tool_name(fn, pointer, source, notes)
    description = fn.get("description", "")
    if not isinstance(description, str):
        raise InputError(source, join(pointer, "description"), "description must be a string")
    params_key = next((k for k in schema_keys if k in fn), None)
    if params_key is None:
        parameters: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    else:
        here = join(pointer, params_key)
        raw = fn[params_key]
        if is_xlam_parameters(raw):
            raw = xlam_to_json_schema(raw, source, here)
        ctx = SchemaContext(source, raw, root_pointer=here, notes=notes, extra_keywords=extra_keywords)
        parameters = normalize_parameters(raw, ctx, here)
    response = None
    response_key = next((k for k in response_keys if k in fn), None)
    if response_key is not None:
        here = join(pointer, response_key)
        ctx = SchemaContext(source, fn[response_key], root_pointer=here, notes=notes, extra_keywords=extra_keywords)
        response = normalize_response(fn[response_key], ctx, here)
    return ToolSpec(
        name=name,
        description=description.strip(),
        parameters=parameters,
        response=response,
        source=source,
        pointer=pointer,
        domain=domain,
        format=fmt,
        notes=list(dict.fromkeys(notes)),
    )


def tool_name(entry: dict[str, Any], pointer: str, source: str, notes: list[str]) -> str:
    """The sanitised ``name`` of a tool entry; missing or unusable names are InputErrors."""
    raw = entry.get("name")
    if raw is None or raw == "":
        raise InputError(source, pointer, "tool has no name")
    if not isinstance(raw, str):
        raise InputError(source, join(pointer, "name"), "tool name must be a string")
    name = sanitize_name(raw)
    if not name:
        raise InputError(source, join(pointer, "name"), f"tool name '{raw}' has no usable characters")
    if name != raw:
        notes.append(f"{pointer}/name: '{raw}' renamed to '{name}'")
    return name
