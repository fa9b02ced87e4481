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
realism: ``email`` gets an address, ``city`` a city, ``price`` a money amount,
``year`` a year, ``stops`` 0-2, ``nights`` 1-14, a hotel's ``name`` a hotel
name, always within the schema's own limits. Sibling fields whose names make
an order obvious are kept consistent: ``arrival_*`` a few hours after
``departure_*``, ``check_out`` days after ``check_in``, ``end`` after
``start``, ``max_*`` >= ``min_*`` (only where the later field's own schema
still accepts the new value).

Best effort, not a solver: contradictory schemas (minimum > maximum) get the
nearest value, and a value for ``oneOf`` may match more than one branch.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import string
import uuid
from functools import lru_cache
from random import Random
from typing import Any

from inftool_jax.world.pattern_gen import PatternError, generate_from_pattern

_MAX_DEPTH = 8
_DEFAULT_MAX_ITEMS = 3
_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "list": "array", "str": "string", "int": "integer", "bool": "boolean"}

_FIRST = ["Alice", "Bob", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam", "Maya", "Nikhil", "Olga", "Pablo"]
_LAST = ["Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Tanaka", "Novak", "Silva", "Kowalski", "Haddad", "Larsen"]
_CITIES = ["New York", "London", "Paris", "Tokyo", "Berlin", "Toronto", "Sydney", "Madrid", "Seoul", "Chicago", "Lisbon", "Nairobi", "Mumbai", "Austin"]
_COUNTRIES = ["United States", "France", "Japan", "Germany", "Canada", "Brazil", "India", "Kenya", "Spain", "Australia"]
_CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "INR"]
_LANGUAGES = ["en", "fr", "de", "es", "ja", "pt", "it", "ko"]
_COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises"]
_STATUSES = ["active", "pending", "completed", "confirmed", "processing"]
_COLORS = ["red", "blue", "green", "black", "white", "orange"]
_STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Elm St", "Cedar Ln"]
_WORDS = [
    "alpha", "blue", "cloud", "delta", "ember", "forest", "garden", "harbor", "island", "jade", "kite", "lunar",
    "meadow", "north", "orbit", "pixel", "quartz", "river", "summit", "tiger", "urban", "velvet", "willow", "zenith",
]
_PHRASES = [
    "Quarterly planning review", "Follow up on the last request", "Weekly team sync", "Please confirm the details",
    "Customer feedback summary", "Updated shipping preferences", "Notes from the kickoff meeting", "Budget overview",
]
_AIRLINES = ["TAP Air Portugal", "Lufthansa", "Air France", "KLM", "Iberia", "Delta", "United", "Emirates", "ANA", "Qantas"]
_AIRLINE_CODES = ["TP", "LH", "AF", "KL", "IB", "DL", "UA", "EK", "NH", "QF"]
# Nouns whose bare "name" field names the thing itself ("Harbor Hotel"), not a person.
THINGS = {
    "hotel", "restaurant", "product", "project", "channel", "category", "budget", "calendar", "playlist", "team",
    "store", "shop", "venue", "event", "room", "workspace", "folder", "board", "list", "group", "course", "place",
    "airport", "station", "company", "brand", "item", "plan", "subcategory",
}
_ID_ALPHABET = string.ascii_uppercase + string.digits
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def tokens_of(name: str) -> tuple[str, ...]:
    """Like :func:`name_tokens`, as a cached tuple."""
    return _tokens(name or "")


def name_tokens(name: str) -> list[str]:
    """``"departureDate"``, ``"departure_date"`` and ``"departure-date"`` -> ``["departure", "date"]``."""
    return list(_tokens(name or ""))


@lru_cache(maxsize=8192)
def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN_SPLIT.split(name) if t)


