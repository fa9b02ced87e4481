"""The tiny model's chat template: Qwen2.5 layout, tools, tool calls, tool responses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inftool_jax.model.chat_template import (
    CHAT_TEMPLATE,
    DEFAULT_SYSTEM_PROMPT,
    FULL_SCHEMA_CHAT_TEMPLATE,
    TOOL_RENDERINGS,
    render_chat,
)
from inftool_jax.bootstrap.tiny_model import train_tokenizer

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    tok = train_tokenizer(["Hello there, how are you? The weather in Paris is nice.", '{"city": "Paris"}'] * 3, 400)
    folder = tmp_path_factory.mktemp("tok")
    tok.save_pretrained(str(folder))
    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def _hermes(calls):
    # The format inftool_jax.calls.render_hermes is specified to produce.
    return "\n".join(
        "<tool_call>\n" + json.dumps({"name": c["name"], "arguments": c["arguments"]}, ensure_ascii=False) + "\n</tool_call>"
        for c in calls
    )


_CONVERSATION = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Köln?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                {"id": "b", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Köln"}}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": '{"temp": 18}'},
        {"role": "tool", "tool_call_id": "b", "content": '{"temp": 15}'},
        {"role": "assistant", "content": "18 and 15 degrees."},
]
_TURNS_AFTER_SYSTEM = (
    "<|im_start|>user\nWeather in Paris and Köln?<|im_end|>\n"
    '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Köln"}}\n</tool_call><|im_end|>\n'
    '<|im_start|>user\n<tool_response>\n{"temp": 18}\n</tool_response>\n<tool_response>\n{"temp": 15}\n'
    "</tool_response><|im_end|>\n"
    "<|im_start|>assistant\n18 and 15 degrees.<|im_end|>\n"
    "<|im_start|>assistant\n"
)


def test_full_schema_rendering_is_exactly_the_qwen25_layout():
    expected = (
        "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        + json.dumps(WEATHER, ensure_ascii=False)
        + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
        "</tool_call><|im_end|>\n" + _TURNS_AFTER_SYSTEM
    )
    assert render_chat(_CONVERSATION, tools=[WEATHER], add_generation_prompt=True, template=FULL_SCHEMA_CHAT_TEMPLATE) == expected


def test_default_compact_rendering_lists_one_signature_line_per_tool_and_the_same_turns():
    expected = (
        "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call these functions (? marks an optional parameter):\n"
        "<tools>\n- get_weather(city: string): Current weather\n</tools>\n\n"
        'Write each call as <tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
        "</tool_call><|im_end|>\n" + _TURNS_AFTER_SYSTEM
    )
    assert render_chat(_CONVERSATION, tools=[WEATHER], add_generation_prompt=True) == expected
    assert TOOL_RENDERINGS == {"compact": CHAT_TEMPLATE, "full": FULL_SCHEMA_CHAT_TEMPLATE}


_RICH = {
    "type": "function",
    "function": {
        "name": "book",
        "description": "Book a room.",
        "parameters": {
            "type": "object",
            "properties": {
                "hotel": {"type": "string", "description": "dropped in the compact line"},
                "nights": {"type": "integer", "default": 1},
                "view": {"type": "string", "enum": ["sea", "city"]},
                "floors": {"type": "array", "items": {"type": "integer", "enum": [1, 2]}},
                "guest": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": ["integer", "null"]}},
                          "required": ["name"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "anything": {},
            },
            "required": ["hotel", "view"],
        },
    },
}


def test_compact_signature_shows_types_enums_arrays_nested_objects_and_optional_marks():
    text = render_chat([{"role": "user", "content": "hi"}], tools=[_RICH, {"type": "function", "function": {"name": "ping"}}])
    assert (
        '\n- book(hotel: string, nights?: integer, view: "sea"|"city", floors?: 1|2[], '
        "guest?: {name: string, age?: integer|null}, tags?: string[], anything?: any): Book a room.\n- ping()\n</tools>"
    ) in text
    assert "dropped in the compact line" not in text


def test_compact_rendering_is_several_times_shorter_than_the_full_schemas():
    compact = render_chat([{"role": "user", "content": "hi"}], tools=[_RICH] * 5)
    full = render_chat([{"role": "user", "content": "hi"}], tools=[_RICH] * 5, template=FULL_SCHEMA_CHAT_TEMPLATE)
    assert 2.5 * len(compact) < len(full)


def test_no_system_message_gets_the_default_system_prompt_and_no_tools_section():
    text = render_chat([{"role": "user", "content": "hi"}])
    assert text == f"<|im_start|>system\n{DEFAULT_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"


@pytest.mark.parametrize("content", ["", "Let me look.", None])
@pytest.mark.parametrize(
    "calls",
    [
        [{"name": "f", "arguments": {}}],
        [{"name": "get_weather", "arguments": {"city": "São Paulo", "days": [1, 2.5], "deep": {"x": None}}}],
        [{"name": "a", "arguments": {"k": "v"}}, {"name": "b", "arguments": {"n": -3}}, {"name": "c", "arguments": {}}],
    ],
)
def test_assistant_tool_calls_text_equals_the_hermes_rendering(content, calls):
    message = {"role": "assistant", "content": content, "tool_calls": [{"type": "function", "function": c} for c in calls]}
    text = render_chat([{"role": "user", "content": "go"}, message])
    turn = text.split("<|im_start|>assistant\n", 1)[1]
    prose = f"{content}\n" if content else ""
    assert turn == prose + _hermes(calls) + "<|im_end|>\n"


def test_tool_call_text_matches_calls_render_hermes():
    # imported plainly: a broken calls package must fail this test, not skip it
    from inftool_jax.calls import Call, render_hermes

    calls = [Call("get_weather", {"city": "Zürich", "n": 2}), Call("noop", {})]
    message = {"role": "assistant", "content": "", "tool_calls": [{"function": c.to_dict()} for c in calls]}
    text = render_chat([{"role": "user", "content": "go"}, message])
    assert text.endswith("<|im_start|>assistant\n" + render_hermes(calls) + "<|im_end|>\n")


def test_string_arguments_are_emitted_verbatim():
    message = {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1}'}}]}
    text = render_chat([{"role": "user", "content": "go"}, message])
    assert '<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call><|im_end|>' in text


def test_non_string_tool_content_is_rendered_as_json():
    text = render_chat([{"role": "tool", "content": {"ok": True}}])
    assert '<tool_response>\n{"ok": true}\n</tool_response>' in text


def test_transformers_apply_chat_template_renders_the_same_text(tokenizer):
    messages = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "sunny"},
    ]
    ours = render_chat(messages, tools=[WEATHER, _RICH], add_generation_prompt=True)
    theirs = tokenizer.apply_chat_template(messages, tools=[WEATHER, _RICH], tokenize=False, add_generation_prompt=True)
    assert tokenizer.chat_template == CHAT_TEMPLATE
    assert theirs == ours


_json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
_json_values = st.recursive(
    _json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8
)
_calls = st.lists(
    st.builds(
        lambda name, args: {"name": name, "arguments": args},
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,15}", fullmatch=True),
        st.dictionaries(st.text(max_size=8), _json_values, max_size=4),
    ),
    min_size=1,
    max_size=3,
)


@given(calls=_calls, content=st.one_of(st.none(), st.text(max_size=20)))
def test_any_calls_render_as_calls_render_hermes_does(calls, content):
    from inftool_jax.calls import Call, render_hermes

    message = {"role": "assistant", "content": content, "tool_calls": [{"type": "function", "function": c} for c in calls]}
    text = render_chat([{"role": "user", "content": "go"}, message])
    prose = f"{content}\n" if content else ""
    expected = prose + render_hermes([Call(c["name"], c["arguments"]) for c in calls]) + "<|im_end|>\n"
    assert text.split("<|im_start|>assistant\n", 1)[1] == expected
