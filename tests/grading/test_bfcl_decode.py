"""BFCL result shapes reach the checker through calls' decoders: Python text, Hermes text, decoded lists."""

import pytest

from inftool_jax.calls import Call, parse_python
from inftool_jax.grading import bfcl_decode as D


@pytest.mark.parametrize(
    "text",
    ["[f(a=1), m.g(b='x', c=[1, {'k': -2.5}])]", "f(a=1)", "```\n[f(a=True, b=None)]\n```", "[f(1, a=x, b=(1, 2), c=g(h=1))]", "[]"],
)
def test_python_text_is_decoded_by_calls_in_bfcl_mode(text):
    decoded = D.decode_result(text)
    assert decoded.status == D.OK, decoded.error
    assert decoded.calls == parse_python(text, bfcl_compat=True).calls
    assert decoded.has_call == bool(decoded.calls)


@pytest.mark.parametrize("text", ["[f(a=2*3)]", "[f(a='ab'+'c')]", "[f(a=9**9**9)]", "[f(a=__import__('os').system('true') + 1)]"])
def test_arithmetic_is_a_decode_failure_not_evaluated(text):
    decoded = D.decode_result(text)
    assert decoded.status == D.DECODE_FAILED and not decoded.has_call
    assert "eval" in decoded.error


def test_prose_and_broken_text_fail_to_decode():
    for text in ("Sorry, I cannot help.", "[f(a=1", "[f(a=1), 2]", "```python\n[f(a=1)]\n```"):
        assert D.decode_result(text).status == D.DECODE_FAILED, text
    empty = D.decode_result("")  # BFCL's string steps turn "" into "[]": decoded, but no call
    assert empty.status == D.OK and not empty.has_call


def test_hermes_text_and_decoded_lists():
    d = D.decode_result('<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>')
    assert d.status == D.OK and d.calls == [Call("f", {"a": 1})]
    assert D.decode_result("<tool_call>{not json</tool_call>").status == D.DECODE_FAILED
    assert D.decode_result([{"f": {"a": 1}}]).calls == [Call("f", {"a": 1})]
    assert D.decode_result([{"name": "f", "arguments": {"a": 1}}]).calls == [Call("f", {"a": 1})]
    assert D.decode_result([{}]).status == D.WRONG_FORMAT
    assert D.decode_result([{"f": 1}]).status == D.WRONG_FORMAT
    assert D.decode_result(["f(a=1)"]).status == D.WRONG_FORMAT
    assert D.decode_result(3).status == D.WRONG_FORMAT
