"""OpenAI message tool_calls: the wire shape, accepted argument spellings, failures that never raise."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inftool_jax.calls import Call, parse_openai_tool_calls, to_openai_tool_calls


def test_renders_ids_type_and_json_string_arguments():
    out = to_openai_tool_calls([Call("f", {"a": "é"}), Call("g")], id_prefix="call_7_")
    assert out == [
        {"id": "call_7_0", "type": "function", "function": {"name": "f", "arguments": '{"a": "é"}'}},
        {"id": "call_7_1", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    assert all(isinstance(item["function"]["arguments"], str) for item in out)


@pytest.mark.parametrize("arguments", ['{"a": 1}', {"a": 1}, ' {"a": 1} '])
def test_arguments_may_be_a_json_string_or_an_object(arguments):
    result = parse_openai_tool_calls([{"id": "x", "type": "function", "function": {"name": "f", "arguments": arguments}}])
    assert result.ok and result.calls == [Call("f", {"a": 1})]


@pytest.mark.parametrize("arguments", [None, "", "  "])
def test_empty_or_null_arguments_mean_no_arguments(arguments):
    result = parse_openai_tool_calls([{"function": {"name": "f", "arguments": arguments}}])
    assert result.ok and result.calls == [Call("f", {})]


def test_none_and_empty_list_mean_no_calls():
    assert parse_openai_tool_calls(None).ok and parse_openai_tool_calls([]).calls == []


@pytest.mark.parametrize(
    ("tool_calls", "position", "fragment"),
    [
        ("not a list", 0, "list"),
        ({"function": {"name": "f"}}, 0, "list"),
        ([{"function": {"name": "f", "arguments": "{}"}}, 3], 1, "object"),
        ([{"type": "code", "function": {"name": "f"}}], 0, "type"),
        ([{"type": "function"}], 0, "function"),
        ([{"function": "f"}], 0, "function"),
        ([{"function": {"arguments": "{}"}}], 0, "name"),
        ([{"function": {"name": "", "arguments": "{}"}}], 0, "name"),
        ([{"function": {"name": "f", "arguments": "{bad json"}}], 0, "invalid JSON"),
        ([{"function": {"name": "f", "arguments": "[1, 2]"}}], 0, "object"),
        ([{"function": {"name": "f", "arguments": '{"a": 1} extra'}}], 0, "extra text"),
        ([{"function": {"name": "f", "arguments": '{"a": NaN}'}}], 0, "NaN"),
        ([{"function": {"name": "f", "arguments": 5}}], 0, "object"),
        ([{"function": {"name": "f", "arguments": "[" * 100_000}}], 0, "invalid JSON"),
    ],
)
def test_malformed_tool_calls_fail_with_the_entry_index(tool_calls, position, fragment):
    result = parse_openai_tool_calls(tool_calls)
    assert not result.ok and result.calls == []
    assert fragment in result.error
    assert result.position == position


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@given(tool_calls=JSONISH, arguments_text=st.text())
def test_arbitrary_json_shapes_and_argument_texts_never_raise(tool_calls, arguments_text):
    for candidate in (tool_calls, [tool_calls], [{"function": {"name": "f", "arguments": arguments_text}}]):
        result = parse_openai_tool_calls(candidate)
        assert result.ok or (result.error and result.calls == [])


def test_render_output_is_plain_json_serialisable():
    json.dumps(to_openai_tool_calls([Call("f", {"a": [1, {"b": None}]})]))
