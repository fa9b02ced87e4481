"""Argument values sampled from a parameter's JSON Schema, with the words a user says them in.

A :class:`Spoken` value carries what goes into the call, how the user writes
it (so the request grounds it), and the acceptable alternatives for the ground
truth in BFCL form (synonyms; objects as ``{key: [alternatives]}``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, timedelta
from typing import Any

from inftool_jax.tools.schema_helpers import effective_schema, is_json_number, schema_type
from inftool_jax.world import named_values as NV  # the simulator's value rules: plans and results agree
from inftool_jax.world import vocabulary as V
from inftool_jax.world.ordering import distinct_pairs, order_siblings
from inftool_jax.world.value_gen import ValueGenerator
from inftool_jax.world.value_hints import (
    INTEGER_HINTS,
    description_choices,
    description_examples,
    digits_wanted,
    hint_for,
    hinted_range,
    hinted_string,
    shaped_like,
)
from inftool_jax.synth.user.verbal_formats import DATE_STYLES, format_number, render_date, render_number


@dataclass
class Spoken:
    """One argument value: ``value`` for the call, ``text`` for the user, ``alternatives`` for the ground truth."""

    value: Any
    text: str
    alternatives: list[Any] = field(default_factory=list)


_RENAMED = re.compile(r"__\d+$")


@lru_cache(maxsize=65536)
def humanize(name: str) -> str:
    """``order_id`` / ``orderId`` -> ``order id``; a catalog rename (``get_order__2``) reads as the tool it is."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", _RENAMED.sub("", name))
    return " ".join(spaced.replace("_", " ").replace("-", " ").replace(".", " ").split()).lower()


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


TODAY = date(2026, 1, 1)
"""The synthetic world's today: trips and deadlines lie after it, birthdays and logged activities before."""

# Name words that put a date in the past: a birthday, or a thing that already happened.
_BIRTH_WORDS = frozenset({"birth", "dob", "birthday", "born", "birthdate"})
_PAST_WORDS = frozenset({
    "eaten", "started", "logged", "occurred", "received", "created", "issued", "completed", "finished", "posted",
    "since", "purchased", "joined", "hired", "paid", "delivered", "happened", "recorded", "measured",
})


def date_kind(name: str) -> str:
    """``"birth"`` (an adult's birthday), ``"past"`` (something that happened) or ``"future"`` (a plan)."""
    tokens = set(NV.tokens_of(name))
    if tokens & _BIRTH_WORDS:
        return "birth"
    if tokens & _PAST_WORDS:
        return "past"
    return "future"


def _draw_day(name: str, rng: random.Random) -> date:
    kind = date_kind(name)
    if kind == "birth":  # an adult passenger or customer: 18 to 80 years old today
        return TODAY - timedelta(days=rng.randint(18 * 366, 80 * 365))
    if kind == "past":
        return TODAY - timedelta(days=rng.randint(1, 120))
    return TODAY + timedelta(days=rng.randint(1, 540))


def _pick_style(rng: random.Random, varied: float) -> str:
    return rng.choice(DATE_STYLES[1:]) if rng.random() < varied else "iso"


def speak_date(iso: str, rng: random.Random, varied: float) -> Spoken:
    """A ``YYYY-MM-DD`` value in ISO form, or (with chance ``varied``) in another :data:`DATE_STYLES` form."""
    return Spoken(iso, render_date(iso, _pick_style(rng, varied)), [iso])


def speak_date_time(value: str, rng: random.Random, varied: float) -> Spoken:
    """A ``YYYY-MM-DDTHH:MM[:SS][Z]`` value as "<date> at HH:MM"."""
    return Spoken(value, f"{render_date(value[:10], _pick_style(rng, varied))} at {value[11:16]}", [value])


