"""BFCL Python-call syntax: rendering, strict whitelist parsing, prose vs. failed attempts, positions."""

import pytest

from inftool_jax.calls import Call, parse_python, render_python
from inftool_jax.calls.pythonic import MAX_TEXT_CHARS


def test_render_writes_bfcl_list_syntax_with_double_quoted_strings():
    calls = [Call("f", {"a": 1}), Call("mod.g", {"b": "x", "c": [1, {"k": -2.5}], "d": None, "e": True})]
    assert render_python(calls) == '[f(a=1), mod.g(b="x", c=[1, {"k": -2.5}], d=None, e=True)]'


def test_render_escapes_quotes_backslashes_controls_and_lone_surrogates():
    text = render_python([Call("f", {"s": 'say "hi"\\\n\t\x00\ud800'})])
    assert text == r'[f(s="say \"hi\"\\\n\t\x00\ud800")]'
    assert parse_python(text).calls == [Call("f", {"s": 'say "hi"\\\n\t\x00\ud800'})]


@pytest.mark.parametrize(
    "call",
    [
        Call("class", {}),
        Call("a..b", {}),
        Call("f", {"lambda": 1}),
        Call("f", {"not an id": 1}),
        Call("f", {"x": float("inf")}),
        Call("f", {"x": {1: 2}}),
        Call("f", {"x": object()}),
        Call("ﬁnd", {}),  # NFKC turns the ligature into "fi": would not round-trip
    ],
)
def test_render_refuses_what_python_syntax_cannot_carry(call):
    with pytest.raises(ValueError):
        render_python([call])


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("[f(a=1)]", [Call("f", {"a": 1})]),
        ("f(a=1)", [Call("f", {"a": 1})]),
        ("f(a=1), g(b=2)", [Call("f", {"a": 1}), Call("g", {"b": 2})]),
        ("[]", []),
        ("  [f(a=1)]\n", [Call("f", {"a": 1})]),
        ("```python\n[f(a=1)]\n```", [Call("f", {"a": 1})]),
        ("```\nf(a=1)\n```", [Call("f", {"a": 1})]),
        ("```py\n[f(a=1)]", [Call("f", {"a": 1})]),  # fence left open at the end
        ("```[f(a=1)]```", [Call("f", {"a": 1})]),
        ("```python\n[f(s='```')]\n```", [Call("f", {"s": "```"})]),
        ("[f(s='```')]", [Call("f", {"s": "```"})]),
        ("[a.b.c(x=[1, (2, 3)], y={'k': {'n': None}})]", [Call("a.b.c", {"x": [1, [2, 3]], "y": {"k": {"n": None}}})]),
        ("[f(a='single', b='''triple\nline''', c=\"\\u00e9\\n\", d=r'\\d')]", [Call("f", {"a": "single", "b": "triple\nline", "c": "é\n", "d": "\\d"})]),
        ("[f(a=-2.5e-3, b=1E5, c=-7, d=0x10, e=1_000, f=-0.0)]", [Call("f", {"a": -0.0025, "b": 100000.0, "c": -7, "d": 16, "e": 1000, "f": -0.0})]),
        ("[f(a='x' 'y')]", [Call("f", {"a": "xy"})]),  # implicit concatenation is one literal
        ("[f(1, 'two', a=3)]", [Call("f", {"a": 3})]),  # positional arguments dropped, as BFCL does
        ("[f(a={'x': 1, 'x': 2})]", [Call("f", {"a": {"x": 2}})]),
    ],
)
def test_reads_calls_literals_fences_and_brackets(text, calls):
    result = parse_python(text)
    assert result.ok, result.error
    assert result.calls == calls
    assert [type(v) for c in result.calls for v in c.arguments.values()] == [type(v) for c in calls for v in c.arguments.values()]


def test_text_around_a_fence_becomes_content():
    result = parse_python("Calling it now:\n```python\n[f(a=1)]\n```\nDone.")
    assert result.ok and result.calls == [Call("f", {"a": 1})]
    assert result.content == "Calling it now:\nDone."


@pytest.mark.parametrize(
    "text",
    ["I cannot help with that.", "The result is 42", "Sure (why not)", "yes, no", "x = 1", "hello", "", "   "],
)
def test_prose_without_a_call_attempt_is_ok_with_no_calls(text):
    result = parse_python(text)
    assert result.ok and result.calls == []
    assert result.content == text


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("[f(a=1)", 0, "never closed"),
        ("[f(a=1), g(b=2]", 14, "syntax"),
        ("[f(a=1+2)]", 5, "arithmetic"),
        ("[f(a=-x)]", 5, "minus"),
        ("[f(a=+1)]", 5, "minus"),
        ("[f(a=not True)]", 5, "minus"),
        ("[f(a=g(b=1))]", 5, "function call"),
        ("[f(a=g())]", 5, "function call"),
        ("[f(a=os.path)]", 5, "attribute"),
        ("[f(a=os)]", 5, "name"),
        ("[f(a=lambda: 1)]", 5, "lambda"),
        ("[f(a=f'{x}')]", 5, "f-string"),
        ("[f(*args)]", 3, "starred"),
        ("[f(**kw)]", 5, "**"),
        ("[f(a=[*x])]", 6, "starred"),
        ("[f(a={**x})]", 8, "**"),
        ("[f(a={1: 2})]", 6, "keys"),
        ("[f(a={1, 2})]", 5, "set"),
        ("[f(a=x[0])]", 5, "subscript"),
        ("[f(a=b'x')]", 5, "bytes"),
        ("[f(a=1j)]", 5, "complex"),
        ("[f(a=...)]", 5, "ellipsis"),
        ("[f(a=1e999)]", 5, "range"),
        ("[f(a=1 if x else 2)]", 5, "IfExp"),
        ("[f(1+2, a=1)]", 3, "arithmetic"),
        ("[f()()]", 1, "dotted name"),
        ("[x[0](a=1)]", 1, "dotted name"),
        ("[f(a=1), 2]", 9, "expected a function call"),
        ("[1, 2]", 1, "expected a function call"),
        ("f(a=(yield))", 5, "Yield"),
        ("```python\nhello world\n```", 16, "syntax"),
        ("```python\n[f(a=1+2)]\n```", 15, "arithmetic"),
        ("[f(a=1, a=2)]", 8, "repeated"),
        ("[f(a=\"é\", b=x)]", 12, "name"),
    ],
)
def test_malformed_call_attempts_fail_with_a_position(text, position, fragment):
    result = parse_python(text)
    assert not result.ok and result.calls == []
    assert fragment.lower() in result.error.lower()
    assert result.position == position


def test_null_bytes_and_non_text_fail_instead_of_raising():
    assert not parse_python("[f(a=1)]\x00").ok
    assert not parse_python(b"[f(a=1)]").ok  # type: ignore[arg-type]


def test_text_over_the_size_limit_fails_without_parsing():
    result = parse_python("[" + " " * MAX_TEXT_CHARS + "]")
    assert not result.ok and "longer" in result.error


def test_nesting_limit_is_a_failure_not_a_crash():
    deep = "[f(a=" + "[" * 150 + "]" * 150 + ")]"
    assert parse_python(deep).ok
    too_deep = "[f(a=" + "[" * 300 + "]" * 300 + ")]"
    result = parse_python(too_deep)
    assert not result.ok and result.error
