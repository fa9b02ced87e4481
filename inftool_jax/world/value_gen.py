"""Schema-driven value generation: a JSON value that conforms to a JSON Schema.

``ValueGenerator(root).generate(schema, rng, name=...)`` walks the schema and
draws every choice from ``rng`` (a ``random.Random``), so the value is a pure
function of the schema and the generator's state: same seed, same value.

Respects ``type`` (and type lists), ``enum``/``const``, ``format`` (date,
date-time, time, email, uri/url, uuid, ipv4/ipv6, hostname), ``pattern``,
``minimum``/``maximum`` (inclusive and exclusive, draft 4 and 2020-12 forms),
``multipleOf``, string and array lengths, ``uniqueItems``, tuple arrays
(``prefixItems`` / list ``items``), ``properties``/``required``/
``additionalProperties``, ``minProperties``, local ``$ref`` (``#/...``),
``allOf`` (merged), ``anyOf``/``oneOf`` (one branch). The property name steers
realism (:mod:`~inftool_jax.world.named_values`): ``email`` gets an address,
``city`` a city, ``price`` a money amount, ``stops`` 0-2, a hotel's ``name`` a
hotel name, always within the schema's own limits. Sibling fields whose names
make an order obvious are kept consistent (:mod:`~inftool_jax.world.ordering`):
``arrival_*`` a few hours after ``departure_*``, ``check_out`` days after
``check_in``, ``max_*`` >= ``min_*`` (only where the later field's own schema
still accepts the new value).

Best effort, not a solver: contradictory schemas (minimum > maximum) get the
nearest value, and a value for ``oneOf`` may match more than one branch.
"""

from __future__ import annotations

import math
import re
import string
from random import Random
from typing import Any

from inftool_jax.tools.schema_helpers import bound, is_multiple_of, local_ref_target, merge_schemas, type_name
from inftool_jax.world.named_values import THINGS, format_value, named_range, named_string, singular, tokens_of
from inftool_jax.world.ordering import order_siblings
from inftool_jax.world.pattern_gen import PatternError, generate_from_pattern
from inftool_jax.world.value_hints import INTEGER_HINTS, description_choices, hint_for, hinted_range, hinted_string
from inftool_jax.world.vocabulary import WORDS

_MAX_DEPTH = 8
_DEFAULT_MAX_ITEMS = 3


