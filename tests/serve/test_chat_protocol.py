"""Reading chat-completions requests and writing responses (no server, no model)."""

from __future__ import annotations

import json

import pytest

from inftool_jax.calls.call import Call
from inftool_jax.calls.hermes import render_hermes
from inftool_jax.serve.chat_protocol import Completion, RequestError, assistant_message, completion_body, read_request, stream_events

MSG = [{"role": "user", "content": "hi"}]


def test_defaults_and_fields_are_read():
    r = read_request({"messages": MSG, "temperature": 0, "top_p": 0.5, "max_tokens": 7, "stop": "END", "n": 2, "seed": 3, "stream": True}, 100)
    assert (r.temperature, r.top_p, r.max_tokens, r.stop, r.n, r.seed, r.stream) == (0.0, 0.5, 7, ["END"], 2, 3, True)
    d = read_request({"messages": MSG}, 100, default_max_tokens=256)
    assert (d.temperature, d.top_p, d.max_tokens, d.stop, d.n, d.seed, d.stream, d.tools) == (1.0, 1.0, 100, [], 1, None, False, None)


def test_max_completion_tokens_is_read_like_max_tokens():
    assert read_request({"messages": MSG, "max_completion_tokens": 9}, 100).max_tokens == 9


@pytest.mark.parametrize(
    "body,param",
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"content": "x"}]}, "messages"),
        ({"messages": MSG, "temperature": -1}, "temperature"),
        ({"messages": MSG, "temperature": "hot"}, "temperature"),
        ({"messages": MSG, "top_p": 0}, "top_p"),
        ({"messages": MSG, "max_tokens": 0}, "max_tokens"),
        ({"messages": MSG, "max_tokens": 101}, "max_tokens"),
        ({"messages": MSG, "n": 9}, "n"),
        ({"messages": MSG, "stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"messages": MSG, "stop": [""]}, "stop"),
        ({"messages": MSG, "seed": 1.5}, "seed"),
        ({"messages": MSG, "stream": "yes"}, "stream"),
        ({"messages": MSG, "tools": [{"type": "function"}]}, "tools"),
    ],
)
def test_bad_fields_are_400s_naming_the_parameter(body, param):
    with pytest.raises(RequestError) as info:
        read_request(body, 100)
    assert info.value.param == param and info.value.status == 400
    assert info.value.body()["error"]["type"] == "invalid_request_error"


def test_tool_choice_none_offers_no_tools():
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    assert read_request({"messages": MSG, "tools": tools}, 10).tools == tools
    assert read_request({"messages": MSG, "tools": tools, "tool_choice": "none"}, 10).tools is None


def test_tool_call_text_becomes_tool_calls_with_finish_reason_tool_calls():
    text = "Let me look.\n" + render_hermes([Call("get_weather", {"city": "Paris"}), Call("get_time", {})])
    message, finish = assistant_message(text)
    assert finish == "tool_calls"
    assert message["content"] == "Let me look."
    assert [c["function"]["name"] for c in message["tool_calls"]] == ["get_weather", "get_time"]
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert len({c["id"] for c in message["tool_calls"]}) == 2


def test_unreadable_tool_call_text_stays_content():
    message, finish = assistant_message('<tool_call>{"name": "f", "arguments": {oops}}</tool_call>')
    assert finish == "stop" and "tool_calls" not in message and message["content"].startswith("<tool_call>")


def test_length_limited_prose_finishes_with_length_and_usage_adds_up():
    body = completion_body("m", [Completion("abc", 5, True), Completion("d", 2, False)], prompt_tokens=11)
    assert [c["finish_reason"] for c in body["choices"]] == ["length", "stop"]
    assert body["usage"] == {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    assert body["object"] == "chat.completion" and body["model"] == "m"


def test_stream_events_rebuild_the_completion_and_end_with_done():
    body = completion_body("m", [Completion(render_hermes([Call("f", {"a": 1})]), 4, False)], prompt_tokens=3)
    events = stream_events(body)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == body["id"] for c in chunks)
    calls = [tc for c in chunks for ch in c["choices"] for tc in ch["delta"].get("tool_calls", [])]
    assert [(tc["index"], tc["function"]) for tc in calls] == [(0, body["choices"][0]["message"]["tool_calls"][0]["function"])]
    finishes = [ch["finish_reason"] for c in chunks for ch in c["choices"] if ch["finish_reason"]]
    assert finishes == ["tool_calls"]