def respeak(value: Any, rng: random.Random, varied: float) -> Spoken:
    """The spoken form of a value made by a rule rather than drawn by :func:`sample_value` (dates, times, numbers)."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        return speak_date(value, rng, varied)
    if isinstance(value, str) and _ISO_DAY_TIME.match(value):
        return speak_date_time(value, rng, varied)
    if isinstance(value, str) and _CLOCK.match(value):
        return Spoken(value, value[:5], [value])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        style = rng.choice(["words", "grouped"]) if rng.random() < varied else "digits"
        return Spoken(value, render_number(value, style), [value])
    text = value if isinstance(value, str) else format_number(value) if isinstance(value, (int, float)) else str(value)
    return Spoken(value, text, [value])


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DAY_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$")
_CLOCK = re.compile(r"^\d{2}:\d{2}(:\d{2})?Z?$")


@lru_cache(maxsize=65536)
def _name_parts(name: str) -> frozenset[str]:
    return frozenset(humanize(name).split())


def _name_has(name: str, *words: str) -> bool:
    parts = _name_parts(name)
    return any(w in parts for w in words)


def is_id_name(name: str) -> bool:
    """``id``, ``order_id``, ``orderId``: a parameter that names an entity by its identifier."""
    return humanize(name).split()[-1:] == ["id"]


def _id_value(name: str, rng: random.Random) -> str:
    stem = humanize(name).replace(" id", "").replace(" code", "").replace(" number", "").strip() or "item"
    prefix = "".join(ch for ch in stem.upper() if ch.isalpha())[:3] or "ID"
    return f"{prefix}-{rng.randint(10000, 99999)}"


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(V.FIRST_NAMES), rng.choice(V.LAST_NAMES)


# Kinds of string the simulator's generator makes better than our word pools (postal codes, street addresses...).
_VG_STRING_KINDS = frozenset({"address", "zip", "company", "airline", "flight_number", "locator", "ticker"})


def _hinted(name: str, schema: dict[str, Any], rng: random.Random, varied: float, owner: str, in_path: bool) -> Spoken | None:
    """A value for what the name, description and format say (:mod:`~inftool_jax.world.value_hints`), or None.

    An identifier with a string default takes the default's shape (xLAM's ``user`` "2455740283" stays ten digits).
    """
    choices = description_choices(schema)
    if choices:  # an enum written in prose: 'either "needsAction" or "completed"'
        value = rng.choice(choices)
        return Spoken(value, value, [value])
    digits = digits_wanted(schema)
    if digits:
        value = str(rng.randint(10 ** (digits - 1), 10**digits - 1))
        return Spoken(value, value, [value])
    hint = hint_for(name, schema, in_path, owner)
    if hint == "date-time":
        hh, mm = rng.randint(7, 20), rng.choice([0, 15, 30, 45])
        return speak_date_time(f"{_draw_day(name, rng).isoformat()}T{hh:02d}:{mm:02d}:00Z", rng, varied)
    if hint == "date":
        return speak_date(_draw_day(name, rng).isoformat(), rng, varied)
    default = schema.get("default")
    if hint in ("identifier", "count") and isinstance(default, str) and default.strip() and not any(c.isspace() for c in default):
        value = shaped_like(default, rng)
        return Spoken(value, value, [value])
    value = hinted_string(hint, name, schema, rng, owner, in_path) if hint else None
    if value is None and not hint and description_examples(schema):
        value = rng.choice(description_examples(schema))  # "(e.g., 'flour', 'sugar')": the spec's own examples
    return None if value is None else Spoken(value, value, [value])


def _string_value(name: str, schema: dict[str, Any], rng: random.Random, varied: float, owner: str = "", in_path: bool = False) -> Spoken:
    fmt = schema.get("format", "")
    lname = name.lower()
    if fmt == "date" or (not fmt and (lname == "date" or lname.endswith("_date") or lname.endswith("date") and lname != "update" or date_kind(name) == "birth")):
        return speak_date(_draw_day(name, rng).isoformat(), rng, varied)
    if fmt == "date-time":
        hh, mm = rng.randint(7, 20), rng.choice([0, 15, 30, 45])
        return speak_date_time(f"{_draw_day(name, rng).isoformat()}T{hh:02d}:{mm:02d}:00Z", rng, varied)
    if fmt == "time" or lname == "time" or lname.endswith("_time"):
        hh, mm = rng.randint(7, 20), rng.choice([0, 15, 30, 45])
        text = f"{hh:02d}:{mm:02d}"
        value = f"{text}:00Z" if fmt == "time" else text  # RFC 3339 full-time when the schema asks for it
        return Spoken(value, text, [value])
    if fmt == "uuid":
        value = NV.format_value("uuid", rng)
        return Spoken(value, value, [value])
    hinted = _hinted(name, schema, rng, varied, owner, in_path)
    if hinted is not None:
        return hinted
    if _name_has(name, "currency"):  # before places: from_currency is a currency, not a city
        value = rng.choice(V.CURRENCIES)
        return Spoken(value, value, [value])
    if _name_has(name, "country") and _name_has(name, "code", "iso"):
        value = rng.choice(V.COUNTRY_CODES)
        return Spoken(value, value, [value])
    if _name_has(name, "language", "lang", "locale") and _name_has(name, "code", "iso"):
        value = rng.choice(V.LANGUAGE_CODES)
        return Spoken(value, value, [value])
    if fmt == "email" or "email" in lname:
        first, last = _person(rng)
        value = f"{first.lower()}.{last.lower()}@{rng.choice(V.DOMAINS)}"
        return Spoken(value, value, [value])
    if NV.string_kind(NV.tokens_of(name)) in _VG_STRING_KINDS:
        value = ValueGenerator().generate({"type": "string"}, rng, name)
        return Spoken(value, value, [value])
    if is_id_name(name) or _name_has(name, "sku", "code", "number", "reference", "ref", "tracking"):
        value = _id_value(name, rng)
        return Spoken(value, value, [value])
    if fmt in ("uri", "url") or _name_has(name, "url", "link", "website", "uri"):
        value = f"https://{rng.choice(V.DOMAINS)}/{rng.choice(V.WORDS)}"
        return Spoken(value, value, [value])
    if _name_has(name, "phone", "mobile", "telephone"):
        value = f"+1-555-{rng.randint(100, 999):03d}-{rng.randint(1000, 9999):04d}"
        return Spoken(value, value, [value])
    if lname == "name" and owner in NV.THINGS:  # create_project(name): "Harbor Project", not a person
        value = ValueGenerator().generate({"type": "string"}, rng, f"{owner}_name")
        return Spoken(value, value, [value])
    if _name_has(name, "city", "location", "destination", "origin", "place", "from", "to", "departure", "arrival", "region", "area"):
        group = rng.choice(V.PLACE_SYNONYMS)
        return Spoken(group[0], rng.choice(group), list(group))
    if _name_has(name, "country", "nationality"):
        group = rng.choice(V.COUNTRY_SYNONYMS)
        return Spoken(group[0], rng.choice(group), list(group))
    if _name_has(name, "username", "handle", "login"):
        first, last = _person(rng)
        value = f"{first.lower()}_{last[0].lower()}{rng.randint(1, 99)}"
        return Spoken(value, value, [value])
    if _name_has(name, "name", "recipient", "assignee", "author", "owner", "contact", "attendee", "guest", "passenger", "customer", "user", "person", "patient", "driver"):
        first, last = _person(rng)
        if lname == "first_name" or lname == "firstname":
            return Spoken(first, first, [first])
        if lname == "last_name" or lname == "lastname":
            return Spoken(last, last, [last])
        value = f"{first} {last}"
        return Spoken(value, value, [value])
    if _name_has(name, "language", "lang", "locale"):
        value = rng.choice(V.LANGUAGES)
        return Spoken(value, value, [value])
    if _name_has(name, "color", "colour"):
        value = rng.choice(V.COLORS)
        return Spoken(value, value, [value])
    if _name_has(name, "query", "keyword", "keywords", "search", "q", "term", "topic", "product", "item", "genre", "category", "cuisine"):
        value = rng.choice(V.TOPICS)
        return Spoken(value, value, [value])
    if _name_has(name, "message", "body", "content", "text", "note", "notes", "comment", "description", "reason", "review", "feedback", "details"):
        value = rng.choice(V.SENTENCES)
        return Spoken(value, f'"{value}"', [value])
    if _name_has(name, "title", "subject", "summary", "event", "label", "tag", "project", "task"):
        value = rng.choice(V.PHRASES)
        return Spoken(value, f'"{value}"', [value])
    value = f"{rng.choice(V.WORDS)} {rng.choice(V.WORDS)}"
    return Spoken(value, f'"{value}"', [value])


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern we cannot read is the schema validator's problem, not ours


def _patterned(name: str, schema: dict[str, Any], pattern: str, rng: random.Random) -> Spoken:
    """A value for a string with a ``pattern`` our word pools miss: known code pools, else the pattern generator."""
    for pool in (V.AIRPORTS, V.COUNTRY_CODES, V.CURRENCIES, V.LANGUAGE_CODES):
        fits = [x for x in pool if _matches(pattern, x)]
        if fits and len(fits) * 2 >= len(pool):
            value = rng.choice(fits)
            return Spoken(value, value, [value])
    value = str(ValueGenerator().generate(schema, rng, name))
    return Spoken(value, value, [value])


# Planner-side ranges for names the simulator's generator has no rule for (its rules come first).
_BIRTH_YEAR = (TODAY.year - 80, TODAY.year - 18)
_MONEY_CAPS = frozenset({"monthly", "weekly", "daily", "yearly", "annual", "spending", "credit", "overdraft"})


def _planned_range(name: str, integer: bool) -> tuple[float, float]:
    """A realistic (low, high) for a numeric parameter: value_gen's name rules, then a few planner rules."""
    tokens = NV.tokens_of(name)
    t = set(tokens)
    if t & _BIRTH_WORDS and "year" in t:
        return _BIRTH_YEAR
    if t & _MONEY_CAPS and t & {"limit", "cap", "budget", "allowance"}:  # monthly_limit is money, not a count
        return 50, 5000
    lo, hi, _ = NV.named_range(tokens, integer)
    if (lo, hi) != ((0, 100) if integer else (0.0, 1000.0)):  # value_gen knows this name
        return lo, hi
    if t & {"results", "max", "top", "n", "interval", "retries", "attempts", "copies", "pages"}:
        return 1, 10
    if t & {"weeks", "months"}:
        return 1, 12
    if t & {"target", "goal"}:
        return 1, 100
    return lo, hi