class ValueGenerator:
    """Generates values for (sub)schemas of one root schema, resolving its local ``$ref``s.

    ``optional_rate`` is the chance that an optional object property is filled in.
    """

    def __init__(self, root: dict[str, Any] | None = None, *, optional_rate: float = 0.7):
        self.root = root if isinstance(root, dict) else {}
        self.optional_rate = optional_rate

    # ---- schema plumbing -------------------------------------------------

    def resolve(self, schema: Any) -> Any:
        """Follow local ``$ref`` and merge ``allOf`` into one dict (other keywords kept)."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < _MAX_DEPTH:
            target = local_ref_target(self.root, schema["$ref"])
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if rest else target
            seen += 1
        if isinstance(schema, dict) and "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = merge_schemas(merged, self.resolve(part))
            schema = merged
        return schema

    # ---- entry point -----------------------------------------------------

    def generate(self, schema: Any, rng: Random, name: str = "", depth: int = 0) -> Any:
        """A value for ``schema``; ``name`` is the property it fills (steers realism)."""
        if schema is True or schema is None or schema == {}:
            return self._string({}, rng, tokens_of(name))
        if schema is False:
            raise ValueError("schema 'false' admits no value")
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return self._string({}, rng, tokens_of(name))
        if "const" in schema:
            return schema["const"]
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            return rng.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
                return self.generate(merge_schemas(base, self.resolve(rng.choice(branches))), rng, name, depth)
        kind = self._type_of(schema, rng)
        tokens = tokens_of(name)
        if kind == "object":
            return self._object(schema, rng, depth, tokens_of(name))
        if kind == "array":
            return self._array(schema, rng, tokens, name, depth)
        if kind == "string":
            return self._string(schema, rng, tokens, name)
        if kind == "integer":
            return self._number(schema, rng, tokens, integer=True, name=name)
        if kind == "number":
            return self._number(schema, rng, tokens, integer=False, name=name)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        # "any" (BFCL) or an unknown type word: a string is the safest answer
        return self._string({}, rng, tokens)

    def _type_of(self, schema: dict[str, Any], rng: Random) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [type_name(k) for k in kind]
            non_null = [k for k in options if k != "null"]
            # Prefer a real value; null only when it is the sole option.
            return rng.choice(non_null) if non_null else "null"
        if isinstance(kind, str):
            return type_name(kind)
        if "properties" in schema or "additionalProperties" in schema or "required" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema or "minItems" in schema:
            return "array"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number"
        return "string"

    # ---- objects and arrays ---------------------------------------------

    def _object(self, schema: dict[str, Any], rng: Random, depth: int, owner: tuple[str, ...] = ()) -> dict[str, Any]:
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        deep = depth >= _MAX_DEPTH // 2
        for key, sub in props.items():
            # Past half the depth budget only required props, so recursive schemas end.
            if key in required or (not deep and rng.random() < self.optional_rate):
                # A bare "name" inside a hotel/product/... object names that thing, not a person.
                hint = "_".join(owner + ("name",)) if key == "name" and owner and owner[-1] in THINGS else key
                out[key] = self.generate(sub, rng, hint, depth + 1)
        for key in required - out.keys():
            out[key] = self.generate(self._extra_schema(schema), rng, key, depth + 1)
        want = schema.get("minProperties", 0)
        extra = schema.get("additionalProperties", True)
        n = 0
        while len(out) < want and extra is not False and n < 100:
            key = f"{rng.choice(WORDS)}_{n}"
            n += 1
            if key not in out:
                out[key] = self.generate(extra if isinstance(extra, dict) else {"type": "string"}, rng, key, depth + 1)
        if not props and isinstance(extra, dict) and extra and not out and not deep:
            for i in range(rng.randint(1, 2)):
                key = f"{rng.choice(WORDS)}_{i}"
                out[key] = self.generate(extra, rng, key, depth + 1)
        max_props = schema.get("maxProperties")
        if isinstance(max_props, int) and len(out) > max_props:
            for key in [k for k in out if k not in required][: len(out) - max_props]:
                del out[key]
        if len(out) > 1 and isinstance(props, dict):
            order_siblings(out, lambda key: self.resolve(props.get(key)), rng)
        return out

    @staticmethod
    def _extra_schema(schema: dict[str, Any]) -> Any:
        extra = schema.get("additionalProperties", True)
        return extra if isinstance(extra, dict) else {}

    def _array(self, schema: dict[str, Any], rng: Random, tokens: tuple[str, ...], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix or []
        lo = max(int(schema.get("minItems", 0) or 0), 0)
        hi = schema.get("maxItems")
        if depth >= _MAX_DEPTH // 2:
            top = lo
        else:
            top = max(lo, min(_DEFAULT_MAX_ITEMS, hi) if isinstance(hi, int) else max(lo, _DEFAULT_MAX_ITEMS))
            if lo == 0 and top >= 1:
                lo = 1  # an empty list is valid but says little; show at least one item
        if isinstance(hi, int):
            top = min(top, hi)
            lo = min(lo, hi)
        if items is False:
            top = min(top, len(prefix))
        count = rng.randint(lo, max(lo, top))
        item_name = singular(name)
        unique = bool(schema.get("uniqueItems"))
        out: list[Any] = []
        seen: set[str] = set()
        tries = 0
        while len(out) < count and tries < count * 20 + 20:
            tries += 1
            idx = len(out)
            sub = prefix[idx] if idx < len(prefix) else items
            value = self.generate(sub, rng, item_name, depth + 1)
            if unique:
                key = _canonical(value)
                if key in seen:
                    continue
                seen.add(key)
            out.append(value)
        return out

    # ---- scalars -------------------------------------------------------

    def _string(self, schema: dict[str, Any], rng: Random, tokens: tuple[str, ...], name: str = "") -> str:
        fmt = schema.get("format")
        value = format_value(fmt, rng) if isinstance(fmt, str) else None
        pattern = schema.get("pattern")
        if value is None and isinstance(pattern, str):
            value = _pattern_value(pattern, rng)
        if value is None and name:
            # What the name and description say ("as a RFC 3339 timestamp", an owner's login) before word pools.
            hint = hint_for(name, schema)
            choices = description_choices(schema)  # 'This is always "tasks#taskList"': an enum in prose
            value = rng.choice(choices) if choices else format_value(hint, rng) if hint in ("date-time", "date") else hinted_string(hint, name, schema, rng) if hint else None
        if value is None:
            value = named_string(tokens, rng)
        lo = schema.get("minLength")
        hi = schema.get("maxLength")
        if isinstance(hi, int) and len(value) > hi:
            value = value[:hi].rstrip() if len(value[:hi].rstrip()) >= (lo or 0) else value[:hi]
        if isinstance(lo, int) and len(value) < lo:
            value = value + "".join(rng.choice(string.ascii_lowercase) for _ in range(lo - len(value)))
        return value

    def _number(self, schema: dict[str, Any], rng: Random, tokens: tuple[str, ...], *, integer: bool, name: str = "") -> int | float:
        lo, lo_open = bound(schema, "minimum", "exclusiveMinimum")
        hi, hi_open = bound(schema, "maximum", "exclusiveMaximum")
        if integer and str(schema.get("format", "")).lower() in ("unix-time", "unixtime", "timestamp"):
            return rng.randrange(1_704_067_200, 1_782_000_000)  # seconds since the epoch: 2024 to 2026
        hint = hint_for(name, schema) if name else None
        h_lo, h_hi, decimals = hinted_range(hint, name) or named_range(tokens, integer)
        if not integer and (hint in INTEGER_HINTS or (decimals == 0 and not schema.get("multipleOf"))):
            integer = True  # an id or a count is whole even when typed `number`
        # Use the name's realistic range when it fits inside the schema's limits.
        if lo is None and hi is None:
            lo, hi = h_lo, h_hi
        elif lo is None:
            lo = h_lo if h_lo < hi else hi - 100
        elif hi is None:
            hi = h_hi if h_hi > lo else lo + 100
        elif _in_range(h_lo, lo, hi, lo_open, hi_open) and _in_range(h_hi, lo, hi, lo_open, hi_open):
            lo, hi, lo_open, hi_open = h_lo, h_hi, False, False
        if integer:
            lo_i = math.floor(lo) + 1 if (lo_open and float(lo).is_integer()) else math.ceil(lo)
            hi_i = math.ceil(hi) - 1 if (hi_open and float(hi).is_integer()) else math.floor(hi)
            if hi_i < lo_i:
                hi_i = lo_i
            step = schema.get("multipleOf")
            if isinstance(step, (int, float)) and step > 0:
                return _multiple_in(lo_i, hi_i, step, rng, integer=True)
            return rng.randint(lo_i, hi_i)
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and step > 0:
            return _multiple_in(lo, hi, step, rng, integer=False, lo_open=lo_open, hi_open=hi_open)
        value = rng.uniform(lo, hi)
        rounded = round(value, decimals)
        if _in_range(rounded, lo, hi, lo_open, hi_open):
            value = rounded
        if not _in_range(value, lo, hi, lo_open, hi_open):
            value = (lo + hi) / 2 if hi > lo else lo
            if lo_open and value <= lo:
                value = math.nextafter(lo, math.inf)
        return float(value)



def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)



def _in_range(v: float, lo: float, hi: float, lo_open: bool, hi_open: bool) -> bool:
    return (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)



def _multiple_in(lo: float, hi: float, step: float, rng: Random, *, integer: bool, lo_open: bool = False, hi_open: bool = False):
    k_lo = math.ceil(lo / step)
    k_hi = math.floor(hi / step)
    if k_hi < k_lo:
        k_hi = k_lo
    decimals = max(0, -math.floor(math.log10(step))) + 2 if isinstance(step, float) else 0
    for _ in range(12):
        k = rng.randint(k_lo, k_hi)
        value = k * step
        if isinstance(step, float):
            value = round(value, decimals)
        if integer:
            if not float(value).is_integer():
                continue
            value = int(value)
        elif isinstance(value, int):
            value = float(value)
        if is_multiple_of(value, step) and _in_range(value, lo, hi, lo_open, hi_open):
            return value
    return int(k_lo * step) if integer else float(k_lo * step)


def _pattern_value(pattern: str, rng: Random) -> str | None:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    for _ in range(5):
        try:
            candidate = generate_from_pattern(pattern, rng)
        except PatternError:
            return None
        if compiled.search(candidate):
            return candidate
    return None

