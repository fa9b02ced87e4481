"""OpenAPI 3.0 / 3.1 -> ToolSpec: one tool per operation.

Path, query and header parameters and a JSON (or form) request body are merged
into one object schema; the 200/201 (else first 2xx) JSON response becomes the
response schema. Names come from ``operationId``, else method + path, sanitised.
Domain is the operation's first tag, else the file's domain. Header names such
as ``X-Request-Id`` become identifiers (``x_request_id``, original kept in
``x-original-name``) so every call syntax can pass them; cookies are skipped, and so are credential and transport
parameters (security schemes, ``Authorization``, Google's standard query parameters) unless the log keeps them.
"""

from __future__ import annotations

import re
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest_log import DroppedParameter, IngestLog
from inftool_jax.tools.json_pointer import follow_local_ref, join
from inftool_jax.tools.names import is_identifier, operation_name, sanitize_name, snake_identifier
from inftool_jax.tools.normalize import SchemaContext, check_schema, normalize_response, normalize_schema
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.tools.transport_params import drop_reason, security_parameters

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOCATIONS = ("path", "query", "header", "cookie")
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def ingest_openapi(doc: dict[str, Any], source: str, domain: str, log: IngestLog | None = None) -> list[ToolSpec]:
    """One ToolSpec per operation under ``paths``; ``log`` decides whether a bad operation is skipped or fatal
    and receives the credential/transport parameters dropped (see ``transport_params``)."""
    log = log if log is not None else IngestLog()
    version = doc.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01](\.|$)", version):
        raise InputError(source, "/openapi", f"unsupported OpenAPI version {version!r} (expected 3.0.x or 3.1.x)")
    fmt = "openapi-" + version[:3]
    paths = doc.get("paths", {})
    if not isinstance(paths, dict):
        raise InputError(source, "/paths", "'paths' must be an object")
    ctx = SchemaContext(source, doc)
    security = security_parameters(doc)
    specs = []
    for path, item in paths.items():
        item_pointer = join("/paths", path)
        item = log.attempt("path item", _path_item, item, doc, source, item_pointer)
        if item is None:
            continue
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                spec = log.attempt("tool", _operation, doc, ctx, path, method, item[method], shared, item_pointer, domain, fmt,
                                   security, log)
                if spec is not None:
                    specs.append(spec)
    return specs


def _path_item(item: Any, doc: dict[str, Any], source: str, pointer: str) -> dict[str, Any]:
    item = _deref(item, doc, source, pointer)
    if not isinstance(item, dict):
        raise InputError(source, pointer, "a path item must be an object")
    return item


def _operation(doc, ctx, path, method, op, shared, item_pointer, file_domain, fmt, security=frozenset(), log=None) -> ToolSpec:
    source = ctx.source
    pointer = join(item_pointer, method)
    if not isinstance(op, dict):
        raise InputError(source, pointer, "an operation must be an object")
    ctx.notes = []
    notes = ctx.notes
    raw_id = op.get("operationId")
    if raw_id is not None and not isinstance(raw_id, str):
        raise InputError(source, join(pointer, "operationId"), "operationId must be a string")
    name = sanitize_name(raw_id) if raw_id else ""
    if raw_id and name != raw_id:
        notes.append(f"{pointer}/operationId: '{raw_id}' renamed to '{name}'")
    if not name:
        name = operation_name(method, path)
    if not name:
        raise InputError(source, pointer, "operation has no usable name (no operationId, empty path)")

    properties: dict[str, Any] = {}
    required: list[str] = []
    params = _parameters(doc, source, shared, op, item_pointer, pointer)
    if log is not None and not log.keep_transport_params:
        params = _drop_transport(params, security, name, source, log)
    for param, param_pointer in params:
        _add_parameter(param, param_pointer, ctx, properties, required)
    _add_body(doc, ctx, op, pointer, properties, required)

    parameters = {"type": "object", "properties": properties, "required": required}
    check_schema(parameters, source, pointer)
    tags = op.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError(source, join(pointer, "tags"), "tags must be a list of strings")
    domain = _domain_name(tags[0]) if tags else file_domain
    if op.get("deprecated") is True:
        tags = [*tags, "deprecated"]
    return ToolSpec(
        name=name,
        description=_description(op),
        parameters=parameters,
        response=_response(doc, ctx, op, pointer),
        source=source,
        pointer=pointer,
        domain=domain,
        tags=list(tags),
        format=fmt,
        notes=list(dict.fromkeys(notes)),
    )


def _parameters(doc, source, shared, op, item_pointer, pointer):
    # Operation-level parameters override path-level ones with the same name and location.
    merged: dict[tuple[str, str], tuple[dict, str]] = {}
    for params, base in ((shared, join(item_pointer, "parameters")), (op.get("parameters", []), join(pointer, "parameters"))):
        if not isinstance(params, list):
            raise InputError(source, base, "'parameters' must be a list")
        for i, param in enumerate(params):
            here = join(base, i)
            param = _deref(param, doc, source, here)
            if not isinstance(param, dict):
                raise InputError(source, here, "a parameter must be an object")
            if not isinstance(param.get("name"), str) or not param["name"]:
                raise InputError(source, here, "parameter has no name")
            if param.get("in") not in _LOCATIONS:
                raise InputError(source, join(here, "in"), f"parameter location must be one of {', '.join(_LOCATIONS)}")
            merged[(param["name"], param["in"])] = (param, here)
    return list(merged.values())


