"""What a tool does to the simulated world, guessed from its name and schemas.

``classify(spec)`` returns a :class:`ToolOperation`: the kind (create, read,
update, cancel, delete, list, or a stateless action), the resource it acts on
(``create_order`` -> ``order``), the argument that names the target record
(``order_id``) and the result field that carries a created record's id.

Beyond the verb: a create that takes another record's id and returns a fresh
one makes that new record (``book_flight(flight_id)`` -> a *booking*); a
create that returns no fresh id changes the record it names
(``add_attendees(event_id)`` is an update of the event); a search-like verb
with the record's own required id is a read (``search_booking(booking_id)``),
while a list tool's other id arguments are filters (``list_transactions(account_id)``).
``initial_state`` picks the status a new record starts in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inftool_jax.world.named_values import name_tokens
from inftool_jax.tools.spec import ToolSpec

_CREATE = {
    "create", "add", "new", "book", "schedule", "send", "open", "register", "post", "insert", "make", "place",
    "submit", "reserve", "upload", "enroll", "subscribe", "issue", "generate", "compose", "start", "log", "file",
    "invite", "order", "purchase", "buy", "save", "store", "publish", "draft", "plan", "request",
}
_READ = {"get", "fetch", "retrieve", "read", "show", "view", "describe", "lookup", "check", "track", "inspect", "load", "download", "status", "detail", "details"}
_UPDATE = {"update", "edit", "modify", "change", "set", "patch", "rename", "reschedule", "move", "assign", "mark", "replace", "upgrade", "adjust", "amend", "rate", "reply", "resume", "pause", "confirm", "approve", "reject", "complete"}
_CANCEL = {"cancel": "cancelled", "close": "closed", "archive": "archived", "void": "voided", "refund": "refunded", "deactivate": "inactive", "suspend": "suspended", "unsubscribe": "unsubscribed", "revoke": "revoked", "terminate": "terminated", "withdraw": "withdrawn"}
_DELETE = {"delete", "remove", "destroy", "drop", "erase", "purge", "discard", "unregister"}
_LIST = {"list", "search", "find", "query", "browse", "all", "filter", "lookup_all", "enumerate", "recent"}
_NOISE = {"by", "id", "for", "a", "an", "the", "of", "to", "my", "info", "information", "data", "api", "v1", "v2", "with", "from", "in", "on", "and"}
_STATUS_WORDS = {"status", "details", "detail", "info", "summary"}

_AMBIGUOUS = {"order", "log", "file", "plan", "request", "post", "book", "issue", "draft", "status", "store", "start", "detail", "details", "set", "open", "check", "rate", "reply", "new", "all", "make", "place", "save", "recent", "mark", "move", "load"}


def _kind_of(word: str) -> str | None:
    if word in _CANCEL:
        return "cancel"
    if word in _DELETE:
        return "delete"
    if word in _LIST:
        return "list"
    if word in _UPDATE:
        return "update"
    if word in _CREATE:
        return "create"
    if word in _READ:
        return "read"
    return None


KINDS = ("create", "read", "update", "cancel", "delete", "list", "action")


@dataclass(frozen=True)
class ToolOperation:
    """How the simulator treats one tool.

    ``kind``: create | read | update | cancel | delete | list | action.
    ``resource``: singular noun the tool acts on (``"order"``; ``"item"`` when unknown).
    ``id_param``: the argument naming the target record (read/update/cancel/delete), else None.
    ``id_field``: the result field that carries the record id (``"order_id"`` or ``"id"``).
    ``id_prefix``: prefix of minted string ids (``"ord"``).
    ``end_status``: the status a cancel-like tool sets (``"cancelled"``), else None.
    """

    kind: str
    resource: str
    id_param: str | None
    id_field: str
    id_prefix: str
    end_status: str | None = None
    collection: str = ""
    """The collection the API's structure ties the tool to (:mod:`~inftool_jax.world.resource_model`); ``""``:
    guessed from names alone. Records of a collection are found only by its own tools."""
    client_key: bool = False
    """A create whose caller names the record (``write_file(path)``): the key is ``id_param``'s value."""
    batch: str = ""
    """The array argument holding several records (``entities``) or keys (``names``) the call acts on."""
    list_prefix: str = ""
    """A list's argument that keeps records whose key lies under it (``list_directory(path)``)."""


