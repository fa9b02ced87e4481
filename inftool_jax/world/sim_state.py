"""The simulator's state and its view of one tool: records, episode state, results, compiled tools.

:class:`EpisodeState` is everything one episode changed (records, tombstones,
the RNG); :class:`SimTool` is a ToolSpec with its validators, value generator and
operation built once. The helpers below read a tool's response schema and an
episode's records; :mod:`inftool_jax.world.simulator` builds the answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from random import Random
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from inftool_jax.errors import InputError
from inftool_jax.tools.schema_check import check_meta_schema
from inftool_jax.tools.schema_helpers import admit_nullable, is_array_schema, is_plain_string
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.world.named_values import name_tokens
from inftool_jax.world.resource_model import Binding, bound_operation
from inftool_jax.world.schema_formats import FORMAT_CHECKER
from inftool_jax.world.tool_operations import ToolOperation, classify, initial_state, is_id_name, is_status_name
from inftool_jax.world.value_gen import ValueGenerator
from inftool_jax.world.value_hints import description_choices

_WRAPPERS = {"data", "result", "record", "item", "object", "payload", "response", "entity"}
_LIST_SLOTS = ("items", "results", "data", "records", "entries", "list", "rows", "hits")
_COUNT_FIELDS = {"total", "count", "total_count", "totalcount", "num_results", "total_results", "result_count"}
QUERY_ARGS = {"query", "q", "search", "keyword", "keywords", "text", "term"}
PAGING_ARGS = {"limit", "offset", "page", "page_size", "per_page", "cursor", "sort", "order_by", "sort_by", "max_results"}


@dataclass
class ToolResult:
    """What a simulated tool answered. ``content`` is JSON; on failure it is ``{"error": {...}}``."""

    ok: bool
    content: dict[str, Any] | list[Any] | str
    error: str | None = None

    def to_text(self) -> str:
        """The content as compact JSON text (what a chat ``tool`` message carries)."""
        if isinstance(self.content, str):
            return self.content
        return json.dumps(self.content, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Record:
    """One thing that exists in the episode's world."""

    id: Any
    resource: str
    fields: dict[str, Any]


@dataclass
class EpisodeState:
    """Everything one episode changed: its records, tombstones and RNG."""

    episode_seed: int
    rng: Random
    records: dict[str, Record] = field(default_factory=dict)
    deleted: dict[str, Record] = field(default_factory=dict)
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    calls: int = 0
    existing: dict[str, Any] = field(default_factory=dict)
    """Ids (by key) of records that existed before the episode: made real when a call first names them."""
    shown: set[str] = field(default_factory=set)
    """Every id (as text) a successful result of this episode carried under an id-like key."""
    revealed: list[Any] = field(default_factory=list)
    """The ``existing`` ids that came into the world so far, in order."""


class SimTool:
    """A ToolSpec with its validators and generator built once."""

    def __init__(self, spec: ToolSpec, binding: Binding | None = None):
        self.spec = spec
        self.op: ToolOperation = classify(spec)
        if binding is not None:  # the API's structure says what it acts on (resource_model): it wins over names
            self.op = bound_operation(self.op, binding, spec.response)
        params = spec.parameters if isinstance(spec.parameters, dict) else {"type": "object"}
        try:
            # OpenAPI 3.0 ``nullable: true`` (kept by ingestion) admits null, as the API would.
            self.args_validator = Draft202012Validator(admit_nullable(params), format_checker=FORMAT_CHECKER)
            self.response_validator = (
                Draft202012Validator(spec.response, format_checker=FORMAT_CHECKER) if isinstance(spec.response, dict) else None
            )
            check_meta_schema(params)  # per schema node, each distinct node once: 1,259 tools start in seconds
            if isinstance(spec.response, dict):
                check_meta_schema(spec.response)
        except SchemaError as err:
            pointer = spec.pointer + "/" + "/".join(str(p) for p in err.path) if err.path else spec.pointer
            raise InputError(spec.source or spec.name, pointer, f"tool {spec.name!r}: invalid JSON Schema: {err.message}") from err
        self.known_args = set(params.get("properties") or {}) if isinstance(params.get("properties"), dict) else None
        self.allows_extra = params.get("additionalProperties", None) not in (None, False) or bool(params.get("patternProperties"))
        self.gen = ValueGenerator(spec.response, optional_rate=0.85)
        self._fit_cache: dict[int, tuple[Any, Draft202012Validator]] = {}
        head = self.op.resource.split("_")[-1]
        self.id_names = {self.op.id_field, "id", f"{self.op.resource}_id", f"{head}_id"}
        # Nested objects that describe the record itself (``{"data": {...}}``, ``{"order": {...}}``).
        self.wrappers = _WRAPPERS | {self.op.resource, head}
        self.initial = self._initial_fields(spec.response)
        resolved = self.gen.resolve(spec.response)
        props = resolved.get("properties") if isinstance(resolved, dict) else None
        # Whether the response carries a list of records (a read without its id then lists).
        self.lists = is_array_schema(resolved) or isinstance(props, dict) and any(is_array_schema(self.gen.resolve(p)) for p in props.values())

    def _initial_fields(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """``{"status": "pending"}``: the state a new record starts in, per status enum of the response."""
        schema = self.gen.resolve(schema)
        props = schema.get("properties") if isinstance(schema, dict) else None
        out: dict[str, Any] = {}
        if not isinstance(props, dict):
            return out
        for key, sub in props.items():
            sub = self.gen.resolve(sub)
            if not isinstance(sub, dict):
                continue
            if is_status_name(key) and isinstance(sub.get("enum"), list) and sub["enum"]:
                out.setdefault(key, initial_state(sub["enum"]))
            elif is_status_name(key) and description_choices(sub):
                out.setdefault(key, initial_state(description_choices(sub)))  # "either 'open' or 'closed'" -> open
            elif is_status_name(key) and sub.get("type", "string") == "string" and "const" not in sub and is_plain_string(sub):
                out.setdefault(key, "created")
            elif depth < 1 and key in self.wrappers:
                for inner, value in self._initial_fields(sub, depth + 1).items():
                    out.setdefault(inner, value)
        return out

    @property
    def collection(self) -> str:
        """What the records this tool makes are filed under: its collection, else its resource noun."""
        return self.op.collection or self.op.resource

    def owns(self, record: "Record") -> bool:
        """Whether ``record`` is one this tool can act on (a bound tool: only its own collection's records)."""
        return record.resource == self.op.collection if self.op.collection else True

    def fits(self, sub: Any, value: Any) -> bool:
        """Whether ``value`` is valid for ``sub``, a subschema of the response schema."""
        quick = _quick_fit(sub, value)
        if quick is not None:
            return quick
        hit = self._fit_cache.get(id(sub))
        if hit is None:
            # Keep ``sub`` alive with its validator so its id() cannot be reused.
            hit = (sub, self.response_validator.evolve(schema=sub))  # type: ignore[union-attr]
            self._fit_cache[id(sub)] = hit
        return hit[1].is_valid(value)


_ANNOTATIONS = {"type", "description", "title", "examples", "default", "nullable", "readOnly", "writeOnly", "deprecated"}
_PY_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "object": (dict,), "array": (list,)}