def _drop_transport(params, security, tool, source, log: IngestLog):
    query_names = {p["name"] for p, _ in params if p.get("in") == "query"}
    kept = []
    for param, pointer in params:
        reason = drop_reason(param, query_names, security)
        if reason is None:
            kept.append((param, pointer))
        else:
            log.dropped.append(DroppedParameter(source, pointer, tool, param["name"], param["in"], reason))
    return kept


def _add_parameter(param, pointer, ctx, properties, required) -> None:
    where, original = param["in"], param["name"]
    if where == "cookie":
        ctx.notes.append(f"{pointer}: cookie parameter '{original}' skipped")
        return
    if "schema" in param:
        schema = normalize_schema(param["schema"], ctx, join(pointer, "schema"))
    elif isinstance(param.get("content"), dict) and param["content"]:
        media, body = next(iter(param["content"].items()))
        body = body if isinstance(body, dict) else {}
        schema = normalize_schema(body.get("schema", {}), ctx, join(pointer, "content", media, "schema"))
    else:
        schema = {}
    if not isinstance(schema, dict):
        schema = {}
    schema = dict(schema)
    if isinstance(param.get("description"), str) and "description" not in schema:
        schema["description"] = param["description"].strip()
    name = original if is_identifier(original) else snake_identifier(original)
    if name != original:
        schema["x-original-name"] = original
    if name in properties:
        name = f"{where}_{name}"
        ctx.notes.append(f"{pointer}: {where} parameter '{original}' renamed to '{name}' (name taken)")
    properties[name] = schema
    if where == "path" or param.get("required") is True:
        required.append(name)


def _add_body(doc, ctx, op, pointer, properties, required) -> None:
    if "requestBody" not in op:
        return
    here = join(pointer, "requestBody")
    body = _deref(op["requestBody"], doc, ctx.source, here)
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        raise InputError(ctx.source, here, "requestBody must be an object with 'content'")
    media = _pick_media(body["content"])
    if media is None:
        ctx.notes.append(f"{here}: no JSON or form body among {sorted(body['content'])}; body left out")
        return
    entry = body["content"][media] if isinstance(body["content"][media], dict) else {}
    schema = normalize_schema(entry.get("schema", {}), ctx, join(here, "content", media, "schema"))
    body_required = body.get("required") is True
    fields = schema.get("properties") if isinstance(schema, dict) and schema.get("type", "object") == "object" else None
    if isinstance(fields, dict) and not (set(fields) & set(properties)):
        properties.update(fields)
        # The body schema's own required fields count even when the body is optional: flattened, a call can
        # only send the body, and Twilio-style specs leave requestBody.required out (CreateMessage's `To`).
        required.extend(n for n in schema.get("required", []) if n in fields)
        return
    if isinstance(fields, dict):
        ctx.notes.append(f"{here}: body fields clash with parameter names; body passed whole as 'body'")
    properties["body"] = schema
    if body_required:
        required.append("body")


def _response(doc, ctx, op, pointer) -> dict[str, Any] | None:
    responses = op.get("responses", {})
    if not isinstance(responses, dict):
        raise InputError(ctx.source, join(pointer, "responses"), "'responses' must be an object")
    codes = [c for c in ("200", "201") if c in responses]
    codes += sorted(c for c in responses if c.startswith("2") and c not in codes)
    for code in codes:
        here = join(pointer, "responses", code)
        response = _deref(responses[code], doc, ctx.source, here)
        content = response.get("content") if isinstance(response, dict) else None
        media = _pick_media(content, json_only=True) if isinstance(content, dict) else None
        if media is not None and isinstance(content[media], dict) and "schema" in content[media]:
            return normalize_response(content[media]["schema"], ctx, join(here, "content", media, "schema"))
    return None


def _pick_media(content: dict[str, Any], json_only: bool = False) -> str | None:
    if "application/json" in content:
        return "application/json"
    for media in content:
        if media.endswith("+json") or media.endswith("/json"):
            return media
    if not json_only:
        for media in _BODY_TYPES[1:]:
            if media in content:
                return media
    return None


def _deref(node: Any, doc: dict[str, Any], source: str, pointer: str, seen: tuple[str, ...] = ()) -> Any:
    # Parameters, bodies, responses and path items may themselves be references (not schemas).
    if not (isinstance(node, dict) and "$ref" in node):
        return node
    ref = node["$ref"]
    if isinstance(ref, str) and ref in seen:
        raise InputError(source, join(pointer, "$ref"), f"$ref '{ref}' refers to itself")
    target = follow_local_ref(doc, ref, source, pointer)
    return _deref(target, doc, source, ref[1:], seen + (ref,))


def _description(op: dict[str, Any]) -> str:
    summary = op.get("summary") if isinstance(op.get("summary"), str) else ""
    detail = op.get("description") if isinstance(op.get("description"), str) else ""
    summary, detail = summary.strip(), detail.strip()
    if summary and detail and summary.rstrip(".") not in detail:
        return f"{summary.rstrip('.')}. {detail}"
    return detail or summary


def _domain_name(tag: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_") or tag
