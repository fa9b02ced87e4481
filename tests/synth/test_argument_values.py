import random

from jsonschema import Draft202012Validator

from inftool_jax.synth.argument_values import sample_value
from inftool_jax.synth.schema_formats import FORMAT_CHECKER
from inftool_jax.synth.verbal_formats import date_mentions, number_mentions, render_date, render_number


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
