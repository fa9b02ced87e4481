"""Strict JSON reading for call arguments: no NaN, every failure an ArgumentsError with a position."""

import pytest

from inftool_jax.calls.json_arguments import ArgumentsError, arguments_object, decode_json_value, dump_json


def test_decode_reads_one_value_and_reports_where_it_ends():
    assert decode_json_value('xx{"a": [1, 2.5]} tail', 2) == ({"a": [1, 2.5]}, 17)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"a": NaN}'])
def test_non_standard_constants_are_refused(text):
    with pytest.raises(ArgumentsError):
        decode_json_value(text, 0)


@pytest.mark.parametrize("text", ["[" * 100_000, "9" * 100_000, "{", '"unterminated', ""])
def test_deep_huge_or_broken_json_is_an_arguments_error(text):
    with pytest.raises(ArgumentsError) as info:
        decode_json_value(text, 0)
    assert info.value.position is not None


def test_arguments_object_names_the_place_in_its_errors():
    with pytest.raises(ArgumentsError, match="tool_calls\\[0\\]"):
        arguments_object("{oops", "tool_calls[0]")
    with pytest.raises(ArgumentsError, match="must be a JSON object"):
        arguments_object([1], "here")


def test_dump_keeps_unicode_and_refuses_nan():
    assert dump_json({"q": "東京"}) == '{"q": "東京"}'
    with pytest.raises(ValueError):
        dump_json({"x": float("inf")})
