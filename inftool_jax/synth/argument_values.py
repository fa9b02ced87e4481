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

from inftool_jax.synth import vocabulary as V
from inftool_jax.synth.verbal_formats import DATE_STYLES, format_number, render_date, render_number


@dataclass
class Spoken:
    """One argument value: ``value`` for the call, ``text`` for the user, ``alternatives`` for the ground truth."""

    value: Any
    text: str
    alternatives: list[Any] = field(default_factory=list)


@lru_cache(maxsize=65536)
def humanize(name: str) -> str:
    """``order_id`` / ``orderId`` -> ``order id``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return " ".join(spaced.replace("_", " ").replace("-", " ").replace(".", " ").split()).lower()


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def schema_type(schema: dict[str, Any]) -> str:
    """The effective JSON type of a schema (first non-null of a type list / anyOf / oneOf)."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        if "enum" in schema and schema["enum"]:
            first = schema["enum"][0]
            return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(first), "string")
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        for key in ("anyOf", "oneOf"):
            for sub in schema.get(key) or []:
                if isinstance(sub, dict) and sub.get("type") not in (None, "null"):
                    return schema_type(sub)
        return "string"
    return str(t)


def effective_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The first non-null branch of anyOf/oneOf merged over the schema itself."""
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            if isinstance(sub, dict) and sub.get("type") != "null":
                merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                merged.update(sub)
                return merged
    return schema


def is_complex(schema: dict[str, Any]) -> bool:
    """True for parameter schemas with nested objects, arrays or enums anywhere."""
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        prop = effective_schema(prop)
        if "enum" in prop or schema_type(prop) in ("object", "array"):
            return True
    return False


_BASE = date(2026, 1, 1)


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


def _string_value(name: str, schema: dict[str, Any], rng: random.Random, varied: float) -> Spoken:
    fmt = schema.get("format", "")
    lname = name.lower()
    if fmt == "date" or (not fmt and (lname == "date" or lname.endswith("_date") or lname.endswith("date") and lname != "update")):
        iso = (_BASE + timedelta(days=rng.randint(0, 700))).isoformat()
        style = rng.choice(DATE_STYLES[1:]) if rng.random() < varied else "iso"
        return Spoken(iso, render_date(iso, style), [iso])
    if fmt == "date-time":
        iso = (_BASE + timedelta(days=rng.randint(0, 700))).isoformat()
        hh, mm = rng.randint(7, 20), rng.choice([0, 15, 30, 45])
        value = f"{iso}T{hh:02d}:{mm:02d}:00Z"
        style = rng.choice(DATE_STYLES[1:]) if rng.random() < varied else "iso"
        return Spoken(value, f"{render_date(iso, style)} at {hh:02d}:{mm:02d}", [value])
    if fmt == "time" or lname == "time" or lname.endswith("_time"):
        hh, mm = rng.randint(7, 20), rng.choice([0, 15, 30, 45])
        text = f"{hh:02d}:{mm:02d}"
        value = f"{text}:00Z" if fmt == "time" else text  # RFC 3339 full-time when the schema asks for it
        return Spoken(value, text, [value])
    if is_id_name(name) or _name_has(name, "sku", "code", "number", "reference", "ref", "tracking"):
        value = _id_value(name, rng)
        return Spoken(value, value, [value])
    if fmt == "email" or "email" in lname:
        first, last = _person(rng)
        value = f"{first.lower()}.{last.lower()}@{rng.choice(V.DOMAINS)}"
        return Spoken(value, value, [value])
    if fmt in ("uri", "url") or _name_has(name, "url", "link", "website", "uri"):
        value = f"https://{rng.choice(V.DOMAINS)}/{rng.choice(V.WORDS)}"
        return Spoken(value, value, [value])
    if _name_has(name, "phone", "mobile", "telephone"):
        value = f"+1-555-{rng.randint(100, 999):03d}-{rng.randint(1000, 9999):04d}"
        return Spoken(value, value, [value])
    if _name_has(name, "city", "location", "destination", "origin", "place", "from", "to", "departure", "arrival", "region"):
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
    if _name_has(name, "currency"):
        value = rng.choice(V.CURRENCIES)
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
    from inftool_jax.synth.value_gen import ValueGenerator  # the schema-driven generator handles patterns

    value = str(ValueGenerator().generate(schema, rng, name))
    return Spoken(value, value, [value])


def _number_range(name: str, schema: dict[str, Any], integer: bool) -> tuple[float, float]:
    lo, hi = 1, 100
    if _name_has(name, "age"):
        lo, hi = 18, 90
    elif _name_has(name, "year"):
        lo, hi = 2020, 2030
    elif _name_has(name, "rating", "stars"):
        lo, hi = 1, 5
    elif _name_has(name, "count", "quantity", "limit", "num", "number", "size", "max", "results", "items"):
        lo, hi = 1, 10
    elif _name_has(name, "days", "nights", "duration", "weeks", "hours"):
        lo, hi = 1, 14
    elif _name_has(name, "guests", "people", "passengers", "adults", "seats", "travelers", "tickets"):
        lo, hi = 1, 8
    elif _name_has(name, "price", "amount", "budget", "cost", "salary", "total", "income"):
        lo, hi = 5, 5000
    elif _name_has(name, "latitude", "lat"):
        lo, hi = -80, 80
    elif _name_has(name, "longitude", "lon", "lng"):
        lo, hi = -170, 170
    if "minimum" in schema:
        lo = schema["minimum"]
        hi = max(hi, lo)
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], (int, float)):
        lo = schema["exclusiveMinimum"] + (1 if integer else 0.01)
        hi = max(hi, lo)
    if "maximum" in schema:
        hi = schema["maximum"]
        lo = min(lo, hi)
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], (int, float)):
        hi = schema["exclusiveMaximum"] - (1 if integer else 0.01)
        lo = min(lo, hi)
    return lo, hi


def sample_value(name: str, schema: dict[str, Any], rng: random.Random, varied: float = 0.0, depth: int = 0) -> Spoken:
    """A value for parameter ``name`` valid for ``schema``, with its spoken form and ground-truth alternatives.

    ``varied`` is the chance that a date or number is written in another form
    than the call uses (see :mod:`verbal_formats`).
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
        spoken = _string_value(name, schema, rng, varied)
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _matches(pattern, spoken.value):
            spoken = _patterned(name, schema, pattern, rng)
        max_len = schema.get("maxLength")
        if isinstance(max_len, int) and len(spoken.value) > max_len:
            value = rng.choice(V.WORDS)[:max_len]
            spoken = Spoken(value, value, [value])
        return spoken
    if t in ("integer", "number"):
        integer = t == "integer"
        lo, hi = _number_range(name, schema, integer)
        if integer:
            value: int | float = rng.randint(int(lo), int(hi)) if int(lo) <= int(hi) else int(lo)
        else:
            value = round(rng.uniform(lo, hi), 2)
            value = min(max(value, lo), hi)
        mult = schema.get("multipleOf")
        if isinstance(mult, (int, float)) and mult > 0:
            value = round(value / mult) * mult
            value = int(value) if integer else round(value, 6)
        style = rng.choice(["words", "grouped"]) if rng.random() < varied else "digits"
        return Spoken(value, render_number(value, style), [value])
    if t == "boolean":
        value = rng.random() < 0.5
        text = rng.choice(["yes", "true", "enabled", "on"]) if value else rng.choice(["no", "false", "disabled", "off"])
        return Spoken(value, text, [value])
    if t == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
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
                    sub = sample_value(item_name, items, rng, varied, depth + 1)
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
        value_obj: dict[str, Any] = {}
        parts: list[str] = []
        alts: dict[str, list[Any]] = {}
        for key, sub_schema in props.items():
            if not isinstance(sub_schema, dict):
                continue
            if key not in required and rng.random() >= 0.5:
                alts[key] = [""]
                continue
            sub = sample_value(key, sub_schema, rng, varied, depth + 1)
            value_obj[key] = sub.value
            parts.append(f"{humanize(key)} {sub.text}")
            alts[key] = sub.alternatives
        return Spoken(value_obj, "(" + ", ".join(parts) + ")" if parts else "(empty)", [alts])
    # unknown or "any" types: a plain word is valid JSON and easy to ground
    value = rng.choice(V.WORDS)
    return Spoken(value, value, [value])