_BOUND_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _number_value(name: str, schema: dict[str, Any], rng: random.Random, integer: bool, in_path: bool = False) -> int | float:
    """A plausible number: the name's realistic range narrowed to the schema's, drawn by value_gen.

    Ids and counts are whole numbers even where the schema says ``number``. Where the two ranges overlap the schema is narrowed to the overlap (so "passengers" in
    [1, 9] stays 1-4 and an amount with ``exclusiveMinimum: 0`` is 5-500), else the schema's
    own range wins; value_gen then handles exclusive bounds, ``multipleOf`` and rounding.
    """
    hint = hint_for(name, schema, in_path)
    integer = integer or hint in INTEGER_HINTS or NV.named_range(NV.tokens_of(name), False)[2] == 0
    narrowed = dict(schema)
    narrowed["type"] = "integer" if integer else "number"
    if any(isinstance(schema.get(k), bool) for k in _BOUND_KEYS):  # draft 4 flags: leave the bounds to value_gen
        return _as_type(ValueGenerator().generate(narrowed, rng, name), integer)
    ex_lo, ex_hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    lows = [schema[k] for k in ("minimum", "exclusiveMinimum") if is_json_number(schema.get(k))]
    highs = [schema[k] for k in ("maximum", "exclusiveMaximum") if is_json_number(schema.get(k))]
    ranged = hinted_range(hint, name)
    h_lo, h_hi = ranged[:2] if ranged else _planned_range(name, integer)
    lo = max([h_lo, *lows])
    hi = min([h_hi, *highs])
    if lo < hi:
        for k in _BOUND_KEYS:
            narrowed.pop(k, None)
        narrowed["exclusiveMinimum" if is_json_number(ex_lo) and lo == ex_lo else "minimum"] = lo
        narrowed["exclusiveMaximum" if is_json_number(ex_hi) and hi == ex_hi else "maximum"] = hi
    return _as_type(ValueGenerator().generate(narrowed, rng, name), integer)


