"""The format registry, and the properties every format shares: exact round trips, no raising, no hangs."""

import functools
import keyword
import random
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.calls import (
    Call,
    available_formats,
    get_format,
    parse_openai_tool_calls,
    parse_python,
    to_openai_tool_calls,
)
from inftool_jax.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typed_values import typed_calls  # noqa: E402

# Strings stressing every quoting rule: quotes, backslashes, newlines, tags, fences, non-BMP, controls.
_TRICKY = st.sampled_from(list("\"'\\\n\r\t\x00\x7f\u2028é漢😀`<>/[](){}=,:#") + ["</tool_call>", "<tool_call>", "```", "\\u0041", "'''", '"""'])
_TEXT = st.lists(st.one_of(st.text(max_size=6), _TRICKY), max_size=6).map("".join)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-2.5, 1e-300, -1.5e300, 0.0, -0.0, 5e-324]),
    _TEXT,
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(lambda w: not keyword.iskeyword(w))
DOTTED_NAMES = st.lists(IDENTIFIERS, min_size=1, max_size=3).map(".".join)
PYTHON_CALLS = st.builds(Call, name=DOTTED_NAMES, arguments=st.dictionaries(IDENTIFIERS, JSON_VALUES, max_size=5))
JSON_CALLS = st.builds(
    Call, name=_TEXT.filter(bool), arguments=st.dictionaries(_TEXT, JSON_VALUES, max_size=5)
)


def finishes(function, *args, seconds=120.0):
    """Run ``function(*args)`` in a thread; return its result, failing the test if it hangs."""
    box = {}

    def run():
        try:
            box["result"] = function(*args)
        except BaseException as err:  # noqa: BLE001 - reported below as the test failure
            box["error"] = err

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{function.__name__} did not finish within {seconds}s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_registry_names_hermes_and_python():
    assert available_formats() == ["hermes", "python"]
    assert get_format("hermes").name == "hermes"
    assert get_format("python").render([Call("f", {"a": 1})]) == "[f(a=1)]"


def test_unknown_format_is_an_input_error_naming_it_and_where():
    with pytest.raises(InputError) as info:
        get_format("xml", source="configs/x.yaml", pointer="rollout.call_format")
    message = str(info.value)
    assert "'xml'" in message and "configs/x.yaml" in message and "rollout.call_format" in message
    assert "hermes" in message and "python" in message


@settings(max_examples=100)
@given(calls=st.lists(PYTHON_CALLS, max_size=4), name=st.sampled_from(["hermes", "python"]))
def test_text_formats_round_trip_calls_exactly(calls, name):
    fmt = get_format(name)
    result = fmt.parse(fmt.render(calls))
    assert result.ok, result.error
    assert typed_calls(result.calls) == typed_calls(calls)


@settings(max_examples=100)
@given(calls=st.lists(JSON_CALLS, max_size=4))
def test_hermes_round_trips_any_json_name_and_keys(calls):
    fmt = get_format("hermes")
    result = fmt.parse(fmt.render(calls))
    assert result.ok, result.error
    assert typed_calls(result.calls) == typed_calls(calls)


@settings(max_examples=100)
@given(calls=st.lists(JSON_CALLS, max_size=4))
def test_openai_tool_calls_round_trip_calls_exactly(calls):
    result = parse_openai_tool_calls(to_openai_tool_calls(calls))
    assert result.ok, result.error
    assert typed_calls(result.calls) == typed_calls(calls)


@settings(max_examples=300)
@given(
    text=st.one_of(
        st.text(),
        st.lists(st.one_of(_TRICKY, st.sampled_from(["f(", "a=", "[", "]", "{", '"name"', ":", "-", "1", "lambda", "*", "**", ".", "(", ")"])), max_size=30).map("".join),
    ),
    name=st.sampled_from(["hermes", "python"]),
)
def test_text_parsers_never_raise_on_arbitrary_text(text, name):
    result = get_format(name).parse(text)
    assert result.ok in (True, False)
    if not result.ok:
        assert result.error
        assert result.calls == []


@functools.lru_cache(maxsize=1)
def _one_megabyte_inputs():
    rng = random.Random(0)
    mb = 1_000_000
    alphabet = '[](){}"\'\\,=:.-+*abcdef0123456789 \n<tool_call></tool_call>'
    return {
        "random": "".join(rng.choice(alphabet) for _ in range(mb)),
        "nested_brackets": "[" * mb,
        "nested_braces_in_tag": "<tool_call>" + "{" * (mb - 11),
        "nested_lists_closed": "[f(a=" + "[" * 100_000 + "]" * 100_000 + ")]",
        "json_nested": '<tool_call>{"name": "f", "arguments": {"a": ' + "[" * 200_000 + "]" * 200_000 + "}}</tool_call>",
        "string_literal": '[f(a="' + "x" * mb + '")]',
        "hermes_string": '<tool_call>{"name": "f", "arguments": {"a": "' + "x" * mb + '"}}</tool_call>',
        "many_calls": "[" + ", ".join(['f(a="' + "x" * 12 + '")'] * 50_000) + "]",
        "many_blocks": '<tool_call>{"name": "f", "arguments": {}}</tool_call>' * 20_000,
        "many_open_tags": "<tool_call>" * 90_000,
        "unary_chain": "[f(a=" + "-" * mb + "1)]",
        "attribute_chain": "[" + ".a" * 500_000 + "(x=1)]",
        "huge_integer": "[f(a=" + "9" * mb + ")]",
        "hermes_huge_integer": '<tool_call>{"name": "f", "arguments": {"a": ' + "9" * mb + "}}</tool_call>",
        "arithmetic_chain": "[f(a=" + "+".join(["1"] * 300_000) + ")]",
        "unclosed_string": '[f(a="' + "\\" * mb,
    }


def _parse_bfcl(text):
    return parse_python(text, bfcl_compat=True)


@pytest.mark.parametrize("kind", sorted(_one_megabyte_inputs()))
@pytest.mark.parametrize("name", ["hermes", "python", "python-bfcl"])
def test_megabyte_inputs_finish_without_raising(kind, name):
    text = _one_megabyte_inputs()[kind]
    result = finishes(_parse_bfcl if name == "python-bfcl" else get_format(name).parse, text)
    assert result.ok in (True, False)
    if kind in ("string_literal", "many_calls") and name.startswith("python"):
        assert result.ok and result.calls  # big but well-formed input is read, not refused
    if kind in ("hermes_string", "many_blocks") and name == "hermes":
        assert result.ok and result.calls
    if kind in ("nested_brackets", "unary_chain", "huge_integer", "arithmetic_chain", "unclosed_string") and name.startswith("python"):
        assert not result.ok
