"""Which spec format a parsed document is."""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.bfcl_types import BFCL_ONLY_TYPES
from inftool_jax.errors import InputError
from inftool_jax.tools.bfcl_docs import LANGUAGE_TYPES
from inftool_jax.tools.xlam import is_dataset_rows, is_xlam_parameters

OPENAPI = "openapi"
OPENAI = "openai"
FUNCTIONS = "functions"
MCP = "mcp"
BFCL = "bfcl"
XLAM = "xlam"

# Types only BFCL's function docs use (its Python docs, and the Java and JavaScript docs' language types); any of
# them marks a document as BFCL.
BFCL_TYPES = BFCL_ONLY_TYPES | frozenset(LANGUAGE_TYPES)


def detect_format(doc: Any, source: str) -> str:
    """One of OPENAPI, OPENAI, FUNCTIONS (bare JSON-Schema functions), MCP, BFCL, XLAM.

    OpenAI ``tools`` entries ({"type": "function", "function": {...}}) and
    ``{"functions": [...]}`` are OPENAI; ``{"name", "parameters"}`` objects
    are BFCL when their schemas use a BFCL-only type, else FUNCTIONS; MCP is
    recognised by ``inputSchema`` (bare list, ``{"tools": [...]}`` or the
    JSON-RPC ``{"result": {"tools": [...]}}`` envelope). XLAM: functions in the xLAM/APIGen flat
    parameter layout, or that dataset's rows (``{"query", "answers", "tools": "<JSON string>"}``).
    """
    if isinstance(doc, dict):
        if "openapi" in doc:
            return OPENAPI
        if "swagger" in doc:
            raise InputError(source, "/swagger", "Swagger 2.0 is not supported: convert it to OpenAPI 3 first")
        if isinstance(doc.get("result"), dict) and "tools" in doc["result"]:
            return MCP
        if isinstance(doc.get("tools"), list):
            items = doc["tools"]
            if any(isinstance(t, dict) and ("inputSchema" in t or "outputSchema" in t) for t in items):
                return MCP
            if not items or all(isinstance(t, dict) and t.get("type") == "function" for t in items):
                return OPENAI if items else MCP
            return _functions_kind(items)
        if isinstance(doc.get("functions"), list):
            return OPENAI
        if doc.get("type") == "function" and "function" in doc:
            return OPENAI
        if "inputSchema" in doc:
            return MCP
        if "name" in doc or "parameters" in doc:
            return _functions_kind([doc])
    elif isinstance(doc, list) and doc and all(isinstance(item, dict) for item in doc):
        if is_dataset_rows(doc):
            return XLAM
        if all(item.get("type") == "function" and "function" in item for item in doc):
            return OPENAI
        if any("inputSchema" in item for item in doc):
            return MCP
        if all("function" in item and ("question" in item or "id" in item) for item in doc):
            return BFCL
        if all("name" in item or "parameters" in item for item in doc):
            return _functions_kind(doc)
    raise InputError(
        source,
        "",
        "unrecognised spec format (expected OpenAPI 3.x, an OpenAI tools/functions list, "
        "JSON-Schema functions, an MCP tools/list result or BFCL function docs)",
    )


def _functions_kind(items: list[Any]) -> str:
    if any(isinstance(item, dict) and is_xlam_parameters(item.get("parameters")) for item in items):
        return XLAM
    return BFCL if any(uses_bfcl_types(item) for item in items) else FUNCTIONS


def uses_bfcl_types(node: Any) -> bool:
    """Whether any ``type`` inside ``node`` is a BFCL-only type name (``dict``, ``float``, ``HashMap``...)."""
    return _uses_bfcl_types(node)


def _uses_bfcl_types(node: Any) -> bool:
    if isinstance(node, dict):
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and k in BFCL_TYPES for k in kinds):
            return True
        return any(_uses_bfcl_types(v) for v in node.values())
    if isinstance(node, list):
        return any(_uses_bfcl_types(v) for v in node)
    return False