def mint_id(prefix: str, rng: Random, length: int = 5) -> str:
    """An id like ``ord_7F3K2``: the prefix and ``length`` characters from ``rng``."""
    return f"{prefix}_{''.join(rng.choices(_ID_ALPHABET, k=length))}"


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
            target = self._deref(schema["$ref"])
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if rest else target
            seen += 1
        if isinstance(schema, dict) and "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, self.resolve(part))
            schema = merged
        return schema

    def _deref(self, ref: str) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#"):
            return {}  # remote refs are the catalog's job; generate something harmless
        node: Any = self.root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return {}
        return node

    # ---- entry point -----------------------------------------------------

    def generate(self, schema: Any, rng: Random, name: str = "", depth: int = 0) -> Any:
        """A value for ``schema``; ``name`` is the property it fills (steers realism)."""
        if schema is True or schema is None or schema == {}:
            return self._string({}, rng, _tokens(name or ""))
        if schema is False:
            raise ValueError("schema 'false' admits no value")
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return self._string({}, rng, _tokens(name or ""))
        if "const" in schema:
            return schema["const"]
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            return rng.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
                return self.generate(_merge(base, self.resolve(rng.choice(branches))), rng, name, depth)
        kind = self._type_of(schema, rng)
        tokens = _tokens(name or "")
        if kind == "object":
            return self._object(schema, rng, depth, tokens_of(name))
        if kind == "array":
            return self._array(schema, rng, tokens, name, depth)
        if kind == "string":
            return self._string(schema, rng, tokens)
        if kind == "integer":
            return self._number(schema, rng, tokens, integer=True)
        if kind == "number":
            return self._number(schema, rng, tokens, integer=False)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        # "any" (BFCL) or an unknown type word: a string is the safest answer
        return self._string({}, rng, tokens)

    def _type_of(self, schema: dict[str, Any], rng: Random) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [_BFCL_TYPES.get(k, k) for k in kind]
            non_null = [k for k in options if k != "null"]
            # Prefer a real value; null only when it is the sole option.
            return rng.choice(non_null) if non_null else "null"
        if isinstance(kind, str):
            return _BFCL_TYPES.get(kind, kind)
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
            key = f"{rng.choice(_WORDS)}_{n}"
            n += 1
            if key not in out:
                out[key] = self.generate(extra if isinstance(extra, dict) else {"type": "string"}, rng, key, depth + 1)
        if not props and isinstance(extra, dict) and extra and not out and not deep:
            for i in range(rng.randint(1, 2)):
                key = f"{rng.choice(_WORDS)}_{i}"
                out[key] = self.generate(extra, rng, key, depth + 1)
        max_props = schema.get("maxProperties")
        if isinstance(max_props, int) and len(out) > max_props:
            for key in [k for k in out if k not in required][: len(out) - max_props]:
                del out[key]
        if len(out) > 1 and isinstance(props, dict):
            _order_related(out, props, self, rng)
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

    def _string(self, schema: dict[str, Any], rng: Random, tokens: tuple[str, ...]) -> str:
        fmt = schema.get("format")
        value = _format_value(fmt, rng) if isinstance(fmt, str) else None
        pattern = schema.get("pattern")
        if value is None and isinstance(pattern, str):
            value = _pattern_value(pattern, rng)
        if value is None:
            value = _named_string(tokens, rng)
        lo = schema.get("minLength")
        hi = schema.get("maxLength")
        if isinstance(hi, int) and len(value) > hi:
            value = value[:hi].rstrip() if len(value[:hi].rstrip()) >= (lo or 0) else value[:hi]
        if isinstance(lo, int) and len(value) < lo:
            value = value + "".join(rng.choice(string.ascii_lowercase) for _ in range(lo - len(value)))
        return value

    def _number(self, schema: dict[str, Any], rng: Random, tokens: tuple[str, ...], *, integer: bool) -> int | float:
        lo, lo_open = _bound(schema, "minimum", "exclusiveMinimum")
        hi, hi_open = _bound(schema, "maximum", "exclusiveMaximum")
        h_lo, h_hi, decimals = named_range(tokens, integer)
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


# ---- related fields -------------------------------------------------------

