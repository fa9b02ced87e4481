import random

from jsonschema import Draft202012Validator

from inftool_jax.synth.user.argument_values import sample_value
from inftool_jax.world.schema_formats import FORMAT_CHECKER
from inftool_jax.synth.user.verbal_formats import date_mentions, number_mentions, render_date, render_number


def test_sampled_values_validate_against_every_catalog_parameter(catalog_tools):
    rng = random.Random(0)
    for tool in catalog_tools:
        for name, schema in (tool.parameters.get("properties") or {}).items():
            validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
            for _ in range(20):
                spoken = sample_value(name, schema, rng, varied=0.5)
                errors = list(validator.iter_errors(spoken.value))
                assert not errors, (tool.name, name, spoken.value, errors[0].message)


def test_alternatives_hold_the_value_and_synonyms():
    rng = random.Random(1)
    seen = set()
    for _ in range(200):
        s = sample_value("city", {"type": "string"}, rng)
        assert s.value == s.alternatives[0]
        seen.add(len(s.alternatives))
    assert max(seen) >= 2


def test_every_date_style_reads_back():
    for style in ("iso", "month_day_year", "day_month_year", "short_month"):
        assert date_mentions(f"on {render_date('2027-11-09', style)} please") == {"2027-11-09"}


def test_every_number_style_reads_back():
    for value, style in [(3, "words"), (1200, "grouped"), (12.5, "digits"), (7, "digits")]:
        assert float(value) in number_mentions(f"make it {render_number(value, style)} thanks")


# ---- plausible, consistent planned values -------------------------------------------------

from datetime import date, timedelta

from inftool_jax.synth.user.argument_values import TODAY, Spoken, order_related
from inftool_jax.world.ordering import related_keys
from inftool_jax.synth.user.verbal_formats import DATE_STYLES
from inftool_jax.world import named_values


def test_every_date_style_reads_back_including_ordinals_and_weekdays():
    assert {"ordinal", "day_of_month", "weekday"} <= set(DATE_STYLES)
    for iso in ("2027-11-09", "2026-03-01", "2026-02-22", "2026-05-13"):
        for style in DATE_STYLES:
            assert date_mentions(f"on {render_date(iso, style)} please") == {iso}, (iso, style)
    assert render_date("2026-03-22", "ordinal") == "March 22nd, 2026"
    assert render_date("2026-03-05", "weekday") == "Thursday, March 5, 2026"


def test_birth_dates_are_in_the_past_and_adult():
    rng = random.Random(3)
    schema = {"type": "string", "format": "date"}
    for name in ("date_of_birth", "dob", "birthday", "birthDate"):
        for _ in range(100):
            born = date.fromisoformat(sample_value(name, schema, rng, varied=0.5).value)
            assert TODAY - timedelta(days=81 * 366) < born <= TODAY - timedelta(days=18 * 365), (name, born)


def test_past_activities_are_dated_before_today_and_plans_after():
    rng = random.Random(4)
    for _ in range(100):
        eaten = sample_value("eaten_at", {"type": "string", "format": "date-time"}, rng).value
        assert date.fromisoformat(eaten[:10]) < TODAY
        due = sample_value("due_date", {"type": "string", "format": "date"}, rng).value
        assert date.fromisoformat(due) > TODAY


def test_numbers_use_the_simulators_realistic_ranges_within_the_schema():
    rng = random.Random(5)
    cases = {
        ("passengers", "integer", 1, 9): (1, 4),
        ("guests", "integer", 1, 8): (1, 4),
        ("max_stops", "integer", 0, 3): (0, 2),
        ("duration_minutes", "number", 1, 1440): (15, 120),
        ("minutes_before", "integer", 0, 40320): (15, 120),
        ("limit", "integer", 1, 500): (1, 10),
        ("max_results", "integer", 1, 250): (1, 10),
        ("monthly_limit", "number", 0, None): (50, 5000),
    }
    for (name, kind, lo, hi), (want_lo, want_hi) in cases.items():
        schema = {"type": kind, "minimum": lo, **({"maximum": hi} if hi is not None else {})}
        for _ in range(60):
            v = sample_value(name, schema, rng).value
            assert want_lo <= v <= want_hi, (name, v)
    for _ in range(100):  # amounts are positive money, even where the schema allows 0
        assert 5 <= sample_value("amount", {"type": "number", "exclusiveMinimum": 0, "maximum": 100000}, rng).value <= 500
        assert sample_value("min_price", {"type": "number", "minimum": 0}, rng).value >= 5
    assert named_values.named_range(("stops",), True)[:2] == (0, 2)  # the rule reused, not a copy