def _as_type(value: Any, integer: bool) -> int | float:
    return int(value) if integer else float(value)


def sample_value(name: str, schema: dict[str, Any], rng: random.Random, varied: float = 0.0, depth: int = 0, owner: str = "", in_path: bool = False) -> Spoken:
    """A value for parameter ``name`` valid for ``schema``, with its spoken form and ground-truth alternatives.

    ``varied`` is the chance that a date or number is written in another form
    than the call uses (see :mod:`verbal_formats`). ``owner`` is the thing the
    value belongs to (``"project"`` for ``create_project(name)``): it names things, not people.
    ``in_path``: an OpenAPI path template variable, which names a record (an identifier).
    Sibling values of an object are kept consistent (:func:`order_related`).
    """
    schema = effective_schema(schema if isinstance(schema, dict) else {})
    if "const" in schema:
        c = schema["const"]
        return Spoken(c, str(c) if not isinstance(c, str) else c, [c])
    if schema.get("enum"):
        value = rng.choice(schema["enum"])
        text = value if isinstance(value, str) else format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value).lower()
        return Spoken(value, text, [value])
    t = schema_type(schema)
    if t == "string":
        spoken = _string_value(name, schema, rng, varied, owner, in_path)
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _matches(pattern, spoken.value):
            slug = re.sub(r"[^a-z0-9]+", "-", spoken.value.lower()).strip("-") if isinstance(spoken.value, str) else ""
            for form in (slug, slug.replace("-", "_")):  # "Harbor Channel" -> "harbor-channel" for ^[a-z0-9-]+$
                if form and _matches(pattern, form):
                    spoken = Spoken(form, form, [form])
                    break
            else:
                spoken = _patterned(name, schema, pattern, rng)
        max_len = schema.get("maxLength")
        if isinstance(max_len, int) and len(spoken.value) > max_len:
            value = rng.choice(V.WORDS)[:max_len]
            spoken = Spoken(value, value, [value])
        return spoken
    if t in ("integer", "number"):
        value = _number_value(name, schema, rng, t == "integer", in_path)
        style = rng.choice(["words", "grouped"]) if rng.random() < varied else "digits"
        return Spoken(value, render_number(value, style), [value])
    if t == "boolean":
        value = rng.random() < 0.5
        text = rng.choice(["yes", "true", "enabled", "on"]) if value else rng.choice(["no", "false", "disabled", "off"])
        return Spoken(value, text, [value])
    if t == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
        if "description" not in items and schema.get("description"):  # "Logins for Users to assign": items are logins
            items = {**items, "description": schema["description"]}
        if _name_has(name, "point", "coordinates", "coords", "latlng", "latlon") and schema.get("minItems") == 2 and schema_type(items) == "number":
            # a [latitude, longitude] pair, each in its own range
            pair = [sample_value("latitude", items, rng, varied, depth + 1), sample_value("longitude", items, rng, varied, depth + 1)]
            return Spoken([p.value for p in pair], join_words([p.text for p in pair]), [[p.value for p in pair]])
        lo = max(int(schema.get("minItems", 1)), 1)
        hi = max(min(int(schema.get("maxItems", 3)), 3), lo)
        n = rng.randint(lo, hi)
        item_name = name[:-1] if name.endswith("s") and len(name) > 3 else name
        values: list[Any] = []
        texts: list[str] = []
        elems: list[Any] = []
        enum = effective_schema(items).get("enum")
        pool = rng.sample(list(enum), min(n, len(enum))) if enum else None
        for i in range(n if pool is None else len(pool)):
            if pool is not None:
                sub = Spoken(pool[i], str(pool[i]), [pool[i]])
            else:
                for _ in range(5):  # unique items read better and satisfy uniqueItems
                    sub = sample_value(item_name, items, rng, varied, depth + 1, owner)
                    if sub.value not in values:
                        break
                if sub.value in values:
                    continue
            values.append(sub.value)
            texts.append(sub.text)
            elems.append(sub.alternatives[0] if isinstance(sub.value, dict) else sub.value)
        return Spoken(values, join_words(texts), [elems])
    if t == "object":
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        subs: dict[str, Spoken] = {}
        alts: dict[str, list[Any]] = {}
        for key, sub_schema in props.items():
            if not isinstance(sub_schema, dict):
                continue
            if key not in required and rng.random() >= 0.5:
                alts[key] = [""]
                continue
            subs[key] = sample_value(key, sub_schema, rng, varied, depth + 1, _singular(name))
        order_related(subs, props, rng, varied)
        for key, sub in subs.items():
            alts[key] = sub.alternatives
        parts = [f"{humanize(key)} {sub.text}" for key, sub in subs.items()]
        return Spoken({k: v.value for k, v in subs.items()}, "(" + ", ".join(parts) + ")" if parts else "(empty)", [alts])
    # unknown or "any" types: a plain word is valid JSON and easy to ground
    value = rng.choice(V.WORDS)
    return Spoken(value, value, [value])


