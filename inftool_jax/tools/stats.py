"""Parameter statistics of a set of tools: what the synthesis stage will have to fill in."""

from __future__ import annotations

from collections import Counter
from typing import Any

from inftool_jax.tools.spec import ToolSpec

_SCALARS = {"string", "number", "integer", "boolean", "null"}


def parameter_stats(tools: list[ToolSpec]) -> dict[str, Any]:
    """Counts over all tools: top-level parameters (required/optional/defaults) and, at any depth,
    types, enums, formats, ranges, nested objects and arrays (of scalars / of objects)."""
    stats: dict[str, Any] = {
        "tools": len(tools),
        "tools_with_response": sum(tool.response is not None for tool in tools),
        "tools_without_parameters": sum(not tool.parameters.get("properties") for tool in tools),
        "parameters": 0,
        "required": 0,
        "optional": 0,
        "with_default": 0,
        "max_parameters": 0,
        "properties_at_any_depth": 0,
        "enums": 0,
        "ranges": 0,
        "nested_objects": 0,
        "arrays": 0,
        "arrays_of_objects": 0,
        "arrays_of_scalars": 0,
        "nullable": 0,
        "max_depth": 0,
    }
    types: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    for tool in tools:
        props = tool.parameters.get("properties", {})
        required = set(tool.parameters.get("required", []))
        stats["parameters"] += len(props)
        stats["required"] += sum(name in required for name in props)
        stats["optional"] += sum(name not in required for name in props)
        stats["with_default"] += sum(isinstance(s, dict) and "default" in s for s in props.values())
        stats["max_parameters"] = max(stats["max_parameters"], len(props))
        for schema in props.values():
            _visit(schema, 1, stats, types, formats)
    stats["types"] = dict(types.most_common())
    stats["formats"] = dict(formats.most_common())
    return stats


def _visit(schema: Any, depth: int, stats: dict[str, Any], types: Counter, formats: Counter) -> None:
    if not isinstance(schema, dict):
        return
    stats["properties_at_any_depth"] += 1
    stats["max_depth"] = max(stats["max_depth"], depth)
    kind = schema.get("type", "any")
    for name in kind if isinstance(kind, list) else [kind]:
        types[name] += 1
    stats["enums"] += "enum" in schema
    stats["nullable"] += bool(schema.get("nullable"))
    stats["ranges"] += any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
    if isinstance(schema.get("format"), str):
        formats[schema["format"]] += 1
    if kind == "object" and schema.get("properties"):
        stats["nested_objects"] += 1
    for sub in (schema.get("properties") or {}).values():
        _visit(sub, depth + 1, stats, types, formats)
    if kind == "array":
        stats["arrays"] += 1
        items = schema.get("items")
        if isinstance(items, dict):
            if items.get("type") == "object":
                stats["arrays_of_objects"] += 1
                _visit_item_object(items, depth, stats, types, formats)
            elif items.get("type") in _SCALARS:
                stats["arrays_of_scalars"] += 1


def _visit_item_object(items: dict[str, Any], depth: int, stats, types, formats) -> None:
    for sub in (items.get("properties") or {}).values():
        _visit(sub, depth + 1, stats, types, formats)
