"""MCP `tools/list` results -> ToolSpec (``inputSchema`` -> parameters, ``outputSchema`` -> response)."""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.entries import tool_entries
from inftool_jax.tools.function_object import function_to_spec
from inftool_jax.tools.ingest_log import IngestLog
from inftool_jax.tools.spec import ToolSpec

# MCP's behaviour hints that are worth carrying as tags.
_HINT_TAGS = {"readOnlyHint": "read-only", "destructiveHint": "destructive", "idempotentHint": "idempotent"}


def ingest_mcp(doc: Any, source: str, domain: str, log: IngestLog | None = None) -> list[ToolSpec]:
    """One ToolSpec per listed tool: ``{"tools": [...]}``, the JSON-RPC envelope, or a bare list."""
    log = log if log is not None else IngestLog()
    specs = []
    for entry, pointer in tool_entries(doc, source):
        spec = log.attempt("tool", _tool_to_spec, entry, pointer, source, domain)
        if spec is not None:
            specs.append(spec)
    return specs


def _tool_to_spec(entry: Any, pointer: str, source: str, domain: str) -> ToolSpec:
    if isinstance(entry, dict) and "name" in entry and "inputSchema" not in entry:
        raise InputError(source, pointer, "MCP tool has no inputSchema")
    spec = function_to_spec(
        entry, pointer, source, domain, "mcp", schema_keys=("inputSchema",), response_keys=("outputSchema",)
    )
    annotations = entry.get("annotations") or {}
    if isinstance(annotations, dict):
        spec.tags = [tag for hint, tag in _HINT_TAGS.items() if annotations.get(hint) is True]
    return spec