def _singular(name: str) -> str:
    return humanize(NV.singular(name)).split()[-1] if name else ""


def order_related(values: dict[str, Any], props: dict[str, Any], rng: random.Random, varied: float = 0.0, frozen: frozenset[str] | set[str] = frozenset()) -> None:
    """Make sibling values consistent, in place, with the world's own sibling rules (:mod:`~inftool_jax.world.ordering`).

    ``check_out`` a few days after ``check_in``, ``end`` after ``start``,
    ``return_date`` after ``departure_date``, ``arrival`` after ``departure``
    (a later date/time is redrawn relative to the earlier, and re-spoken);
    ``max_*`` >= ``min_*`` (swapped); ``from``/``to`` and ``origin``/``destination``
    differ (the later redrawn). Only :class:`Spoken` entries take part (result
    references are left alone), keys in ``frozen`` are never changed, and a new
    value is used only if its own schema accepts it.
    """
    spoken = {k: v for k, v in values.items() if isinstance(v, Spoken)}
    if len(spoken) < 2:
        return
    schemas = {k: effective_schema(props.get(k) if isinstance(props.get(k), dict) else {}) for k in spoken}
    gen = ValueGenerator()
    order_siblings(
        spoken, lambda key: gen.resolve(schemas[key]), rng, frozen=frozen,
        value_of=lambda s: s.value, retimed=lambda new, rng: respeak(new, rng, varied),
    )
    values.update(spoken)
    for first, second in distinct_pairs(tuple(spoken)):
        if second in frozen:
            continue
        for _ in range(8):
            if values[first].value != values[second].value:
                break
            values[second] = sample_value(second, schemas[second], rng, varied)