# (earlier, later) words: keys that differ only in one such word hold an ordered pair,
# e.g. departure_time/arrival_time, check_in/check_out, start/end, min_price/max_price.
_ORDERED_WORDS = {
    ("start", "end"), ("starts", "ends"), ("started", "ended"), ("start", "finish"), ("started", "finished"),
    ("begin", "end"), ("begins", "ends"), ("departure", "arrival"), ("depart", "arrive"), ("departs", "arrives"),
    ("departure", "return"), ("outbound", "return"), ("in", "out"), ("from", "to"), ("from", "until"),
    ("since", "until"), ("after", "before"), ("open", "close"), ("opens", "closes"), ("opening", "closing"),
    ("sunrise", "sunset"), ("pickup", "dropoff"), ("issued", "expires"), ("created", "updated"), ("min", "max"),
    ("minimum", "maximum"), ("low", "high"), ("lowest", "highest"), ("earliest", "latest"), ("first", "last"),
    # a summary's average lies between its extremes: heart_rate {average_bpm <= max_bpm}
    ("min", "average"), ("min", "avg"), ("min", "mean"), ("minimum", "average"), ("minimum", "mean"),
    ("average", "max"), ("avg", "max"), ("mean", "max"), ("average", "maximum"), ("mean", "maximum"),
    ("average", "peak"), ("avg", "peak"), ("mean", "peak"), ("resting", "average"), ("resting", "max"),
}
_LATER_OF = {}
for _a, _b in _ORDERED_WORDS:
    _LATER_OF.setdefault(_a, set()).add(_b)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_CLOCK_RE = re.compile(r"^(\d{2}):(\d{2})(:\d{2})?(Z)?$")


