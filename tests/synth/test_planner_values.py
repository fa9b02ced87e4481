"""Planned calls carry consistent, plausible values (the catalog's real tools, many blueprints)."""

from datetime import date, timedelta

from inftool_jax.synth.user.argument_values import TODAY, Spoken
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.planner import Planner


def _planned_calls(planner, n=900):
    for i in range(n):
        bp = planner.plan(i)
        for turn in bp.turns:
            for call in turn.describes + ([turn.unserved_call] if turn.unserved_call else []):
                yield bp, call, {k: v.value for k, v in call.args.items() if isinstance(v, Spoken)}


def test_planned_calls_keep_related_values_in_order(catalog_tools):
    planner = Planner(catalog_tools, SynthConfig(), 11)
    pairs = [("check_in", "check_out"), ("departure_date", "return_date"), ("start", "end"), ("start_date", "end_date"),
             ("window_start", "window_end"), ("after", "before"), ("min_price", "max_price")]
    seen = {p: 0 for p in pairs}
    for _, call, v in _planned_calls(planner):
        for early, late in pairs:
            if early in v and late in v:
                assert v[early] < v[late] if isinstance(v[early], str) else v[early] <= v[late], (call.tool, early, v[early], late, v[late])
                seen[(early, late)] += 1
        for a, b in (("origin", "destination"), ("from_currency", "to_currency"), ("base_currency", "quote_currency")):
            if a in v and b in v:
                assert v[a] != v[b], (call.tool, v)
    assert all(seen[p] > 3 for p in pairs), seen


def test_passengers_are_adults_born_in_the_past(catalog_tools):
    planner = Planner(catalog_tools, SynthConfig(), 12)
    births = []
    for _, call, v in _planned_calls(planner):
        for person in v.get("passengers") if isinstance(v.get("passengers"), list) else []:
            if isinstance(person, dict) and "date_of_birth" in person:
                births.append(date.fromisoformat(person["date_of_birth"]))
    assert len(births) > 10
    assert all(b <= TODAY - timedelta(days=18 * 365) for b in births), max(births)


def test_amounts_are_positive_and_counts_small(catalog_tools):
    planner = Planner(catalog_tools, SynthConfig(), 13)
    checked = 0
    for _, call, v in _planned_calls(planner):
        for key, value in v.items():
            if key in ("amount", "min_amount", "max_price_per_night", "monthly_limit"):
                assert value > 0, (call.tool, key, value)
                checked += 1
            if key in ("passengers", "guests") and isinstance(value, int):
                assert 1 <= value <= 4, (call.tool, key, value)
            if key in ("limit", "max_results", "max_stops"):
                assert value <= 10, (call.tool, key, value)
        for item in v.get("items") if isinstance(v.get("items"), list) else []:
            if isinstance(item, dict) and "quantity" in item:
                assert 1 <= item["quantity"] <= 10
    assert checked > 20


def test_parallel_calls_that_vary_a_date_keep_each_range_ordered(catalog_tools):
    from inftool_jax.synth.config import CATEGORIES

    cfg = SynthConfig.model_validate({"categories": {c: 0 for c in CATEGORIES} | {"parallel": 1}})
    planner = Planner(catalog_tools, cfg, 14)
    for _, call, v in _planned_calls(planner, 400):
        if "start_date" in v and "end_date" in v:
            assert v["start_date"] < v["end_date"]
