"""The reverse assistant's final answers: counts read as English, values quoted, errors by their message."""

from __future__ import annotations

import json

from inftool_jax.synth.assistant.reverse_assistant import summarize_results


def _tool(name, content):
    return {"role": "tool", "tool_call_id": "c", "name": name, "content": json.dumps(content)}


def _answer(*results):
    return summarize_results([{"role": "user", "content": "hi"}, *results])


def test_one_found_item_is_singular_and_its_fields_are_quoted():
    text = _answer(_tool("search_flights", {"flights": [{"flight_id": "fli_1", "airline": "KLM", "price": {"amount": 99.5, "currency": "EUR"}}]}))
    assert text == "Search flights: found 1 flight: flight id fli_1, airline KLM and price 99.5 EUR."


def test_several_or_no_items_are_plural():
    many = _answer(_tool("list_categories", {"categories": [{"category_id": "c1"}, {"category_id": "c2"}], "total": 2}))
    assert many == "List categories: found 2 categories (total 2); the first has category id c1."
    assert _answer(_tool("search_flights", {"flights": []})) == "Search flights: found no flights."
    assert _answer(_tool("search_flights", [{"flight_id": "f"}])) == "Search flights: found 1 result: flight id f."


def test_plain_results_list_their_fields_and_booleans_read_as_yes_or_no():
    assert _answer(_tool("delete_event", {"event_id": "EVE-1", "deleted": True})) == "Delete event: event id EVE-1 and deleted: yes."


def test_a_failed_call_is_reported_by_its_message():
    err = {"error": {"code": 404, "type": "not_found", "message": "order 'X' not found"}}
    assert _answer(_tool("get_order", err)) == "The get order request failed: order 'X' not found."


def test_only_results_since_the_last_user_message_are_summarised():
    messages = [_tool("get_order", {"order_id": "old"}), {"role": "user", "content": "and now?"}, _tool("get_order", {"order_id": "new"})]
    assert summarize_results(messages) == "Get order: order id new."
