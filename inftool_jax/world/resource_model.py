"""Which tools create, read, update, delete and list the same records, from the API's own structure.

A name suffix (``order_id``) is not how real APIs name their keys: Google Tasks reads
``/lists/{tasklist}/tasks/{task}``, Twilio ``/Messages/{Sid}.json``, the MCP filesystem
server a ``path``, the knowledge-graph server an entity's ``name``. :func:`build_model`
reads the catalog the way a developer reads the API:

* **OpenAPI**: an operation's path template and method (recovered from its JSON pointer
  ``/paths/<path>/<method>``). A path ``P`` with an item route ``P/{k}`` is a collection:
  ``POST P`` creates, ``GET P`` lists, ``GET|PUT|PATCH|POST|DELETE P/{k}`` read, update and
  delete the record keyed ``k``; ``POST P/{k}/cancel`` (a verb after the key) cancels or
  updates it; ``GET P/findByStatus`` searches ``P``. The record's key field is the response
  field that answers to ``k`` (``Sid`` -> ``sid``, ``issue_number`` -> ``number``, else ``id``).
* **Tools without paths** (MCP ``tools/list``, function lists), within one file: tools
  that share one required string argument and pair up as create (``write_file(path)``)
  and read/list/delete over it (``read_file(path)``) form a resource keyed by that
  argument, named by the caller; tools whose array argument holds objects with a ``name``
  (``create_entities(entities)``) create one record per item, and array arguments of
  those names (``open_nodes(names)``, ``delete_entities(entityNames)``) or items naming
  one (``add_observations(observations[].entityName)``) read, delete or update them.

Collections are qualified by their source file, so records and chains never cross APIs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from inftool_jax.tools.spec import ToolSpec
from inftool_jax.world.named_values import name_tokens
from inftool_jax.world.tool_operations import ToolOperation, is_id_name, singular_word

_METHODS = {"get", "put", "post", "patch", "delete"}
_CANCEL_WORDS = {"cancel", "close", "archive", "void", "refund", "revoke", "expire"}
_DELETE_WORDS = {"delete", "remove", "destroy", "purge"}
# Verbs of tools without paths (MCP servers name tools verb_noun): what each does to a keyed record.
_VERBS = {
    "create": "create", "write": "create", "add": "create", "new": "create", "insert": "create", "save": "create",
    "upload": "create", "put": "create", "make": "create", "store": "create", "post": "create", "register": "create",
    "read": "read", "get": "read", "open": "read", "show": "read", "fetch": "read", "view": "read", "describe": "read",
    "update": "update", "edit": "update", "modify": "update", "patch": "update", "set": "update", "append": "update",
    "delete": "delete", "remove": "delete", "destroy": "delete", "erase": "delete",
    "list": "list", "search": "list", "find": "list", "browse": "list", "query": "list",
}


@dataclass(frozen=True)
class Binding:
    """How one tool acts on a collection of records.

    ``kind``: create | read | update | cancel | delete | list.
    ``collection``: the collection's identity (``<file>#<path>``); one API's records never meet another's.
    ``key_param``: the argument that names the record (a read's ``{task}``; a create's ``path`` when the
    caller names it; a list's prefix filter); None for a create whose server mints the key.
    ``key_field``: the record field that holds its key (``id``, ``sid``, ``number``, ``path``, ``name``).
    ``batch``: the array argument holding several records (``entities``) or keys (``names``); ``""`` if none.
    ``noun``: what one record is (``task``, ``entity``), for messages and list answers.
    """

    tool: str
    kind: str
    collection: str
    key_param: str | None
    key_field: str
    batch: str = ""
    noun: str = "item"

    @property
    def client_key(self) -> bool:
        """Whether the caller names a new record (``write_file(path)``) rather than the server minting its key."""
        return self.kind == "create" and (self.key_param is not None or bool(self.batch))


def openapi_route(spec: ToolSpec) -> tuple[str, str] | None:
    """``(path, method)`` of an OpenAPI operation, from its JSON pointer ``/paths/<escaped path>/<method>``."""
    if not spec.format.startswith("openapi") or not spec.pointer.startswith("/paths/"):
        return None
    parts = spec.pointer.split("/")
    if len(parts) != 4 or parts[3].lower() not in _METHODS:
        return None
    return parts[2].replace("~1", "/").replace("~0", "~"), parts[3].lower()


def path_params(spec: ToolSpec) -> set[str]:
    """The arguments that are path template variables of an OpenAPI operation (``owner``, ``repo``, ``{task}``)."""
    route = openapi_route(spec)
    if route is None:
        return set()
    props = spec.parameters.get("properties") or {}
    return {p for p in re.findall(r"\{([^}]+)\}", route[0]) if p in props}


def _norm_path(path: str) -> str:
    return re.sub(r"\.(json|xml)$", "", path.rstrip("/")) or "/"


def _template(segment: str) -> str | None:
    m = re.fullmatch(r"\{([^}]+)\}", segment)
    return m.group(1) if m else None


def _props(schema: Any) -> dict[str, Any]:
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict):
            return schema["properties"]
        if isinstance(schema.get("items"), dict):
            return _props(schema["items"])
    return {}


def _list_props(schema: Any) -> dict[str, Any]:
    """The item properties of a list answer: ``[item]`` or ``{items|messages|...: [item]}``."""
    if isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        return _props(schema["items"])
    for sub in _props(schema).values():
        if isinstance(sub, dict) and sub.get("type") == "array" and isinstance(sub.get("items"), dict):
            return _props(sub["items"])
    return {}


def _is_list_answer(schema: Any) -> bool:
    return bool(_list_props(schema)) or isinstance(schema, dict) and schema.get("type") == "array"


def key_field_for(key_param: str, fields: Iterable[str]) -> str:
    """The record field answering to path variable ``key_param``: same words (``Sid``/``sid``), a tail of its
    words (``issue_number`` -> ``number``, ``petId`` -> ``id``), else ``id``; else the variable's own name."""
    fields = list(fields)
    want = name_tokens(key_param)
    for f in fields:
        if name_tokens(f) == want:
            return f
    for f in fields:
        tail = name_tokens(f)
        if tail and len(tail) < len(want) and want[-len(tail):] == tail:
            return f
    return "id" if "id" in fields else key_param


def _openapi_bindings(specs: list[ToolSpec]) -> dict[str, Binding]:
    routes = {s.name: (s, _norm_path(r[0]), r[1]) for s in specs if (r := openapi_route(s)) is not None}
    by_source: dict[str, list[tuple[ToolSpec, str, str]]] = {}
    for spec, path, method in routes.values():
        by_source.setdefault(spec.source, []).append((spec, path, method))
    out: dict[str, Binding] = {}
    for source, ops in by_source.items():
        # A collection is a path with an item route below it; its key variable is that route's template.
        item_keys = {p.rsplit("/", 1)[0] or "/": _template(p.rsplit("/", 1)[-1]) for _, p, _ in ops if _template(p.rsplit("/", 1)[-1])}
        collections = set(item_keys)
        # The fields a collection's records have: what its item reads and its creates answer.
        fields: dict[str, list[str]] = {}
        for spec, path, method in ops:
            head, _, last = path.rpartition("/")
            coll = head if _template(last) else path if path in collections and method == "post" else None
            if coll is not None and spec.response:
                fields.setdefault(coll, []).extend(k for k in _props(spec.response) if k not in fields.get(coll, []))
        for spec, path, method in ops:
            binding = _route_binding(spec, path, method, item_keys, fields, source)
            if binding is not None:
                out[spec.name] = binding
    return out


def _route_binding(spec, path, method, item_keys, fields, source) -> Binding | None:
    collections = item_keys
    props = spec.parameters.get("properties") or {}
    head, _, last = path.rpartition("/")
    head = head or "/"
    key = _template(last)
    if key is not None and key in props:
        kind = {"get": "read", "delete": "delete"}.get(method, "update")
        coll = head
    elif path in collections:
        kind = {"post": "create", "get": "list"}.get(method)
        coll, key = path, None
    elif _template(head.rsplit("/", 1)[-1]) in props and head.rpartition("/")[0] in collections:
        # A verb after the key: POST /payment_intents/{intent}/capture, .../cancel.
        word = name_tokens(last)[:1]
        kind = "cancel" if set(word) & _CANCEL_WORDS else "delete" if set(word) & _DELETE_WORDS else "read" if method == "get" else "update"
        key, coll = _template(head.rsplit("/", 1)[-1]), head.rpartition("/")[0] or "/"
    elif method == "get" and head in collections and _is_list_answer(spec.response):
        kind, coll, key = "list", head, None  # GET /pet/findByStatus searches /pet
    else:
        return None
    if kind is None:
        return None
    record_fields = fields.get(coll, []) or list(_list_props(spec.response))
    key_field = key_field_for(key or item_keys.get(coll) or "id", record_fields)
    literal = next((seg for seg in reversed(coll.split("/")) if seg and not _template(seg)), "")
    words = [singular_word(w) for w in name_tokens(literal)]
    noun = "_".join(words[-2:]) if words else "item"
    return Binding(spec.name, kind, f"{source}#{coll}", key if kind != "create" else None, key_field, noun=noun)


def _scalar_string(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type", "string") == "string" and "enum" not in schema


def _verb(spec: ToolSpec) -> str | None:
    tokens = name_tokens(spec.name)
    for tok in tokens:
        if tok in _VERBS:
            return _VERBS[tok]
    return None


def _plain_bindings(specs: list[ToolSpec]) -> dict[str, Binding]:
    """Resources of tools without paths, within one source file (see the module docstring)."""
    out: dict[str, Binding] = {}
    by_source: dict[str, list[ToolSpec]] = {}
    for spec in specs:
        if openapi_route(spec) is None:
            by_source.setdefault(spec.source, []).append(spec)
    for source, tools in by_source.items():
        out.update(_keyed_by_argument(source, tools))
        out.update(_batches(source, tools))
    return out


def _keyed_by_argument(source: str, tools: list[ToolSpec]) -> dict[str, Binding]:
    groups: dict[str, list[tuple[ToolSpec, str]]] = {}
    for spec in tools:
        props = spec.parameters.get("properties") or {}
        required = spec.parameters.get("required") or []
        verb = _verb(spec)
        strings = [p for p in required if _scalar_string(props.get(p))]
        if verb is None or len(strings) < 1:
            continue
        groups.setdefault(strings[0], []).append((spec, verb))
    out: dict[str, Binding] = {}
    for key, members in groups.items():
        if is_id_name(key):
            continue  # ``event_id`` keys are the name-based classifier's (it knows minted ids); this is for paths, names
        kinds = {verb for _, verb in members}
        if "create" not in kinds or not kinds & {"read", "update", "delete", "list"}:
            continue
        nouns = [t for spec, _ in members for t in name_tokens(spec.name) if t not in _VERBS]
        noun = singular_word(nouns[0]) if nouns else "item"
        for spec, verb in members:
            out[spec.name] = Binding(spec.name, verb, f"{source}#{key}", key, key, noun=noun)
    return out


def _batches(source: str, tools: list[ToolSpec]) -> dict[str, Binding]:
    """create_entities(entities: [{name...}]) and the tools that name those records in arrays."""
    out: dict[str, Binding] = {}
    for spec in tools:
        if _verb(spec) != "create":
            continue
        for arg, sub in (spec.parameters.get("properties") or {}).items():
            items = sub.get("items") if isinstance(sub, dict) and sub.get("type") == "array" else None
            required = items.get("required") or [] if isinstance(items, dict) else []
            # The record's own key is a bare ``name``/``id``; ``entityName`` names another record (an update).
            key = next((k for k in required if name_tokens(k) in (["name"], ["id"]) and _scalar_string(_props(items).get(k))), None)
            if key is None:
                continue
            noun = singular_word(name_tokens(arg)[-1])
            coll = f"{source}#{noun}"
            out[spec.name] = Binding(spec.name, "create", coll, None, key, batch=arg, noun=noun)
            out.update(_batch_users(source, tools, spec.name, coll, noun, key))
    return out


def _batch_users(source, tools, creator, coll, noun, key) -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    key_words = name_tokens(key)
    for spec in tools:
        verb = _verb(spec)
        if spec.name == creator or verb is None:
            continue
        props = spec.parameters.get("properties") or {}
        for arg, sub in props.items():
            if not isinstance(sub, dict) or sub.get("type") != "array" or not isinstance(sub.get("items"), dict):
                continue
            words = [singular_word(w) for w in name_tokens(arg)]
            if _scalar_string(sub["items"]) and words[-len(key_words):] == key_words and verb in ("read", "delete"):
                out[spec.name] = Binding(spec.name, verb, coll, arg, key, batch=arg, noun=noun)
            item_props = _props(sub["items"])
            named = next((k for k in item_props if name_tokens(k) == [noun, *key_words]), None)
            if named is not None and verb in ("create", "update"):
                # add_observations(observations: [{entityName, contents}]) changes the entities it names
                out[spec.name] = Binding(spec.name, "update", coll, named, key, batch=arg, noun=noun)
        if spec.name not in out and verb == "list" and not any(isinstance(s, dict) and s.get("type") == "array" for s in props.values()):
            out[spec.name] = Binding(spec.name, "list", coll, None, key, noun=noun)
    return out


def build_model(tools: Iterable[ToolSpec]) -> dict[str, Binding]:
    """Tool name -> its :class:`Binding`, for every tool the catalog's structure ties to a collection."""
    specs = list(tools)
    model = _openapi_bindings(specs)
    model.update(_plain_bindings(specs))
    return model


def bound_operation(classic: ToolOperation, binding: Binding, response: Any = None) -> ToolOperation:
    """The simulator's :class:`ToolOperation` for a tool the resource model binds (``classic``: the name guess).

    A cancel sets the end state the response's own status enum spells (Stripe's ``canceled``).
    """
    kind = binding.kind
    if classic.kind == "cancel" and kind in ("delete", "update"):
        kind = "cancel"  # DELETE /bookings/{id} named cancel_booking: the booking stays, cancelled
    end = None
    if kind == "cancel":
        end = classic.end_status or "cancelled"
        status = _props(response).get("status") if response else None
        enum = status.get("enum") if isinstance(status, dict) else None
        end = next((v for v in enum or [] if isinstance(v, str) and v[:5].lower() == end[:5]), end)
    list_prefix = binding.key_param if kind == "list" and binding.key_param else ""
    prefix = "".join(ch for ch in binding.noun if ch.isalnum())[:3] or classic.id_prefix
    return ToolOperation(
        kind=kind,
        resource=classic.resource if kind == classic.kind else binding.noun,
        id_param=binding.key_param if kind != "list" else None,
        id_field=binding.key_field,
        id_prefix=prefix,
        end_status=end,
        collection=binding.collection,
        client_key=binding.client_key,
        batch=binding.batch,
        list_prefix=list_prefix,
    )


@dataclass(frozen=True)
class ResourceChain:
    """``consumer(arg)`` takes the key ``field`` of a record ``producer`` made (create) or listed (list)."""

    producer: str
    consumer: str
    arg: str
    field: str


def resource_chains(tools: Iterable[ToolSpec], model: dict[str, Binding] | None = None) -> list[ResourceChain]:
    """Chains for multi-step episodes from the resource model: within one collection (so one API), from a
    create whose server mints the key, or a list, to a read/update/cancel/delete that requires that key."""
    specs = {s.name: s for s in tools}
    model = build_model(specs.values()) if model is None else model
    by_coll: dict[str, list[Binding]] = {}
    for b in model.values():
        if b.tool in specs and not b.batch:
            by_coll.setdefault(b.collection, []).append(b)
    out = []
    for members in by_coll.values():
        producers = [b for b in members if (b.kind == "create" and b.key_param is None) or (b.kind == "list" and b.key_param is None)]
        for b in members:
            required = specs[b.tool].parameters.get("required") or []
            if b.kind not in ("read", "update", "cancel", "delete") or b.key_param not in required:
                continue
            out += [ResourceChain(p.tool, b.tool, b.key_param, p.key_field) for p in producers]
    return sorted(set(out), key=lambda c: (c.producer, c.consumer, c.arg))