def is_id_name(name: str) -> bool:
    """``id``, ``order_id``, ``orderId``, ``booking_ref``, ``user_uuid`` look like record ids."""
    tokens = name_tokens(name)
    return bool(tokens) and tokens[-1] in ("id", "uuid", "ref", "reference") and not (len(tokens) > 1 and tokens[-2] in ("api", "client", "session", "request", "idempotency"))


def singular_word(word: str) -> str:
    """``flights`` -> ``flight``, ``categories`` -> ``category``, ``addresses`` -> ``address``; ``status`` stays."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _object_props(schema: Any) -> dict[str, Any]:
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return schema["properties"]
    return {}


def classify(spec: ToolSpec) -> ToolOperation:
    """The operation a tool performs, from verb words in its name and the shape of its schemas."""
    tokens = name_tokens(spec.name)
    kind, verb = None, None
    # Unambiguous verbs anywhere in the name win; words that are also nouns
    # ("order", "book", "log") count only as the first word ("book_flight").
    for tok in tokens:
        if tok not in _AMBIGUOUS and _kind_of(tok):
            kind, verb = _kind_of(tok), tok
            break
    if kind is None and tokens and _kind_of(tokens[0]):
        kind, verb = _kind_of(tokens[0]), tokens[0]
    nouns = [t for t in tokens if t != verb and t not in _NOISE and t not in _STATUS_WORDS]
    resource = "_".join(singular_word(t) for t in nouns[-2:]) if nouns else "item"
    head = singular_word(nouns[-1]) if nouns else "item"

    params = _object_props(spec.parameters)
    required = set(spec.parameters.get("required") or []) if isinstance(spec.parameters, dict) else set()
    id_params = [p for p in params if is_id_name(p)]
    id_param = _pick_id_param(id_params, required, resource, head)

    response_props = _object_props(spec.response)
    response_id = _pick_response_id(response_props, resource, head, set(params))
    fresh_id = _fresh_response_id(response_props, resource, head, set(params))

    if kind is None:
        # No verb word: a response carrying a fresh id and no id argument means it creates something.
        kind = "create" if response_id and not id_param else ("read" if id_param else "action")
    if kind == "list" and id_param and id_param in required and len(id_params) == 1 and _names_resource(id_param, head) and nouns and singular_word(nouns[-1]) == nouns[-1]:
        # find_order_by_id(order_id), search_booking(booking_id): the id names the one record wanted,
        # so it is a read (unknown id -> 404), not a filter over a listing.
        kind = "read"
    if kind == "create" and fresh_id is not None and response_id in params:
        # book_flight(flight_id) -> {booking_id, flight_id}: it creates a booking that refers
        # to the flight; the echoed flight_id is a foreign key, not the new record's id.
        response_id = fresh_id
        resource = head = _id_noun(fresh_id) or head
    elif kind == "create" and isinstance(spec.response, dict) and fresh_id is None and id_param and id_param in required:
        # add_attendees(event_id, ...) -> {event_id, attendee_count}: no new record appears,
        # the tool changes the record it names (unknown id -> 404).
        kind = "update"
        resource = head = _id_noun(id_param) or head
    if kind == "create" and id_param and set(tokens) & _STATUS_WORDS:
        kind = "read"  # order_status(order_id): reads, though "order" is also a verb
        nouns = [t for t in tokens if t not in _NOISE and t not in _STATUS_WORDS]
        resource = "_".join(singular_word(t) for t in nouns[-2:]) if nouns else "item"
        head = singular_word(nouns[-1]) if nouns else "item"
    if kind == "read" and nouns and singular_word(nouns[-1]) != nouns[-1] and (id_param is None or head not in name_tokens(id_param)):
        kind = "list"  # get_categories(parent_id) lists; get_category(category_id) reads one
    if kind in ("update", "cancel", "delete") and id_param is None:
        kind = "action"  # nothing to look up: a stateless command (e.g. set_thermostat)
    if kind == "create":
        id_field = response_id or f"{head}_id"
    elif kind == "list":
        id_field = f"{head}_id"  # the items' id; an id argument of a list tool is a filter
    else:
        id_field = id_param or response_id or f"{head}_id"
    # Minted ids read like the field they fill: transfer_funds -> transfer_id "tra_7F3K2".
    noun = _id_noun(id_field).split("_")[-1] if kind == "create" else ""
    prefix = "".join(ch for ch in (noun or head) if ch.isalnum())[:3] or "obj"
    return ToolOperation(
        kind=kind,
        resource=resource,
        id_param=id_param if kind in ("read", "update", "cancel", "delete") else None,
        id_field=id_field,
        id_prefix=prefix,
        end_status=_CANCEL.get(verb or "") if kind == "cancel" else None,
    )


def _pick_id_param(id_params: list[str], required: set[str], resource: str, head: str) -> str | None:
    if not id_params:
        return None
    for want in (f"{resource}_id", f"{head}_id", "id"):
        for p in id_params:
            if "_".join(name_tokens(p)) == want:
                return p
    for p in id_params:
        if head in name_tokens(p):
            return p
    req = [p for p in id_params if p in required]
    return req[0] if len(req) == 1 else (id_params[0] if len(id_params) == 1 else None)


def _names_resource(id_name: str, head: str) -> bool:
    """``order_id`` names an order; ``id`` names whatever the tool is about."""
    tokens = name_tokens(id_name)
    return tokens[:-1] == [] or head in tokens


def _id_noun(id_name: str) -> str:
    """``booking_id`` -> ``booking``; ``reservationId`` -> ``reservation``; ``id`` -> ``""``."""
    return "_".join(singular_word(t) for t in name_tokens(id_name)[:-1][-2:])


def _fresh_response_id(props: dict[str, Any], resource: str, head: str, param_names: set[str]) -> str | None:
    """The response's id field that no argument supplies: the id of a record the call brings into being."""
    fresh = [p for p in props if is_id_name(p) and p not in param_names]
    for want in (f"{resource}_id", f"{head}_id", "id"):
        for p in fresh:
            if "_".join(name_tokens(p)) == want:
                return p
    return fresh[0] if len(fresh) == 1 else None


