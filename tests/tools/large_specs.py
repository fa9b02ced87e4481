"""Generated large specs for the bounded-work tests (sizes of real large APIs, shapes of real ones).

The shape follows what big public OpenAPI documents do (GitHub's, Azure's, Google's discovery conversions):
hundreds of resources, each with list/create/get/update/delete operations, every object carrying an ``id``,
``name`` and timestamps, so the field names ``id`` and ``name`` are shared by nearly every operation.
"""

from __future__ import annotations

from typing import Any

_PAD = ("Returns the resource as stored by the service. Fields not set by the caller take the service's "
        "defaults; timestamps are RFC 3339 in UTC. Rate limits apply per project and per user. ")


def big_openapi(resources: int = 390, pad: int = 5) -> dict[str, Any]:
    """An OpenAPI 3.0 document with ``5 * resources`` operations that share ``id``/``name`` fields."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for r in range(resources):
        kind = f"Res{r}"
        schemas[kind] = {
            "type": "object",
            "description": f"A {kind} record. " + _PAD * pad,
            "properties": {
                "id": {"type": "string", "description": "Unique identifier."},
                "name": {"type": "string", "description": "Display name."},
                "created_at": {"type": "string", "format": "date-time"},
                "labels": {"type": "array", "items": {"type": "string"}},
                "size": {"type": "integer", "minimum": 0},
            },
            "required": ["id", "name"],
        }
        ref = {"$ref": f"#/components/schemas/{kind}"}
        ok = lambda schema: {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}  # noqa: E731
        id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "The id."}
        paths[f"/res{r}"] = {
            "get": {"operationId": f"list_res{r}", "summary": f"List {kind}. " + _PAD, "tags": [f"group{r // 50}"],
                    "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}],
                    "responses": ok({"type": "object", "properties": {"items": {"type": "array", "items": ref}}})},
            "post": {"operationId": f"create_res{r}", "summary": f"Create a {kind}. " + _PAD, "tags": [f"group{r // 50}"],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}}}}},
                     "responses": ok(ref)},
        }
        paths[f"/res{r}/{{id}}"] = {
            "get": {"operationId": f"get_res{r}", "summary": f"Get a {kind}. " + _PAD, "tags": [f"group{r // 50}"],
                    "parameters": [id_param], "responses": ok(ref)},
            "patch": {"operationId": f"update_res{r}", "summary": f"Update a {kind}. " + _PAD, "tags": [f"group{r // 50}"],
                      "parameters": [id_param, {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}],
                      "responses": ok(ref)},
            "delete": {"operationId": f"delete_res{r}", "summary": f"Delete a {kind}. " + _PAD, "tags": [f"group{r // 50}"],
                       "parameters": [id_param], "responses": {"204": {"description": "Deleted"}}},
        }
    return {"openapi": "3.0.3", "info": {"title": "Large generated API", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas}}


def many_mcp_tools(count: int = 1259) -> dict[str, Any]:
    """An MCP ``tools/list`` result of ``count`` tools in the shape of real servers' listings."""
    tools = []
    for i in range(count):
        tools.append({
            "name": f"{('read', 'write', 'list', 'search', 'delete')[i % 5]}_item_{i}",
            "description": f"Operation {i} on items. " + _PAD,
            "inputSchema": {"type": "object", "properties": {
                "path": {"type": "string", "description": "Path of the item."},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "tags": {"type": "array", "items": {"type": "string"}},
            }, "required": ["path"]},
            "outputSchema": {"type": "object", "properties": {"path": {"type": "string"}, "size": {"type": "integer"}}},
        })
    return {"tools": tools}
