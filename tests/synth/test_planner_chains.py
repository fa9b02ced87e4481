"""Chains: an id from a created record or from a search result, executed on the simulator during synthesis."""

import json

import pytest

from inftool_jax.synth.blueprint import ResultRef
from inftool_jax.synth.config import CATEGORIES, SynthConfig
from inftool_jax.synth.planner import Planner
from inftool_jax.synth.verify import Verifier

SEARCH_BOOK = {("search_flights", "book_flight", "flight_id"), ("search_hotels", "book_hotel", "hotel_id")}


def _chain_of(bp):
    calls = [c for t in bp.turns for c in t.describes]
    for later in calls[1:]:
        for key, v in later.args.items():
            if isinstance(v, ResultRef):
                return (v.from_tool, later.tool, key), v
    return None, None


def test_search_then_book_chains_are_found_and_vetted(catalog_tools):
    planner = Planner(catalog_tools, SynthConfig(), 0)
    assert SEARCH_BOOK <= set(planner.chains)
    assert set(planner.chain_families) == {"make_then_use", "search_then_create", "search_then_act"}
    assert SEARCH_BOOK <= set(planner.chain_families["search_then_create"])
    assert ("create_order", "get_order", "order_id") in planner.chain_families["make_then_use"]
    # a filter argument of a listing is no chain source: list_transactions(account_id) does not make accounts
    assert all(key not in (planner.tools[a].parameters.get("properties") or {}) for a, _, key in planner.chains)


@pytest.mark.parametrize("category", ["multi_step", "multi_turn"])
def test_search_then_book_is_planned_in_both_chain_categories(catalog_tools, category):
    cfg = SynthConfig.model_validate({"categories": {c: 0 for c in CATEGORIES} | {category: 1}})
    planner = Planner(catalog_tools, cfg, 1)
    families, booked = {}, 0
    for i in range(300):
        chain, ref = _chain_of(planner.plan(i))
        if chain is None:
            continue
        family = planner.chain_family(chain)
        families[family] = families.get(family, 0) + 1
        if chain in SEARCH_BOOK:
            booked += 1
            assert ref.pick == "first"
    assert booked >= 10, families
    assert families.get("search_then_create", 0) >= 40 and families.get("make_then_use", 0) >= 40, families


def test_a_booking_after_a_search_keeps_the_searched_dates_and_party_size(catalog_tools):
    cfg = SynthConfig.model_validate({"categories": {c: 0 for c in CATEGORIES} | {"multi_step": 1}})
    planner = Planner(catalog_tools, cfg, 2)
    hotels = flights = 0
    for i in range(400):
        bp = planner.plan(i)
        search, book = bp.turns[0].describes
        if (search.tool, book.tool) == ("search_hotels", "book_hotel"):
            for key in ("check_in", "check_out", "guests"):
                if key in search.args:
                    assert book.args[key] is search.args[key]
            hotels += 1
        if (search.tool, book.tool) == ("search_flights", "book_flight") and "passengers" in search.args:
            assert len(book.args["passengers"].value) == search.args["passengers"].value
            flights += 1
    assert hotels >= 3 and flights >= 2


def test_search_then_book_episodes_execute_and_pass_every_gate(synth_parts):
    planner, runner, config = synth_parts
    verifier = Verifier(config)
    ran = 0
    for i in range(900):
        bp = planner.plan(i)
        chain, _ = _chain_of(bp)
        if chain not in SEARCH_BOOK:
            continue
        episode = runner.run(bp)
        assert verifier.check(episode) == [], (i, verifier.check(episode))
        msgs = episode["messages"]
        found = next(json.loads(m["content"]) for m in msgs if m.get("role") == "tool" and m["name"] == chain[0])
        booked = next(c for m in msgs if m.get("tool_calls") for c in m["tool_calls"] if c["function"]["name"] == chain[1])
        items = next(v for v in found.values() if isinstance(v, list))
        # the id is the first search result's, found by the simulator, not made up by the plan
        assert json.loads(booked["function"]["arguments"])[chain[2]] == items[0][chain[2]]
        ran += 1
    assert ran >= 10


def test_chain_vetting_drops_chains_the_simulator_cannot_run(catalog_tools):
    from inftool_jax.tools.spec import ToolSpec

    # the listing never returns the id its "consumer" needs: no chain survives vetting
    lister = ToolSpec(
        "search_widgets", "Search widgets.",
        {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        response={"type": "object", "properties": {"widgets": {"type": "array", "maxItems": 0, "items": {"type": "object", "properties": {"widget_id": {"type": "string"}}}}}},
    )
    reader = ToolSpec(
        "get_widget", "Get one widget.",
        {"type": "object", "properties": {"widget_id": {"type": "string"}}, "required": ["widget_id"]},
        response={"type": "object", "properties": {"widget_id": {"type": "string"}}},
    )
    cfg = SynthConfig.model_validate({"categories": {c: 0 for c in CATEGORIES} | {"single": 1}})
    planner = Planner([lister, reader], cfg, 0)
    assert planner.chains == [] and "multi_step" in planner.unavailable
