"""Schema-driven value generation: conformance (property-based), determinism, formats, patterns."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from random import Random
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from inftool_jax.world.pattern_gen import PatternError, generate_from_pattern
from inftool_jax.world.schema_formats import FORMAT_CHECKER
from inftool_jax.world.named_values import mint_id, name_tokens
from inftool_jax.world.value_gen import ValueGenerator

NAMES = ["email", "city", "price", "year", "order_id", "start_date", "quantity", "name", "status", "url", "note", "age", "x"]
FORMATS = ["date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]


def _validator(schema):
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


@st.composite
def string_schemas(draw):
    schema = {"type": "string"}
    choice = draw(st.sampled_from(["plain", "format", "enum", "length", "pattern"]))
    if choice == "format":
        schema["format"] = draw(st.sampled_from(FORMATS))
    elif choice == "enum":
        schema["enum"] = draw(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4, unique=True))
    elif choice == "length":
        lo = draw(st.integers(0, 12))
        schema["minLength"] = lo
        schema["maxLength"] = draw(st.integers(max(lo, 1), 30))
    elif choice == "pattern":
        schema["pattern"] = draw(st.sampled_from([r"^[A-Z]{3}$", r"^\d{4}-\d{2}$", r"^[a-z]+_[0-9]{2,5}$", r"^(GET|POST)$", r"^\+?[0-9 ]{7,12}$"]))
    return schema


@st.composite
def number_schemas(draw):
    integer = draw(st.booleans())
    schema = {"type": "integer" if integer else "number"}
    if draw(st.booleans()):
        lo = draw(st.integers(-1000, 1000))
        width = draw(st.integers(12, 500))  # wide enough to hold a multiple of any multipleOf below: satisfiable
        low_key = draw(st.sampled_from(["minimum", "exclusiveMinimum"]))
        high_key = draw(st.sampled_from(["maximum", "exclusiveMaximum"]))
        schema[low_key] = lo if integer else lo + 0.5
        schema[high_key] = lo + width
    elif draw(st.booleans()):
        schema[draw(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))] = draw(st.integers(-50, 50))
    if draw(st.booleans()):
        schema["multipleOf"] = draw(st.sampled_from([1, 2, 5]) if integer else st.sampled_from([0.5, 0.25, 2, 0.01]))
    return schema


scalars = st.one_of(
    string_schemas(),
    number_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.just({"type": ["string", "null"]}),
    st.just({"const": "fixed"}),
)


def _extend(children):
    arrays = st.builds(
        lambda items, lo, extra, unique: {"type": "array", "items": items, "minItems": lo, "maxItems": lo + extra, **({"uniqueItems": True} if unique else {})},
        children, st.integers(0, 3), st.integers(0, 4), st.booleans(),
    ).map(lambda s: s if not s.get("uniqueItems") else {**s, "items": {"type": "string"}})
    objects = st.builds(
        lambda props, closed, data: {
            "type": "object",
            "properties": props,
            "required": [k for k in props if data.draw(st.booleans())],
            **({"additionalProperties": False} if closed else {}),
        },
        st.dictionaries(st.sampled_from(NAMES), children, max_size=5), st.booleans(), st.data(),
    )
    return st.one_of(arrays, objects)


schemas = st.recursive(scalars, _extend, max_leaves=12)


@given(schema=schemas, seed=st.integers(0, 2**32 - 1), name=st.sampled_from(NAMES + [""]))
def test_generated_values_validate_against_their_schema(schema, seed, name):
    value = ValueGenerator(schema).generate(schema, Random(seed), name)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(schema).iter_errors(value)]
    assert not errors, (schema, value, errors)


@given(schema=schemas, seed=st.integers(0, 2**32 - 1))
def test_same_seed_gives_the_same_value(schema, seed):
    gen = ValueGenerator(schema)
    assert gen.generate(schema, Random(seed)) == gen.generate(schema, Random(seed))


def test_different_seeds_give_different_values_for_a_rich_schema():
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "string", "format": "date"}}, "required": ["a", "b", "c"]}
    values = {str(ValueGenerator(schema).generate(schema, Random(s))) for s in range(20)}
    assert len(values) >= 15


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_produce_parseable_values(fmt):
    for seed in range(25):
        value = ValueGenerator().generate({"type": "string", "format": fmt}, Random(seed))
        assert FORMAT_CHECKER.conforms(value, fmt), value
        if fmt == "date":
            dt.date.fromisoformat(value)
        elif fmt == "date-time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif fmt == "uuid":
            assert uuid.UUID(value).version == 4
        elif fmt == "uri":
            assert urlsplit(value).scheme == "https"
        elif fmt == "email":
            assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", value)


def test_format_checker_rejects_malformed_dates_times_and_uris():
    assert not FORMAT_CHECKER.conforms("tomorrow", "date-time")
    assert not FORMAT_CHECKER.conforms("2024-13-01T10:00:00Z", "date-time")
    assert FORMAT_CHECKER.conforms("2024-02-29T10:00:00+02:00", "date-time")
    assert not FORMAT_CHECKER.conforms("25:00:00Z", "time")
    assert not FORMAT_CHECKER.conforms("not a uri", "uri")
    assert FORMAT_CHECKER.conforms("mailto:a@example.com", "uri")


def test_property_names_steer_values_within_the_schema_limits():
    gen = ValueGenerator()
    rng = Random(3)
    assert "@" in gen.generate({"type": "string"}, rng, "contact_email")
    assert 2020 <= gen.generate({"type": "integer"}, rng, "year") <= 2026
    assert 18 <= gen.generate({"type": "integer"}, rng, "age") <= 80
    # the schema's own limits win over the name's realistic range
    assert gen.generate({"type": "integer", "minimum": 1990, "maximum": 1995}, rng, "year") in range(1990, 1996)
    price = gen.generate({"type": "number", "minimum": 0}, rng, "price")
    assert 5 <= price <= 500 and round(price, 2) == price
    dt.date.fromisoformat(gen.generate({"type": "string"}, rng, "departure_date"))


def test_refs_allof_and_oneof_are_followed():
    root = {
        "$defs": {"Money": {"type": "object", "properties": {"amount": {"type": "number", "minimum": 1}, "currency": {"enum": ["USD", "EUR"]}}, "required": ["amount", "currency"]}},
        "type": "object",
        "properties": {
            "total": {"$ref": "#/$defs/Money"},
            "both": {"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"properties": {"b": {"type": "boolean"}}, "required": ["b"]}]},
            "either": {"oneOf": [{"type": "integer", "minimum": 100}, {"type": "string", "maxLength": 2}]},
        },
        "required": ["total", "both", "either"],
    }
    gen = ValueGenerator(root)
    for seed in range(20):
        value = gen.generate(root, Random(seed))
        assert _validator(root).is_valid(value), value
        assert set(value["both"]) >= {"a", "b"}


def test_recursive_schemas_terminate():
    root = {"$defs": {"node": {"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["name", "children"]}}, "$ref": "#/$defs/node"}
    value = ValueGenerator(root).generate(root, Random(0))
    assert _validator(root).is_valid(value)


@pytest.mark.parametrize("pattern", [r"^[A-Z]{3}$", r"^\d{3}-\d{4}$", r"^(foo|bar)+[0-9]?$", r"^[^\s@]+@[^\s@]+\.com$", r"^(ab)\1$", r"^\w{2,}\.\w+$"])
def test_pattern_generator_matches_the_pattern(pattern):
    for seed in range(30):
        assert re.search(pattern, generate_from_pattern(pattern, Random(seed))), pattern


def test_pattern_generator_reports_a_broken_regex():
    with pytest.raises(PatternError):
        generate_from_pattern("([a-z", Random(0))


def test_mint_id_and_name_tokens():
    assert re.fullmatch(r"ord_[A-Z0-9]{5}", mint_id("ord", Random(1)))
    assert mint_id("ord", Random(1)) == mint_id("ord", Random(1))
    assert name_tokens("departureDate") == name_tokens("departure-date") == ["departure", "date"]


# ---- related fields and realistic counts ---------------------------------------

PAIRED = {
    "type": "object",
    "properties": {
        "departure_time": {"type": "string", "format": "date-time"},
        "arrival_time": {"type": "string", "format": "date-time"},
        "check_in": {"type": "string", "format": "date"},
        "check_out": {"type": "string", "format": "date"},
        "start": {"type": "string", "format": "time"},
        "end": {"type": "string", "format": "time"},
        "min_price": {"type": "number", "minimum": 0},
        "max_price": {"type": "number", "minimum": 0},
        "stops": {"type": "integer", "minimum": 0},
        "nights": {"type": "integer", "minimum": 1},
        "quantity": {"type": "integer"},
        "checked_bags": {"type": "integer", "minimum": 0},
    },
}
PAIRED["required"] = list(PAIRED["properties"])


def test_related_fields_are_ordered_arrival_after_departure_check_out_after_check_in():
    gen = ValueGenerator(PAIRED)
    validator = _validator(PAIRED)
    for seed in range(300):
        v = gen.generate(PAIRED, Random(seed))
        assert not list(validator.iter_errors(v)), v
        dep, arr = dt.datetime.fromisoformat(v["departure_time"][:19]), dt.datetime.fromisoformat(v["arrival_time"][:19])
        assert dt.timedelta(minutes=30) <= arr - dep <= dt.timedelta(hours=10), v
        assert 1 <= (dt.date.fromisoformat(v["check_out"]) - dt.date.fromisoformat(v["check_in"])).days <= 10, v
        assert v["end"] >= v["start"] and v["max_price"] >= v["min_price"], v


def test_unbounded_counts_get_small_realistic_values():
    gen = ValueGenerator(PAIRED)
    values = [gen.generate(PAIRED, Random(seed)) for seed in range(300)]
    assert {v["stops"] for v in values} == {0, 1, 2}
    assert max(v["nights"] for v in values) <= 14 and max(v["quantity"] for v in values) <= 10
    assert max(v["checked_bags"] for v in values) <= 3


def test_ordering_never_breaks_the_later_fields_own_schema():
    schema = {
        "type": "object",
        "properties": {
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "pattern": "^2024-01-0[1-3]$"},  # cannot take a derived date
            "min_size": {"type": "integer", "minimum": 5, "maximum": 9},
            "max_size": {"type": "integer", "minimum": 0, "maximum": 4},  # a swap would break both
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
        },
    }
    schema["required"] = list(schema["properties"])
    gen, validator = ValueGenerator(schema), _validator(schema)
    for seed in range(100):
        value = gen.generate(schema, Random(seed))
        assert not list(validator.iter_errors(value)), value
        assert "@" not in value["last_name"] and not value["last_name"][:1].isdigit()


PAIR_NAMES = ["start", "end", "start_date", "end_date", "departure_time", "arrival_time", "check_in", "check_out", "min_price", "max_price", "after", "before", "stops"]


@given(
    props=st.dictionaries(st.sampled_from(PAIR_NAMES), st.one_of(scalars, st.sampled_from([
        {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}, {"type": "string", "format": "time"},
        {"type": "string", "maxLength": 10}, {"type": "number", "maximum": 3}, {"type": "integer", "minimum": 0}]),
    ), min_size=2, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_values_with_paired_names_still_validate(props, seed):
    schema = {"type": "object", "properties": props, "required": list(props)}
    value = ValueGenerator(schema).generate(schema, Random(seed))
    assert not list(_validator(schema).iter_errors(value)), (schema, value)


def test_names_of_things_flight_numbers_and_airlines_read_like_them():
    schema = {"type": "object", "properties": {"hotels": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["name", "airline", "flight_number", "confirmation_code"], "properties": {
            "name": {"type": "string"}, "airline": {"type": "string"}, "flight_number": {"type": "string"},
            "confirmation_code": {"type": "string"}}}}}, "required": ["hotels"]}
    for seed in range(20):
        hotel = ValueGenerator(schema).generate(schema, Random(seed))["hotels"][0]
        assert hotel["name"].endswith(" Hotel")
        assert re.fullmatch(r"[A-Z]{2}\d{3,4}", hotel["flight_number"])
        assert re.fullmatch(r"[A-Z][A-Za-z ]+", hotel["airline"])  # a carrier's name, not "cloud-24"
        assert re.fullmatch(r"[A-Z0-9]{6}", hotel["confirmation_code"])
    person = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    assert len(ValueGenerator(person).generate(person, Random(1))["name"].split()) == 2  # a person's full name


def test_an_average_lies_between_the_minimum_and_the_maximum():
    heart = {"type": "object", "properties": {
        "average_bpm": {"type": "integer", "minimum": 30, "maximum": 230},
        "max_bpm": {"type": "integer", "minimum": 30, "maximum": 240},
    }, "required": ["average_bpm", "max_bpm"]}
    three = {"type": "object", "properties": {k: {"type": "number"} for k in ("max_speed", "avg_speed", "min_speed")},
             "required": ["max_speed", "avg_speed", "min_speed"]}
    gen = ValueGenerator()
    for seed in range(200):
        rate = gen.generate(heart, Random(seed), "heart_rate")
        assert rate["average_bpm"] <= rate["max_bpm"], rate
        speed = gen.generate(three, Random(seed), "speed")
        assert speed["min_speed"] <= speed["avg_speed"] <= speed["max_speed"], speed


def test_the_helpers_the_planner_shares_are_public():
    from inftool_jax.world import named_values, ordering

    assert ordering.ordered_pairs(("average_bpm", "max_bpm")) == (("average_bpm", "max_bpm"),)
    assert ordering.later_time("2026-01-01", "2025-01-01", Random(0)) > "2026-01-01"
    assert named_values.named_range(("stops",), True)[:2] == (0, 2)
    assert ordering.string_fits({"type": "string", "format": "date"}, "2026-01-02")
    assert not ordering.number_fits({"type": "integer", "maximum": 3}, 4)
    assert named_values.string_kind(("departure", "date")) == "date" and "hotel" in named_values.THINGS
    assert named_values.singular("categories") == "category"