def test_related_values_are_ordered_like_the_simulator_orders_them():
    rng = random.Random(6)
    props = {
        "check_in": {"type": "string", "format": "date"},
        "check_out": {"type": "string", "format": "date"},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "min_price": {"type": "number", "minimum": 0},
        "max_price": {"type": "number", "minimum": 0},
        "from_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "to_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }
    assert related_keys(list(props)) == set(props)
    disordered = 0
    for _ in range(200):
        values = {k: sample_value(k, s, rng, varied=0.5) for k, s in props.items()}
        disordered += values["check_out"].value <= values["check_in"].value
        order_related(values, props, rng, varied=0.5)
        v = {k: s.value for k, s in values.items()}
        assert v["check_in"] < v["check_out"] and v["start"] < v["end"] and v["min_price"] <= v["max_price"], v
        assert v["from_currency"] != v["to_currency"]
        # the spoken text follows the redrawn value
        assert date_mentions(values["check_out"].text) == {v["check_out"]}
    assert disordered > 50  # independent draws would have been wrong this often


def test_frozen_values_are_kept_and_the_other_side_moves():
    rng = random.Random(7)
    props = {"check_in": {"type": "string", "format": "date"}, "check_out": {"type": "string", "format": "date"}}
    values = {"check_in": Spoken("2026-06-10", "June 10, 2026", ["2026-06-10"]), "check_out": Spoken("2026-06-01", "2026-06-01", ["2026-06-01"])}
    order_related(values, props, rng, frozen={"check_in"})
    assert values["check_in"].value == "2026-06-10" and values["check_out"].value > "2026-06-10"
    values = {"check_in": Spoken("2026-06-10", "x", ["2026-06-10"]), "check_out": Spoken("2026-06-01", "y", ["2026-06-01"])}
    order_related(values, props, rng, frozen={"check_out"})
    assert values["check_out"].value == "2026-06-01"  # a fixed later value is never rewritten


def test_sampled_values_are_deterministic_per_seed(catalog_tools):
    def draw(seed):
        rng = random.Random(seed)
        return [sample_value(n, s, rng, 0.5).value for t in catalog_tools for n, s in (t.parameters.get("properties") or {}).items()]

    assert draw(1) == draw(1) and draw(1) != draw(2)


def test_a_named_thing_fits_a_slug_pattern_instead_of_a_random_code():
    rng = random.Random(8)
    schema = {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}
    names = {sample_value("name", schema, rng, owner="channel").value for _ in range(30)}
    assert all(n.endswith("-channel") for n in names) and len(names) > 5, names
    # without a pattern the thing keeps its name form; a person's name only where no thing owns it
    assert all(sample_value("name", {"type": "string"}, rng, owner="project").value.endswith(" Project") for _ in range(10))
    assert " " in sample_value("name", {"type": "string"}, rng).value


def test_a_catalog_rename_never_reaches_the_words():
    from inftool_jax.synth.user.argument_values import humanize

    # two specs both define `get_order`: the catalog calls the second `get_order__2`, the user still says "get order"
    assert humanize("get_order__2") == "get order" == humanize("get_order")
    assert humanize("issues_list-for-repo") == "issues list for repo"


def test_values_follow_names_descriptions_and_formats_of_real_specs():
    import random as _random

    from inftool_jax.synth.user.argument_values import sample_value

    rng = _random.Random(7)
    # GitHub REST: owner/repo/branch are identifiers; Google Tasks: RFC 3339 in the description; Twilio: E.164
    owner = sample_value("owner", {"type": "string", "description": "The account owner of the repository."}, rng).value
    assert " " not in owner and owner
    assert " " not in sample_value("branch", {"type": "string", "description": "The name of the branch."}, rng).value
    due = sample_value("completedMax", {"type": "string", "description": "Upper bound (as a RFC 3339 timestamp)."}, rng).value
    assert due[4] == "-" and due[10] == "T" and due.endswith("Z")
    assert sample_value("To", {"type": "string", "format": "phone-number"}, rng).value.startswith("+1")
    # ids and counts are whole numbers even when typed `number`; Stripe's currency is lower case as it asks
    assert isinstance(sample_value("item_id", {"type": "number"}, rng).value, int)
    assert isinstance(sample_value("issue_number", {"type": "number"}, rng).value, int)
    assert sample_value("currency", {"type": "string", "description": "Three-letter ISO currency code, in lowercase."}, rng).value.islower()
    # Open-Meteo: a tilt in degrees stays 0-90; xLAM units come from the description's examples
    for _ in range(20):
        assert 0 <= sample_value("tilt", {"type": "number", "description": "The tilt of the panel in degrees."}, rng).value <= 90
    unit = {"type": "string", "description": "The unit of the input quantity (e.g., 'cup', 'gram')."}
    assert sample_value("from_unit", unit, rng).value in ("cup", "gram")
    # a path in a URL template is relative, a file system tool's is absolute
    assert not sample_value("path", {"type": "string"}, rng, in_path=True).value.startswith("/")
    assert sample_value("path", {"type": "string"}, rng, owner="file").value.startswith("/")