@lru_cache(maxsize=4096)
def ordered_pairs(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(earlier key, later key) pairs among an object's keys, by their names."""
    toks = {k: _tokens(k) for k in keys}
    pairs = []
    for a in keys:
        ta = toks[a]
        for i, word in enumerate(ta):
            for later in _LATER_OF.get(word, ()):
                want = ta[:i] + (later,) + ta[i + 1:]
                b = next((k for k in keys if k != a and toks[k] == want), None)
                if b is not None:
                    pairs.append((a, b))
    return tuple(pairs)


def _order_related(out: dict[str, Any], props: dict[str, Any], gen: "ValueGenerator", rng: Random) -> None:
    """Make ordered pairs consistent: arrival after departure, check-out after check-in, max >= min.

    Only ever replaces the later value with one its own schema still accepts
    (plain or matching-format strings; numbers swapped only if both schemas take both).
    Numbers are swapped until no pair is out of order, so a chain of three
    (min <= average <= max) ends sorted, not just each pair once.
    """
    pairs = ordered_pairs(tuple(out))
    for early, late in pairs:
        a, b = out[early], out[late]
        if isinstance(a, str) and isinstance(b, str):
            fixed = later_time(a, b, rng)
            if fixed is not None and string_fits(gen.resolve(props.get(late)), fixed):
                out[late] = fixed
    for _ in range(len(pairs)):
        swapped = False
        for early, late in pairs:
            a, b = out[early], out[late]
            if _is_number(a) and _is_number(b) and a > b:
                sa, sb = gen.resolve(props.get(early)), gen.resolve(props.get(late))
                if number_fits(sa, b) and number_fits(sb, a):
                    out[early], out[late] = b, a
                    swapped = True
        if not swapped:
            break


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def later_time(a: str, b: str, rng: Random) -> str | None:
    """A value for ``b`` a short while after ``a`` (same textual form as ``a``), or None if they are no times.

    Independent draws would put an arrival months after (or before) its departure:
    the later one is drawn relative to the earlier instead (dates 1-10 days on,
    date-times 30 min to 10 h on, clock times 15 min to 4 h on, same day).
    """
    if _DATE_RE.match(a) and _DATE_RE.match(b):
        day = _dt.date.fromisoformat(a) + _dt.timedelta(days=rng.randint(1, 10))
        return day.isoformat()
    ma, mb = _DATETIME_RE.match(a), _DATETIME_RE.match(b)
    if ma and mb:
        later = _dt.datetime.fromisoformat(a[:19]) + _dt.timedelta(minutes=15 * rng.randint(2, 40))
        return later.strftime("%Y-%m-%dT%H:%M:%S") + (ma.group(5) or "")
    ca, cb = _CLOCK_RE.match(a), _CLOCK_RE.match(b)
    if ca and cb:
        mins_a = int(ca.group(1)) * 60 + int(ca.group(2))
        if mins_a >= 23 * 60 + 45:
            return None if int(cb.group(1)) * 60 + int(cb.group(2)) > mins_a else "23:59" + (":00" if ca.group(3) else "") + (ca.group(4) or "")
        mins = min(mins_a + 15 * rng.randint(1, 16), 23 * 60 + 59)
        return f"{mins // 60:02d}:{mins % 60:02d}" + (":00" if ca.group(3) else "") + (ca.group(4) or "")
    return None


def string_fits(schema: Any, value: str) -> bool:
    """Whether a generated date/time string may replace a value of ``schema`` (cheap, conservative)."""
    if schema is None or schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const", "pattern", "oneOf", "anyOf", "not")):
        return False
    kind = schema.get("type", "string")
    if kind != "string" and not (isinstance(kind, list) and "string" in kind):
        return False
    fmt = schema.get("format")
    if fmt is not None:
        if fmt == "date" and not _DATE_RE.match(value) or fmt == "date-time" and not _DATETIME_RE.match(value):
            return False
        if fmt == "date-time" and not _DATETIME_RE.match(value).group(5):
            return False  # RFC 3339 needs the offset
        if fmt == "time" and not (_CLOCK_RE.match(value) and value.count(":") == 2 and value.endswith("Z")):
            return False
        if fmt not in ("date", "date-time", "time"):
            return False
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    return not (isinstance(lo, int) and len(value) < lo or isinstance(hi, int) and len(value) > hi)


def number_fits(schema: Any, value: float) -> bool:
    """Whether number ``value`` may replace a value of ``schema`` (type, bounds, multipleOf; no enums)."""
    if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const", "oneOf", "anyOf", "not")):
        return False
    kind = schema.get("type")
    if kind == "integer" and not (isinstance(value, int) or float(value).is_integer()):
        return False
    lo, lo_open = _bound(schema, "minimum", "exclusiveMinimum")
    hi, hi_open = _bound(schema, "maximum", "exclusiveMaximum")
    if lo is not None and (value <= lo if lo_open else value < lo):
        return False
    if hi is not None and (value >= hi if hi_open else value > hi):
        return False
    step = schema.get("multipleOf")
    return not (isinstance(step, (int, float)) and step > 0 and not _is_multiple(value, step))


# ---- helpers ------------------------------------------------------------


def _merge(a: dict[str, Any], b: Any) -> dict[str, Any]:
    """Merge two schemas for allOf: properties joined, required unioned, b wins elsewhere."""
    if not isinstance(b, dict):
        return a
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and isinstance(out.get("properties"), dict) and isinstance(value, dict):
            out["properties"] = {**out["properties"], **value}
        elif key == "required" and isinstance(out.get("required"), list) and isinstance(value, list):
            out["required"] = list(dict.fromkeys(out["required"] + value))
        else:
            out[key] = value
    return out


def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def singular(name: str) -> str:
    """``flights`` -> ``flight``, ``categories`` -> ``category`` (the item name of a list property)."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    value = schema.get(inclusive)
    excl = schema.get(exclusive)
    if isinstance(excl, bool):  # draft 4: a flag on the inclusive bound
        return (value if isinstance(value, (int, float)) else None), bool(excl) and value is not None
    candidates = []
    if isinstance(value, (int, float)):
        candidates.append((value, False))
    if isinstance(excl, (int, float)):
        candidates.append((excl, True))
    if not candidates:
        return None, False
    # The tighter bound wins; for the same number an exclusive one is tighter.
    if inclusive == "minimum":
        return max(candidates, key=lambda c: (c[0], c[1]))
    return min(candidates, key=lambda c: (c[0], not c[1]))


def _in_range(v: float, lo: float, hi: float, lo_open: bool, hi_open: bool) -> bool:
    return (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)


def _is_multiple(value: float, step: float) -> bool:
    # jsonschema's own test for multipleOf, so generated values pass its validator.
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    if isinstance(value, float):
        return value % step == 0 if value.is_integer() else False
    return value % step == 0


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
        if _is_multiple(value, step) and _in_range(value, lo, hi, lo_open, hi_open):
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


_EPOCH = _dt.date(2024, 1, 1)


def _format_value(fmt: str, rng: Random) -> str | None:
    fmt = fmt.lower()
    if fmt == "date":
        return (_EPOCH + _dt.timedelta(days=rng.randrange(0, 900))).isoformat()
    if fmt == "date-time":
        day = _EPOCH + _dt.timedelta(days=rng.randrange(0, 900))
        return f"{day.isoformat()}T{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if fmt == "time":
        return f"{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if fmt in ("email", "idn-email"):
        return _email(rng)
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
        return f"https://www.example.com/{rng.choice(_WORDS)}/{rng.randrange(1, 999)}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "ipv4":
        return f"192.0.2.{rng.randrange(1, 255)}"
    if fmt == "ipv6":
        return f"2001:db8::{rng.randrange(1, 0xFFFF):x}"
    if fmt in ("hostname", "idn-hostname"):
        return f"{rng.choice(_WORDS)}.example.com"
    if fmt == "duration":
        return f"P{rng.randrange(1, 30)}D"
    if fmt == "byte":
        return "aGVsbG8gd29ybGQ="
    if fmt == "password":
        return "S3cret-" + "".join(rng.choice(_ID_ALPHABET) for _ in range(6))
    return None


def _email(rng: Random) -> str:
    return f"{rng.choice(_FIRST).lower()}.{rng.choice(_LAST).lower().replace('ü', 'u')}@example.com"


def _named_string(tokens: tuple[str, ...], rng: Random) -> str:
    return _STRING_MAKERS[string_kind(tokens)](tokens, rng)


@lru_cache(maxsize=4096)
def string_kind(tokens: tuple[str, ...]) -> str:
    """Which kind of realistic string a property name asks for (cached: names repeat a lot)."""
    t = set(tokens)
    last = tokens[-1] if tokens else ""
    if "email" in t or "mail" in t:
        return "email"
    if t & {"url", "uri", "link", "website", "homepage", "href"}:
        return "url"
    if last in ("at", "timestamp", "datetime") or ("date" in t and "time" in t):
        return "date-time"
    if t & {"date", "day", "birthday", "dob"}:
        return "date"
    if last == "time":
        return "clock"
    if last == "number" and t & {"flight"}:
        return "flight_number"
    if t & {"airline", "carrier"}:
        return "airline"
    if t & {"confirmation", "locator", "pnr"}:
        return "locator"
    if last in ("id", "uuid", "ref", "reference") or (last == "number" and t & {"order", "booking", "tracking", "account", "invoice"}):
        return "id"
    if t & {"phone", "mobile", "tel", "telephone"}:
        return "phone"
    if t & {"city", "town", "destination", "origin", "location", "place"}:
        return "city"
    if "country" in t:
        return "country"
    if "currency" in t:
        return "currency"
    if t & {"language", "lang", "locale"}:
        return "language"
    if t & {"company", "organization", "organisation", "employer", "vendor", "merchant"}:
        return "company"
    if t & {"address", "street"}:
        return "address"
    if t & {"zip", "postal", "postcode", "zipcode"}:
        return "zip"
    if t & {"status", "state"}:
        return "status"
    if t & {"color", "colour"}:
        return "color"
    if t & {"username", "login", "handle"}:
        return "username"
    if last == "name" and t & {"first", "given"}:
        return "first_name"
    if last == "name" and t & {"last", "family", "sur"}:
        return "last_name"
    if last == "name" and (len(t) == 1 or t & {"full", "user", "customer", "person", "contact", "guest", "passenger", "owner", "recipient", "sender", "author", "employee", "patient"}):
        return "full_name"
    if last == "name" and len(tokens) == 2 and tokens[0] in THINGS:
        return "thing_name"
    if t & {"title", "subject", "summary", "description", "message", "body", "text", "content", "note", "notes", "comment", "query", "q", "keyword", "keywords", "reason"}:
        return "phrase"
    if t & {"symbol", "ticker"}:
        return "ticker"
    if "code" in t:
        return "code"
    return "word"


_STRING_MAKERS = {
    "email": lambda tokens, rng: _email(rng),
    "url": lambda tokens, rng: f"https://www.example.com/{rng.choice(_WORDS)}",
    "date-time": lambda tokens, rng: _format_value("date-time", rng),
    "date": lambda tokens, rng: _format_value("date", rng),
    "clock": lambda tokens, rng: f"{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}",
    "id": lambda tokens, rng: mint_id((tokens[0] if len(tokens) > 1 else "obj")[:3], rng),
    "phone": lambda tokens, rng: f"+1-555-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
    "city": lambda tokens, rng: rng.choice(_CITIES),
    "country": lambda tokens, rng: rng.choice(_COUNTRIES),
    "currency": lambda tokens, rng: rng.choice(_CURRENCIES),
    "language": lambda tokens, rng: rng.choice(_LANGUAGES),
    "company": lambda tokens, rng: rng.choice(_COMPANIES),
    "address": lambda tokens, rng: f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}",
    "zip": lambda tokens, rng: f"{rng.randrange(10000, 99999)}",
    "status": lambda tokens, rng: rng.choice(_STATUSES),
    "color": lambda tokens, rng: rng.choice(_COLORS),
    "username": lambda tokens, rng: f"{rng.choice(_FIRST).lower()}{rng.randrange(1, 99)}",
    "first_name": lambda tokens, rng: rng.choice(_FIRST),
    "last_name": lambda tokens, rng: rng.choice(_LAST),
    "full_name": lambda tokens, rng: f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
    "thing_name": lambda tokens, rng: f"{rng.choice(_WORDS).title()} {tokens[0].title()}",
    "flight_number": lambda tokens, rng: f"{rng.choice(_AIRLINE_CODES)}{rng.randrange(100, 9999)}",
    "airline": lambda tokens, rng: rng.choice(_AIRLINES),
    "locator": lambda tokens, rng: "".join(rng.choices(_ID_ALPHABET, k=6)),
    "phrase": lambda tokens, rng: rng.choice(_PHRASES),
    "ticker": lambda tokens, rng: rng.choice(["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"]),
    "code": lambda tokens, rng: "".join(rng.choices(string.ascii_uppercase, k=3)),
    "word": lambda tokens, rng: f"{rng.choice(_WORDS)}-{rng.randrange(1, 100)}",
}


@lru_cache(maxsize=4096)
def named_range(tokens: tuple[str, ...], integer: bool) -> tuple[float, float, int]:
    """A realistic (low, high, decimals) for a numeric property name."""
    t = set(tokens)
    if "year" in t:
        return 2020, 2026, 0
    if "age" in t:
        return 18, 80, 0
    if t & {"lat", "latitude"}:
        return -90, 90, 4
    if t & {"lon", "lng", "longitude"}:
        return -180, 180, 4
    if t & {"price", "amount", "cost", "total", "balance", "fee", "salary", "budget", "payment", "subtotal"}:
        return (5, 500, 0) if integer else (5.0, 500.0, 2)
    if t & {"rating", "stars", "score"}:
        return 1, 5, 1
    if t & {"percent", "percentage", "pct", "probability"}:
        return 0, 100, 1
    if t & {"temperature", "temp"}:
        return -10, 35, 1
    if t & {"page"}:
        return 1, 5, 0
    # Small counts of real-world things: a flight with 40 stops reads as noise.
    if t & {"stops", "stopovers", "layovers", "connections"}:
        return 0, 2, 0
    if t & {"bags", "luggage", "children", "kids", "infants"}:
        return 0, 3, 0
    if t & {"guests", "passengers", "adults", "travellers", "travelers", "people", "persons", "rooms", "tickets"}:
        return 1, 4, 0
    if t & {"nights", "days"}:
        return 1, 14, 0
    if t & {"minutes", "mins"} or "duration" in t:
        return 15, 120, 0
    if t & {"hours"}:
        return 1, 12, 0
    if t & {"calories", "kcal"}:
        return 150, 900, 0
    if "heart" in t or "bpm" in t:
        return 60, 170, 0
    if t & {"distance", "km", "miles"}:
        return (1, 42, 0) if integer else (1.0, 42.0, 1)
    if t & {"count", "quantity", "qty", "num", "number", "limit", "size", "seats", "items", "stock", "members", "attendees"}:
        return 1, 10, 0
    return (0, 100, 0) if integer else (0.0, 1000.0, 2)
