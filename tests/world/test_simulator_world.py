"""The simulator's world over the sample catalog: listed ids, searched filters, records from before the episode."""

from __future__ import annotations

import datetime as dt

import pytest

from inftool_jax.calls.call import Call
from inftool_jax.world.simulator import ToolSimulator
from inftool_jax.world.tool_backend import SimulatedTools, named_record_ids, open_world, pre_existing_ids
from inftool_jax.tools.spec import ToolSpec


@pytest.fixture(scope="module")
def sim(catalog_tools):
    return ToolSimulator(catalog_tools, seed=0)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def test_listed_emails_are_registered_by_the_message_id_every_item_carries(sim):
    for episode in range(40):
        sim.reset(episode)
        found = sim.call("search_emails", {"query": "budget"})
        assert found.ok and found.content["messages"]
        for item in found.content["messages"]:
            assert "message_id" in item  # the key it is registered under is always there
        first = found.content["messages"][0]["message_id"]
        replied = sim.call("reply_to_email", {"message_id": first, "body": "Thanks!"})
        assert replied.ok, (episode, found.content, replied.content)
        assert sim.call("get_email", {"message_id": first}).ok


def test_a_listed_item_is_registered_by_the_id_its_list_is_named_after_and_always_carries_it():
    # search_inbox is about an "inbox"; its items are "messages": thread_id comes first in the item
    # schema and both ids are optional, but message_id is what the items are
    item = {"type": "object", "properties": {"thread_id": {"type": "string"}, "message_id": {"type": "string"}, "subject": {"type": "string"}}}
    tools = [
        ToolSpec("search_inbox", "", {"type": "object", "properties": {"q": {"type": "string"}}},
                 response={"type": "object", "properties": {"messages": {"type": "array", "items": item, "minItems": 3, "maxItems": 3}}}),
        ToolSpec("get_message", "", {"type": "object", "properties": {"message_id": {"type": "string"}}, "required": ["message_id"]},
                 response={"type": "object", "properties": {"message_id": {"type": "string"}}}),
    ]
    sim = ToolSimulator(tools, seed=3)
    for episode in range(30):
        sim.reset(episode)
        items = sim.call("search_inbox", {"q": "x"}).content["messages"]
        for listed in items:
            assert sim.call("get_message", {"message_id": listed["message_id"]}).ok
            assert listed.get("thread_id") not in sim.snapshot()["records"]


def test_found_flights_depart_on_the_searched_day_with_at_most_the_stops_asked(sim):
    for episode in range(30):
        sim.reset(episode)
        flights = sim.call("search_flights", {"origin": "LIS", "destination": "JFK", "departure_date": "2026-05-14", "max_stops": 1}).content["flights"]
        for f in flights:
            if "departure_time" in f:
                assert f["departure_time"].startswith("2026-05-14")
                if "arrival_time" in f:
                    assert f["arrival_time"] > f["departure_time"]  # the arrival moved along with it
            assert f.get("stops", 0) <= 1


def test_listed_events_emails_and_transactions_fall_in_the_searched_range(sim):
    lo, hi = dt.date(2026, 12, 2), dt.date(2026, 12, 8)
    for episode in range(30):
        sim.reset(episode)
        for e in sim.call("list_events", {"start_date": lo.isoformat(), "end_date": hi.isoformat()}).content["events"]:
            if "start" in e:
                assert lo <= _day(e["start"]) <= hi, e
                assert "end" not in e or e["end"] > e["start"]
        mails = sim.call("search_emails", {"query": "x", "after": "2026-02-01", "before": "2026-02-05"}).content["messages"]
        for m in mails:
            if "received_at" in m:
                assert dt.date(2026, 2, 1) <= _day(m["received_at"]) < dt.date(2026, 2, 5), m  # "before" excludes its day
        txs = sim.call("list_transactions", {"account_id": "acc_1", "start_date": "2025-11-01", "end_date": "2025-11-30", "min_amount": 50}).content["transactions"]
        for t in txs:
            assert "date" not in t or dt.date(2025, 11, 1) <= _day(t["date"]) <= dt.date(2025, 11, 30)
            assert "amount" not in t or t["amount"] >= 50


