"""The stateful tool simulator: validation errors, id chains, determinism, schema conformance, no host access."""

from __future__ import annotations

import builtins
import os
import socket
import subprocess
from pathlib import Path
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from inftool_jax.world.schema_formats import FORMAT_CHECKER
from inftool_jax.world.simulator import ToolSimulator
from inftool_jax.world.value_gen import ValueGenerator
from inftool_jax.tools.spec import ToolSpec

SPECS_DIR = Path(__file__).resolve().parents[2] / "configs" / "specs"


def obj(props, required=None, **extra):
    return {"type": "object", "properties": props, "required": list(props) if required is None else required, **extra}


ORDER = obj(
    {
        "order_id": {"type": "string"},
        "item": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["pending", "shipped", "cancelled"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
    ["order_id", "item", "status"],
)

TOOLS = [
    ToolSpec("create_order", "Place an order.", obj({"item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}, "express": {"type": "boolean"}}, ["item", "quantity"]), response=ORDER),
    ToolSpec("get_order", "Get one order.", obj({"order_id": {"type": "string"}}), response=ORDER),
    ToolSpec("update_order", "Change an order.", obj({"order_id": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}, ["order_id"]), response=ORDER),
    ToolSpec("cancel_order", "Cancel an order.", obj({"order_id": {"type": "string"}, "reason": {"type": "string"}}, ["order_id"])),
    ToolSpec("delete_order", "Delete an order.", obj({"order_id": {"type": "string"}})),
    ToolSpec("list_orders", "List orders.", obj({"status": {"type": "string"}, "limit": {"type": "integer"}}, []), response=obj({"orders": {"type": "array", "items": ORDER, "maxItems": 20}, "total": {"type": "integer"}}, ["orders"])),
    ToolSpec("get_flight", "Flight info.", obj({"flight_id": {"type": "string"}}), response=obj({"flight_id": {"type": "string"}, "price": {"type": "number", "minimum": 0}})),
    ToolSpec("search_flights", "Search flights.", obj({"origin": {"type": "string"}, "date": {"type": "string", "format": "date"}}), response={"type": "array", "items": obj({"flight_id": {"type": "string"}, "origin": {"type": "string"}, "price": {"type": "number", "minimum": 0}}), "minItems": 1, "maxItems": 3}),
    ToolSpec("get_weather", "Weather now.", obj({"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, ["city"]), response=obj({"city": {"type": "string"}, "temperature": {"type": "number"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}})),
    ToolSpec("create_note", "A note without a response schema.", obj({"text": {"type": "string", "minLength": 1}})),
    ToolSpec("get_note", "Read a note.", obj({"note_id": {"type": "string"}})),
]


@pytest.fixture
def sim():
    return ToolSimulator(TOOLS, seed=7)


def _conforms(tool_name, content):
    spec = next(t for t in TOOLS if t.name == tool_name)
    errors = list(Draft202012Validator(spec.response, format_checker=FORMAT_CHECKER).iter_errors(content))
    assert not errors, (tool_name, content, [e.message for e in errors])


def test_invalid_arguments_give_a_structured_422_naming_each_problem_and_where(sim):
    result = sim.call("create_order", {"item": 5, "quantity": 0, "colour": "red"})
    assert not result.ok
    error = result.content["error"]
    assert error["code"] == 422 and error["type"] == "invalid_arguments"
    assert {(d["path"], d["problem"]) for d in error["details"]} == {
        ("/item", "5 is not of type 'string'"),
        ("/quantity", "0 is less than the minimum of 1"),
        ("/colour", "unknown argument 'colour'; expected one of ['express', 'item', 'quantity']"),
    }
    assert "/quantity" in result.error and "create_order" in result.error


def test_missing_required_and_bad_enum_and_bad_format_are_rejected(sim):
    missing = sim.call("create_order", {"item": "lamp"})
    assert not missing.ok and "'quantity' is a required property" in missing.error
    bad_enum = sim.call("get_weather", {"city": "Paris", "unit": "kelvin"})
    assert not bad_enum.ok and bad_enum.content["error"]["details"][0]["path"] == "/unit"
    bad_date = sim.call("search_flights", {"origin": "Paris", "date": "next friday"})
    assert not bad_date.ok and "/date" in bad_date.error
    not_object = sim.call("get_weather", ["Paris"])
    assert not not_object.ok and "must be a JSON object" in not_object.error


def test_unknown_tool_is_an_error_naming_the_closest_ones_not_all(sim):
    result = sim.call("create_ordr", {})
    assert not result.ok and result.content["error"]["type"] == "unknown_tool"
    assert "create_order" in result.error
    far = sim.call("launch_rocket", {})
    assert not far.ok and far.content["error"]["type"] == "unknown_tool" and "create_order" not in far.error


def test_invalid_calls_do_not_change_state(sim):
    sim.call("create_order", {"item": 5, "quantity": 0})
    assert sim.snapshot() == {"records": {}, "deleted": []}


def test_id_chain_create_get_update_get_delete_get(sim):
    created = sim.call("create_order", {"item": "lamp", "quantity": 2})
    assert created.ok
    order_id = created.content["order_id"]
    assert created.content["item"] == "lamp" and created.content["quantity"] == 2

    got = sim.call("get_order", {"order_id": order_id})
    assert got.ok and got.content["order_id"] == order_id and got.content["item"] == "lamp" and got.content["quantity"] == 2
    assert got.content["status"] == created.content["status"]

    updated = sim.call("update_order", {"order_id": order_id, "quantity": 5})
    assert updated.ok and updated.content["quantity"] == 5
    assert sim.call("get_order", {"order_id": order_id}).content["quantity"] == 5

    deleted = sim.call("delete_order", {"order_id": order_id})
    assert deleted.ok and deleted.content == {"order_id": order_id, "deleted": True}
    gone = sim.call("get_order", {"order_id": order_id})
    assert not gone.ok and gone.content["error"]["code"] == 404 and gone.content["error"]["type"] == "not_found"
    assert not sim.call("update_order", {"order_id": order_id, "quantity": 1}).ok
    assert not sim.call("delete_order", {"order_id": order_id}).ok
    for name, content in (("create_order", created.content), ("get_order", got.content), ("update_order", updated.content)):
        _conforms(name, content)


def test_unknown_id_is_not_found(sim):
    result = sim.call("get_order", {"order_id": "ord_NOPE1"})
    assert not result.ok and result.content["error"] == {
        "code": 404, "type": "not_found", "message": "order 'ord_NOPE1' not found", "resource": "order", "id": "ord_NOPE1",
    }


def test_cancel_sets_status_visible_to_reads_and_a_second_cancel_conflicts(sim):
    order_id = sim.call("create_order", {"item": "lamp", "quantity": 1}).content["order_id"]
    cancelled = sim.call("cancel_order", {"order_id": order_id, "reason": "changed my mind"})
    assert cancelled.ok and cancelled.content["status"] == "cancelled"
    assert sim.call("get_order", {"order_id": order_id}).content["status"] == "cancelled"
    again = sim.call("cancel_order", {"order_id": order_id})
    assert not again.ok and again.content["error"]["code"] == 409


def test_tools_without_response_schema_echo_key_fields_and_a_status(sim):
    created = sim.call("create_note", {"text": "buy milk"})
    assert created.ok and created.content["text"] == "buy milk" and created.content["status"] == "created"
    note_id = created.content["note_id"]
    assert sim.call("get_note", {"note_id": note_id}).content == created.content


def test_list_returns_created_records_filtered_by_matching_fields(sim):
    a = sim.call("create_order", {"item": "lamp", "quantity": 1}).content
    b = sim.call("create_order", {"item": "desk", "quantity": 1}).content
    sim.call("update_order", {"order_id": b["order_id"], "quantity": 3})
    listed = sim.call("list_orders", {"limit": 10})
    assert listed.ok
    _conforms("list_orders", listed.content)
    ids = [o["order_id"] for o in listed.content["orders"]]
    assert ids == [a["order_id"], b["order_id"]] and listed.content["total"] == 2
    assert listed.content["orders"][1]["quantity"] == 3
    only = sim.call("list_orders", {"status": a["status"]}).content["orders"]
    assert a["order_id"] in [o["order_id"] for o in only]


def test_search_results_exist_afterwards_so_a_chain_can_use_their_ids(sim):
    found = sim.call("search_flights", {"origin": "Paris", "date": "2025-03-01"})
    assert found.ok
    _conforms("search_flights", found.content)
    assert all(f["origin"] == "Paris" for f in found.content if "origin" in f)  # fresh results answer the filter
    flight = found.content[0]
    details = sim.call("get_flight", {"flight_id": flight["flight_id"]})
    assert details.ok and details.content["flight_id"] == flight["flight_id"]
    if "price" in flight:
        assert details.content["price"] == flight["price"]


def test_reads_with_the_same_arguments_are_stable_within_an_episode(sim):
    first = sim.call("get_weather", {"city": "Paris"})
    assert first.ok and first.content["city"] == "Paris"
    _conforms("get_weather", first.content)
    assert sim.call("get_weather", {"city": "Paris"}).content == first.content


def _run(sim, episode):
    sim.reset(episode)
    out = []
    created = sim.call("create_order", {"item": "lamp", "quantity": 2})
    out.append(created.content)
    out.append(sim.call("get_order", {"order_id": created.content["order_id"]}).content)
    out.append(sim.call("get_weather", {"city": "Oslo"}).content)
    out.append(sim.call("search_flights", {"origin": "Oslo", "date": "2025-01-02"}).content)
    out.append(sim.call("create_note", {"text": "x"}).content)
    return out


def test_results_are_deterministic_for_seed_episode_and_call_order():
    one, two = ToolSimulator(TOOLS, seed=11), ToolSimulator(TOOLS, seed=11)
    assert _run(one, 3) == _run(two, 3)
    assert _run(one, 3) == _run(one, 3)  # reset restores the episode exactly
    assert _run(one, 4) != _run(one, 3)
    assert _run(ToolSimulator(TOOLS, seed=12), 3) != _run(one, 3)


def test_episodes_do_not_share_state(sim):
    order_id = sim.call("create_order", {"item": "lamp", "quantity": 1}).content["order_id"]
    sim.reset(1)
    assert not sim.call("get_order", {"order_id": order_id}).ok
    other = sim.new_state(5)
    created = sim.call("create_order", {"item": "desk", "quantity": 1}, state=other)
    assert sim.call("get_order", {"order_id": created.content["order_id"]}, state=other).ok
    assert not sim.call("get_order", {"order_id": created.content["order_id"]}).ok


def test_materialize_mode_treats_unseen_ids_as_existing_but_keeps_deleted_ones_gone():
    sim = ToolSimulator(TOOLS, seed=0, unknown_ids="materialize")
    got = sim.call("get_order", {"order_id": "A-1001"})
    assert got.ok and got.content["order_id"] == "A-1001"
    assert sim.call("update_order", {"order_id": "A-1001", "quantity": 4}).ok
    assert sim.call("get_order", {"order_id": "A-1001"}).content["quantity"] == 4
    assert sim.call("delete_order", {"order_id": "A-1001"}).ok
    assert not sim.call("get_order", {"order_id": "A-1001"}).ok


def test_integer_and_uuid_id_fields_are_minted_in_their_schema_type():
    tools = [
        ToolSpec("create_ticket", "", obj({"title": {"type": "string"}}), response=obj({"id": {"type": "integer", "minimum": 1}, "title": {"type": "string"}})),
        ToolSpec("get_ticket", "", obj({"id": {"type": "integer"}}), response=obj({"id": {"type": "integer", "minimum": 1}, "title": {"type": "string"}})),
        ToolSpec("create_user", "", obj({"name": {"type": "string"}}), response=obj({"user_id": {"type": "string", "format": "uuid"}})),
    ]
    sim = ToolSimulator(tools, seed=0)
    ticket = sim.call("create_ticket", {"title": "broken"}).content
    assert isinstance(ticket["id"], int) and ticket["id"] >= 1
    assert sim.call("get_ticket", {"id": ticket["id"]}).content == ticket
    user = sim.call("create_user", {"name": "Ann"}).content
    assert FORMAT_CHECKER.conforms(user["user_id"], "uuid")


@st.composite
def response_schemas(draw):
    leaf = st.sampled_from([
        {"type": "string"}, {"type": "string", "format": "date-time"}, {"type": "integer", "minimum": 0, "maximum": 9},
        {"type": "number", "exclusiveMinimum": 0}, {"type": "boolean"}, {"type": "string", "enum": ["a", "b"]},
        {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 1, "maxItems": 2},
    ])
    props = draw(st.dictionaries(st.sampled_from(["city", "thing_id", "id", "count", "data", "when", "tags", "status"]), leaf, min_size=1, max_size=6))
    if draw(st.booleans()):
        props["data"] = obj({"thing_id": {"type": "string", "pattern": "^t-[0-9]{3}$"}, "name": {"type": "string"}}, ["thing_id"])
    return obj(props, draw(st.lists(st.sampled_from(sorted(props)), unique=True)))


@given(schema=response_schemas(), seed=st.integers(0, 1000), city=st.sampled_from(["Paris", "Rome"]))
def test_every_operation_kind_conforms_to_hypothesis_generated_response_schemas(schema, seed, city):
    tools = [
        ToolSpec("create_thing", "", obj({"city": {"type": "string"}}), response=schema),
        ToolSpec("get_thing", "", obj({"thing_id": {"type": "string"}}), response=schema),
        ToolSpec("update_thing", "", obj({"thing_id": {"type": "string"}, "city": {"type": "string"}}, ["thing_id"]), response=schema),
        ToolSpec("lookup_city", "", obj({"city": {"type": "string"}}), response=schema),
    ]
    sim = ToolSimulator(tools, seed=seed, unknown_ids="materialize")
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    created = sim.call("create_thing", {"city": city})
    results = [created, sim.call("lookup_city", {"city": city}), sim.call("get_thing", {"thing_id": "t-123"}), sim.call("update_thing", {"thing_id": "t-123", "city": city})]
    for result in results:
        assert result.ok, result
        assert not list(validator.iter_errors(result.content)), (schema, result.content)


def test_no_host_access_while_simulating(monkeypatch, sim):
    def forbidden(*args, **kwargs):
        raise AssertionError("the simulator touched the host")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(os, "open", forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(subprocess, "run", forbidden)
    for episode in range(3):
        sim.reset(episode)
        _run(sim, episode)
        order_id = sim.call("create_order", {"item": "lamp", "quantity": 1}).content["order_id"]
        for name in ("get_order", "cancel_order", "delete_order", "get_order"):
            sim.call(name, {"order_id": order_id})
        sim.call("list_orders", {})
        sim.call("nope", {})


def test_bad_tool_schema_is_an_input_error_naming_the_source():
    from inftool_jax.errors import InputError

    bad = ToolSpec("broken", "", {"type": "object", "properties": {"x": {"type": "strnig"}}}, source="specs/x.json", pointer="/tools/0")
    with pytest.raises(InputError) as err:
        ToolSimulator([bad])
    assert str(err.value).startswith("specs/x.json: /tools/0")


@pytest.mark.skipif(not any(SPECS_DIR.glob("*")), reason="no sample specs in configs/specs")
def test_every_catalog_tool_accepts_schema_generated_arguments_and_answers_in_its_response_schema():
    from inftool_jax.tools import load_catalog

    catalog = load_catalog([SPECS_DIR])
    sim = ToolSimulator(catalog.tools, seed=0, unknown_ids="materialize")
    for tool in catalog.tools:
        gen = ValueGenerator(tool.parameters)
        for seed in range(3):
            sim.reset(seed)
            args = gen.generate(tool.parameters, Random(seed))
            result = sim.call(tool.name, args)
            assert result.ok or result.content["error"]["type"] == "conflict", (tool.name, args, result.error)
            if result.ok and tool.response:
                errors = list(Draft202012Validator(tool.response, format_checker=FORMAT_CHECKER).iter_errors(result.content))
                assert not errors, (tool.name, result.content, [e.message for e in errors])


# ---- defects found by the synthesis runs -----------------------------------

CATEGORY = obj({"category_id": {"type": "string"}, "name": {"type": "string"}}, [])
OPTIONAL_ID_TOOLS = [
    ToolSpec("get_categories", "", obj({"parent_id": {"type": "string", "nullable": True}}, []), response=obj({"categories": {"type": "array", "items": CATEGORY}}, [])),
    ToolSpec("get_category_tree", "", obj({"parent_id": {"type": "string"}}, []), response=obj({"categories": {"type": "array", "items": CATEGORY}}, [])),
    ToolSpec("get_account", "The default account unless one is named.", obj({"account_id": {"type": "string"}}, []), response=obj({"account_id": {"type": "string"}, "balance": {"type": "number"}})),
    ToolSpec("update_settings", "", obj({"settings_id": {"type": ["string", "null"]}, "theme": {"type": "string"}}, ["theme"])),
]


@pytest.mark.parametrize("arguments", [{}, {"parent_id": None}])
def test_a_read_without_its_optional_id_is_a_listing_not_a_404(arguments):
    sim = ToolSimulator(OPTIONAL_ID_TOOLS, seed=3)
    for name in ("get_categories", "get_category_tree"):
        args = dict(arguments) if name == "get_categories" else {}
        result = sim.call(name, args)
        assert result.ok, result.error
        assert result.content["categories"] and all("category_id" in c for c in result.content["categories"])
    assert not sim.call("get_category_tree", {"parent_id": "cat_NOPE1"}).ok  # a named id must still exist


def test_an_optional_id_left_out_of_a_single_record_read_or_update_answers_without_a_404():
    sim = ToolSimulator(OPTIONAL_ID_TOOLS, seed=3)
    account = sim.call("get_account", {})
    assert account.ok and isinstance(account.content.get("balance", 0.0), float)
    assert sim.call("update_settings", {"theme": "dark"}).ok
    assert sim.call("update_settings", {"theme": "dark", "settings_id": None}).ok
    assert not sim.call("update_settings", {"theme": "dark", "settings_id": "set_NOPE1"}).ok


# An enum that starts with the end state: a random pick made about a third of new orders cancelled.
RISKY_ORDER = obj({"order_id": {"type": "string"}, "status": {"type": "string", "enum": ["cancelled", "shipped", "pending"]}}, ["order_id", "status"])
RISKY_TOOLS = [
    ToolSpec("create_order", "", obj({"item": {"type": "string"}}), response=RISKY_ORDER),
    ToolSpec("get_order", "", obj({"order_id": {"type": "string"}}), response=RISKY_ORDER),
    ToolSpec("cancel_order", "", obj({"order_id": {"type": "string"}}), response=RISKY_ORDER),
]


def test_new_records_start_in_their_initial_state_so_a_following_cancel_succeeds():
    sim = ToolSimulator(RISKY_TOOLS, seed=0)
    for episode in range(40):
        sim.reset(episode)
        created = sim.call("create_order", {"item": "lamp"})
        assert created.content["status"] == "pending"
        order_id = created.content["order_id"]
        assert sim.call("get_order", {"order_id": order_id}).content["status"] == "pending"
        cancelled = sim.call("cancel_order", {"order_id": order_id})
        assert cancelled.ok and cancelled.content["status"] == "cancelled", cancelled.error


def test_a_pre_existing_record_reads_in_an_initial_state_and_reads_agree_with_each_other():
    sim = ToolSimulator(RISKY_TOOLS, seed=0)
    for episode in range(20):
        sim.reset(episode)
        sim.add_record("order", {}, "A-1001")
        first = sim.call("get_order", {"order_id": "A-1001"}).content
        assert first["status"] == "pending" and sim.call("get_order", {"order_id": "A-1001"}).content == first
        assert sim.call("cancel_order", {"order_id": "A-1001"}).ok


def test_initial_state_prefers_start_words_then_the_first_non_final_value():
    from inftool_jax.world.tool_operations import initial_state

    assert initial_state(["confirmed", "ticketed", "cancelled"]) == "confirmed"
    assert initial_state(["delivered", "processing", "pending"]) == "pending"
    assert initial_state(["done", "in_progress", "todo"]) == "todo"
    assert initial_state(["Cancelled", "On Hold"]) == "On Hold"
    assert initial_state(["failed", "cancelled"]) == "failed"
    assert initial_state([3, 1]) == 3


@pytest.fixture(scope="module")
def catalog_sim():
    from inftool_jax.tools import load_catalog

    return ToolSimulator(load_catalog([SPECS_DIR]).tools, seed=0)


PASSENGER = {"first_name": "Ana", "last_name": "Silva", "date_of_birth": "1990-04-01"}


def test_search_results_are_records_a_details_read_and_a_booking_can_use(catalog_sim):
    sim = catalog_sim
    for episode in range(25):
        sim.reset(episode)
        found = sim.call("search_flights", {"origin": "LIS", "destination": "JFK", "departure_date": "2025-03-01"})
        assert found.ok and found.content["flights"], found.content
        flight = found.content["flights"][-1]
        details = sim.call("get_flight_details", {"flight_id": flight["flight_id"]})
        assert details.ok and all(details.content[k] == v for k, v in flight.items()), (flight, details.content)
        booked = sim.call("book_flight", {"flight_id": flight["flight_id"], "passengers": [PASSENGER], "contact_email": "ana@example.com"})
        assert booked.ok and booked.content["flight_id"] == flight["flight_id"]  # the offer booked, not a new flight
        booking = sim.call("get_booking", {"booking_id": booked.content["booking_id"]})
        assert booking.ok and booking.content["status"] == booked.content["status"] == "confirmed"
        assert sim.call("cancel_booking", {"booking_id": booked.content["booking_id"]}).ok
        hotels = sim.call("search_hotels", {"city": "Porto", "check_in": "2025-03-01", "check_out": "2025-03-04"}).content["hotels"]
        assert hotels and all("hotel_id" in h for h in hotels)
        stay = sim.call("book_hotel", {"hotel_id": hotels[0]["hotel_id"], "check_in": "2025-03-01", "check_out": "2025-03-04", "guest_name": "Ana Silva", "guest_email": "ana@example.com"})
        assert stay.ok and stay.content["hotel_id"] == hotels[0]["hotel_id"] and stay.content["reservation_id"] != hotels[0]["hotel_id"]


def test_classifier_reads_an_id_lookup_named_like_a_search_and_keeps_parent_ids_as_filters():
    from inftool_jax.world.tool_operations import classify

    booking = obj({"booking_id": {"type": "string"}, "status": {"type": "string"}})
    search_one = ToolSpec("search_booking", "", obj({"booking_id": {"type": "string"}}), response=booking)
    query_one = ToolSpec("query_order", "", obj({"order_id": {"type": "string"}}), response=obj({"order_id": {"type": "string"}}))
    by_parent = ToolSpec("list_transactions", "", obj({"account_id": {"type": "string"}}), response=obj({"transactions": {"type": "array", "items": obj({"transaction_id": {"type": "string"}})}}))
    assert (classify(search_one).kind, classify(search_one).id_param) == ("read", "booking_id")
    assert classify(query_one).kind == "read"
    assert (classify(by_parent).kind, classify(by_parent).id_param) == ("list", None)
    sim = ToolSimulator([search_one, by_parent], seed=0)
    assert sim.call("search_booking", {"booking_id": "boo_NOPE1"}).content["error"]["code"] == 404
    assert sim.call("list_transactions", {"account_id": "acc_1"}).ok


def test_creating_with_a_foreign_id_makes_the_new_record_and_adding_to_a_record_updates_it():
    from inftool_jax.world.tool_operations import classify

    book = ToolSpec("book_flight", "", obj({"flight_id": {"type": "string"}, "seats": {"type": "integer"}}, ["flight_id"]),
                    response=obj({"booking_id": {"type": "string"}, "flight_id": {"type": "string"}}, []))
    add = ToolSpec("add_attendees", "", obj({"event_id": {"type": "string"}, "emails": {"type": "array", "items": {"type": "string"}}}),
                   response=obj({"event_id": {"type": "string"}, "attendee_count": {"type": "integer"}}))
    op = classify(book)
    assert (op.kind, op.resource, op.id_field, op.id_prefix) == ("create", "booking", "booking_id", "boo")
    assert (classify(add).kind, classify(add).id_param, classify(add).resource) == ("update", "event_id", "event")
    sim = ToolSimulator([book, add], seed=0)
    for episode in range(10):
        sim.reset(episode)
        made = sim.call("book_flight", {"flight_id": "fli_ABCDE"}).content
        assert made["flight_id"] == "fli_ABCDE" and made["booking_id"].startswith("boo_")
        assert sim.snapshot()["records"][made["booking_id"]]["resource"] == "booking"
    assert sim.call("add_attendees", {"event_id": "eve_NOPE1", "emails": ["a@example.com"]}).content["error"]["code"] == 404