def _quick_fit(sub: Any, value: Any) -> bool | None:
    """Decide the common trivial case (a bare ``{"type": ...}``) without jsonschema; None = ask it."""
    if not isinstance(sub, dict) or not isinstance(sub.get("type"), str) or not sub.keys() <= _ANNOTATIONS:
        return None
    kind = sub["type"]
    if kind in _PY_TYPES:
        return isinstance(value, _PY_TYPES[kind])
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and value.is_integer()
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return None


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars); faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def record_key(value: Any) -> str | None:
    """The key a record id is stored under (``12`` and ``"12"`` name the same record); None for non-ids."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def error_result(code: int, kind: str, message: str, **extra: Any) -> ToolResult:
    """A failed call's answer: ``{"error": {code, type, message, ...}}`` as an HTTP API would send it."""
    return ToolResult(False, {"error": {"code": code, "type": kind, "message": message, **extra}}, message)


def collect_ids(value: Any, out: set[str], under_id: bool = False) -> None:
    """Add every string/integer held under an id-like key (``order_id``, ``id``...) of a JSON value to ``out``."""
    if isinstance(value, dict):
        for key, sub in value.items():
            collect_ids(sub, out, isinstance(key, str) and is_id_name(key))
    elif isinstance(value, list):
        for sub in value:
            collect_ids(sub, out, under_id)
    elif under_id:
        key = record_key(value)
        if key is not None:
            out.add(key)


def target_noun(tool: SimTool) -> str:
    """The thing the id argument points at: set_reminder(event_id=...) misses an *event*."""
    noun = "_".join(t for t in name_tokens(tool.op.id_param or "") if t not in ("id", "uuid", "ref", "reference"))
    return noun or tool.op.resource


def same_resource(a: str, b: str) -> bool:
    return a == b or a.split("_")[-1] == b.split("_")[-1]


def matches_filters(fields: dict[str, Any], args: dict[str, Any]) -> bool:
    """Equality filters on shared keys; query-like arguments as substring search."""
    for key, want in args.items():
        low = key.lower()
        if low in PAGING_ARGS:
            continue
        if low in QUERY_ARGS and isinstance(want, str) and key not in fields:
            needle = want.lower()
            if not any(isinstance(v, str) and needle in v.lower() for v in fields.values()):
                return False
        elif key in fields:
            have = fields[key]
            if isinstance(have, str) and isinstance(want, str):
                if have.lower() != want.lower():
                    return False
            elif have != want:
                return False
    return True


def list_slot(tool: SimTool, content: Any) -> tuple[Any, Any, Any]:
    """Where the list of items lives in a list response: (key, array schema, container)."""
    schema = tool.gen.resolve(tool.spec.response)
    if not isinstance(schema, dict):
        return None, None, None
    if isinstance(content, list):
        return 0, schema, content
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    head = tool.op.resource.split("_")[-1]
    names = list(_LIST_SLOTS) + [f"{head}s", tool.op.resource + "s", f"{head}es"]
    arrays = [k for k, sub in props.items() if is_array_schema(tool.gen.resolve(sub))]
    for name in names:
        if name in arrays:
            return name, props[name], content
    if arrays:
        return arrays[0], props[arrays[0]], content
    return None, None, None


def set_counts(tool: SimTool, content: dict[str, Any], n: int) -> None:
    """A list answer's count fields (``total``, ``count``...) say how many items it lists.

    Set whether or not the generator happened to fill the optional field in: a listing that
    declares a total reports it (only ``maxProperties`` keeps it out).
    """
    schema = tool.gen.resolve(tool.spec.response)
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return
    may_add = "maxProperties" not in schema
    for key, sub in props.items():
        if key.lower() in _COUNT_FIELDS and (key in content or may_add) and tool.fits(sub, n):
            content[key] = n