def test_money_objects_respect_price_bounds(sim):
    for episode in range(30):
        sim.reset(episode)
        hotels = sim.call("search_hotels", {"city": "Paris", "check_in": "2026-05-01", "check_out": "2026-05-04", "max_price_per_night": 120}).content["hotels"]
        for h in hotels:
            assert h.get("price_per_night", {}).get("amount", 0) <= 120
        products = sim.call("search_products", {"query": "mug", "min_price": 10, "max_price": 20}).content["products"]
        amounts = [p["price"]["amount"] for p in products if "amount" in p.get("price", {})]
        assert all(10 <= a <= 20 for a in amounts)


def test_a_record_from_before_the_episode_appears_when_first_named_not_in_an_earlier_listing(sim):
    state = open_world(sim, 5, ["EVE-31901"])
    listed = sim.call("list_events", {"start_date": "2026-12-02", "end_date": "2026-12-08"}, state=state).content["events"]
    assert all(e.get("event_id") != "EVE-31901" for e in listed)
    first = listed[0]["event_id"]
    assert sim.call("set_reminder", {"event_id": first, "minutes_before": 30}, state=state).ok
    assert sim.call("delete_event", {"event_id": "EVE-31901"}, state=state).ok
    assert state.revealed == ["EVE-31901"]
    # an id nobody stated is still unknown
    assert sim.call("delete_event", {"event_id": "EVE-00000"}, state=state).content["error"]["code"] == 404


def test_an_id_a_result_showed_never_comes_in_as_pre_existing(sim):
    event = {"title": "Sync", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"}
    made = sim.call("create_event", event, state=open_world(sim, 11)).content["event_id"]
    # a world where that very id is also listed as pre-existing: the create still mints it, and after
    # the delete it stays gone instead of coming back as a record from before the episode
    state = open_world(sim, 11, [made])
    assert sim.call("create_event", event, state=state).content["event_id"] == made
    assert sim.call("delete_event", {"event_id": made}, state=state).ok
    assert sim.call("delete_event", {"event_id": made}, state=state).content["error"]["code"] == 404
    assert state.revealed == []


def test_pre_existing_ids_keep_the_stated_ids_and_drop_the_ones_taken_from_results(sim):
    listed = sim.call("list_events", {"start_date": "2026-12-02", "end_date": "2026-12-08"}, state=open_world(sim, 9)).content["events"]
    calls = [
        Call("list_events", {"start_date": "2026-12-02", "end_date": "2026-12-08"}),
        Call("set_reminder", {"event_id": listed[0]["event_id"], "minutes_before": 76}),  # "the top event you found"
        Call("delete_event", {"event_id": "EVE-31901"}),  # the user's own
    ]
    assert named_record_ids(sim, calls) == [listed[0]["event_id"], "EVE-31901"]
    assert pre_existing_ids(sim, 9, calls) == ["EVE-31901"]


def test_prepare_opens_the_same_world_the_rollout_side_rebuilds(catalog_tools):
    tools = {t.name: t for t in catalog_tools}
    stated = [Call("cancel_order", {"order_id": "ORD-12345", "reason": "changed_mind"}), Call("get_order", {"order_id": "ORD-12345"})]
    backend = SimulatedTools(tools, seed=4)
    backend.reset(77)
    backend.prepare(stated)
    synth = [backend.call(c.name, c.arguments).to_text() for c in stated]
    sim = ToolSimulator(catalog_tools, seed=4)
    state = open_world(sim, 77, pre_existing_ids(sim, 77, stated))
    assert [sim.call(c.name, c.arguments, state=state).to_text() for c in stated] == synth
    assert '"status":"cancelled"' in synth[0] and '"status":"cancelled"' in synth[1]  # the cancel is visible to the read