def _pick_response_id(props: dict[str, Any], resource: str, head: str, param_names: set[str]) -> str | None:
    for want in (f"{resource}_id", f"{head}_id", "id"):
        for p in props:
            if "_".join(name_tokens(p)) == want:
                return p
    # Otherwise the first id-like field that is not just an echoed argument (a foreign key).
    for p in props:
        if is_id_name(p) and p not in param_names:
            return p
    return None


# Words that name the state a record is in right after it was made, best first;
# and words that name an end state, never a fresh record's.
_START_STATES = (
    "pending", "new", "created", "open", "active", "draft", "todo", "to_do", "scheduled", "confirmed", "booked",
    "placed", "submitted", "requested", "received", "queued", "processing", "in_progress", "upcoming", "enabled",
    "initiated", "sent", "unread", "available",
)
_END_STATES = {
    "cancelled", "canceled", "closed", "archived", "deleted", "removed", "failed", "rejected", "declined", "expired",
    "refunded", "voided", "void", "revoked", "terminated", "withdrawn", "inactive", "suspended", "disabled", "done",
    "completed", "complete", "finished", "resolved", "delivered", "shipped", "returned", "error", "blocked", "paid",
}


def is_status_name(name: str) -> bool:
    """``status``, ``order_status``, ``state`` name a record's lifecycle state."""
    tokens = name_tokens(name)
    return bool(tokens) and tokens[-1] in ("status", "state") and len(tokens) <= 2


def initial_state(values: list[Any]) -> Any:
    """The state a freshly created record starts in, out of a status enum's ``values``.

    A value whose name says "start" wins (pending, new, open, active, scheduled,
    confirmed... in that order of preference: ``[confirmed, ticketed, cancelled]``
    -> ``confirmed``, ``[todo, in_progress, done]`` -> ``todo``); else the first
    value that does not name an end state (cancelled, failed, done...); else the
    first value. A new order is never born cancelled, so cancelling it works.
    """
    words = {}
    for value in values:
        if isinstance(value, str):
            words.setdefault("_".join(name_tokens(value)), value)
    for start in _START_STATES:
        if start in words:
            return words[start]
    for value in values:
        if not (isinstance(value, str) and "_".join(name_tokens(value)) in _END_STATES):
            return value
    return values[0]
