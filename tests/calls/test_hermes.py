"""Hermes / Qwen2.5 <tool_call> blocks: the exact rendering, lenient reading, located failures."""

import json

import pytest

from inftool_jax.calls import Call, parse_hermes, render_hermes


def test_render_matches_the_qwen25_chat_template_layout():
    text = render_hermes([Call("get_weather", {"city": "Zürich", "days": 3}), Call("now")])
    assert text == (
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich", "days": 3}}\n</tool_call>\n'
        '<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>'
    )


def test_render_of_no_calls_is_empty_text():
    assert render_hermes([]) == ""


def test_render_refuses_nan_because_it_is_not_json():
    with pytest.raises(ValueError):
        render_hermes([Call("f", {"x": float("nan")})])


def test_prose_before_the_blocks_becomes_content():
    text = "Let me look that up.\n" + render_hermes([Call("f", {"a": 1})])
    result = parse_hermes(text)
    assert result.ok and result.calls == [Call("f", {"a": 1})]
    assert result.content == "Let me look that up."


def test_text_without_tool_call_tags_is_prose_with_no_calls():
    text = 'The answer is {"name": "f"} - no call needed.\n'
    result = parse_hermes(text)
    assert result.ok and result.calls == [] and result.content == text


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>',
        '<tool_call>  \n\t{"name": "f", "arguments": {"a": 1}}  \n\n</tool_call>',
        '<tool_call>\n{"name": "f", "arguments": {"a": 1}}',  # stopped on the close tag
        '<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n  ',
        '<tool_call>\n{"name": "f", "arguments": "{\\"a\\": 1}"}\n</tool_call>',  # arguments as a JSON string
        '<tool_call>\n{"name": "f", "parameters": {"a": 1}}\n</tool_call>',
        '<tool_call>\n{"arguments": {"a": 1}, "name": "f", "id": "x1"}\n</tool_call>',  # extra key ignored
    ],
)
def test_lenient_where_real_models_are(text):
    result = parse_hermes(text)
    assert result.ok, result.error
    assert result.calls == [Call("f", {"a": 1})]


@pytest.mark.parametrize("arguments", ['"arguments": null', '"arguments": ""', '"arguments": "  "', '"other": 1'])
def test_missing_null_or_empty_arguments_mean_no_arguments(arguments):
    result = parse_hermes('<tool_call>{"name": "f", ' + arguments + "}</tool_call>")
    assert result.ok and result.calls == [Call("f", {})]


def test_argument_strings_may_contain_the_closing_tag():
    calls = [Call("echo", {"text": "a\n</tool_call>\n<tool_call>b"})]
    assert parse_hermes(render_hermes(calls)).calls == calls


def test_several_blocks_with_prose_between_them_keep_order():
    text = "A\n" + render_hermes([Call("f")]) + "\nthen\n" + render_hermes([Call("g", {"x": [1]})]) + "\nend"
    result = parse_hermes(text)
    assert result.ok and [c.name for c in result.calls] == ["f", "g"]
    assert result.content == "A\nthen\nend"


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ('<tool_call>\n{"name": "f", "arguments": {"a": 1}\n</tool_call>', 48, "invalid JSON"),
        ("<tool_call>\n{'name': 'f'}\n</tool_call>", 13, "invalid JSON"),
        ('<tool_call>\n["f", {}]\n</tool_call>', 12, "JSON object"),
        ('<tool_call>\n{"arguments": {}}\n</tool_call>', 12, "name"),
        ('<tool_call>\n{"name": "", "arguments": {}}\n</tool_call>', 12, "name"),
        ('<tool_call>\n{"name": 3, "arguments": {}}\n</tool_call>', 12, "name"),
        ('<tool_call>\n{"name": "f", "arguments": [1]}\n</tool_call>', 12, "object"),
        ('<tool_call>\n{"name": "f", "arguments": "[1]"}\n</tool_call>', 12, "object"),
        ('<tool_call>\n{"name": "f", "arguments": "{bad"}\n</tool_call>', 12, "invalid JSON"),
        ('<tool_call>\n{"name": "f", "arguments": {}} trailing\n</tool_call>', 43, "</tool_call>"),
        ('<tool_call>\n{"name": "f", "arguments": {"x": NaN}}\n</tool_call>', 12, "NaN"),
        ("<tool_call>\n</tool_call>", 12, "invalid JSON"),
        ("<tool_call>", 11, "invalid JSON"),
        ('<tool_call>{"name": "f", "arguments": {}}<tool_call>{"name": "g", "arguments": {}}', 41, "</tool_call>"),
    ],
)
def test_malformed_blocks_fail_with_a_position(text, position, fragment):
    result = parse_hermes(text)
    assert not result.ok and result.calls == []
    assert fragment in result.error
    assert result.position == position


def test_non_text_input_fails_instead_of_raising():
    assert not parse_hermes(None).ok  # type: ignore[arg-type]


def test_unicode_is_written_raw_like_the_template_does():
    text = render_hermes([Call("f", {"q": "東京 😀"})])
    assert "東京 😀" in text
    assert json.loads(text.split("\n")[1]) == {"name": "f", "arguments": {"q": "東京 😀"}}
