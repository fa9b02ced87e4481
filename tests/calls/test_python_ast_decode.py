"""parse_python(bfcl_compat=True) decodes exactly like the official BFCL decoder, minus its eval.

The text goes through the whole decoder (fast path, then AST fallback), so
these tests pin both paths against the official one.

The reference is ``bfcl_eval.model_handler.utils.default_decode_ast_prompting``
(what ``decode_ast`` of BFCL's prompting handlers runs before the AST checker).
Generated model outputs cover literals, positional and starred arguments,
names, nested calls, tuples, subscripts, lambdas, f-strings, fences, prose and
broken syntax; for each, either both decoders fail, or both give the same
names and the same values with the same types. The one allowed difference:
BFCL evaluates arithmetic, this decoder refuses it.
"""

import ast
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.calls import parse_python
from inftool_jax.calls.python_ast_decode import DecodeError, MAX_NESTING, bfcl_calls, strict_calls

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typed_values import typed  # noqa: E402


@pytest.fixture(scope="module")
def official_decode():
    # BFCL creates folders under BFCL_PROJECT_ROOT when its constants load
    os.environ.setdefault("BFCL_PROJECT_ROOT", tempfile.mkdtemp(prefix="bfcl_root_"))
    utils = pytest.importorskip("bfcl_eval.model_handler.utils")
    return utils.default_decode_ast_prompting


def _agree(official_decode, text):
    ours = parse_python(text, bfcl_compat=True)
    try:
        theirs = official_decode(text)
    except Exception:  # noqa: BLE001 - any official failure is a decode failure
        assert not ours.ok, f"we decoded what BFCL rejects: {text!r} -> {ours.calls}"
        return "both_fail"
    if not ours.ok:
        assert "BFCL would eval" in (ours.error or ""), f"we rejected what BFCL decodes: {text!r}: {ours.error}"
        return "eval_refused"
    assert [typed({c.name: c.arguments}) for c in ours.calls] == [typed(item) for item in theirs], text
    return "both_decode"


_IDENT = st.sampled_from(["f", "g", "get_weather", "x", "_p", "mod.f", "a.b.c", "math.pi", "True"])
_STRINGS = st.sampled_from(
    ["'a'", '"b c"', "'''t\nq'''", '"""u"""', r"'esc\n\t\\'", '"quo\\"te"', "'é😀'", "''", "r'\\d'", "'x' 'y'", "u'z'"]
)
_NUMBERS = st.sampled_from(["0", "1", "-1", "+1", "-2.5", "1e5", "-3E-2", "0x1F", "1_000", "1j", "-0.0", "--1", "~1", "-True", "not 1"])
_ODD = st.sampled_from(
    ["None", "True", "False", "...", "b'by'", "-None", "-'s'", "x[0]", "x[1:2]", "d['k']", "lambda: 1", "lambda x: x",
     "f'{x}'", "a.b", "1 + 2", "3 * 4", "2 ** 3", "{1, 2}", "x if y else z", "1 < 2", "a and b", "(x := 1)", "[i for i in x]", "*x", "'a' + 'b'"]
)


def _values(depth):
    leaf = st.one_of(_STRINGS, _NUMBERS, _ODD, _IDENT)
    if depth == 0:
        return leaf
    inner = _values(depth - 1)
    return st.one_of(
        leaf,
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(inner, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"),
        st.lists(st.tuples(st.one_of(_STRINGS, _NUMBERS, _IDENT, st.just("None")), inner), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        ),
        st.builds(lambda n, a: f"{n}({a})", _IDENT, _arguments(inner)),
    )


def _arguments(values):
    keyword = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["a", "b", "city", "n_1", "a"]), values)
    positional = st.one_of(values, values.map(lambda v: "*" + v), st.just("**kw"))
    return st.lists(st.one_of(keyword, keyword, positional), max_size=4).map(", ".join)


_CALLS = st.builds(lambda n, a: f"{n}({a})", _IDENT, _arguments(_values(2)))
_WRAPPERS = st.sampled_from(
    ["[{}]", "{}", "  [{}]\n", "```python\n[{}]\n```", "```\n{}\n```", "`{}`", "'[{}]'", "Sure! [{}]", "[{}] done",
     "[{}", "{}]", "\t[{}]", "[[{}]]", "({})", "[{}][0]", "[{}], [g(a=1)]", "I cannot do that. {}"]
)
MODEL_OUTPUTS = st.builds(
    lambda wrapper, calls, sep: wrapper.replace("{}", sep.join(calls)),
    _WRAPPERS,
    st.lists(_CALLS, min_size=0, max_size=3),
    st.sampled_from([", ", ",", " , ", ",\n", " "]),
)


@settings(max_examples=400)
@given(text=MODEL_OUTPUTS)
def test_bfcl_compat_decodes_exactly_like_the_official_decoder(official_decode, text):
    _agree(official_decode, text)


@pytest.mark.slow
@settings(max_examples=6000)
@given(text=MODEL_OUTPUTS)
def test_bfcl_compat_agrees_with_the_official_decoder_on_many_more_outputs(official_decode, text):
    _agree(official_decode, text)


@pytest.mark.parametrize(
    "text",
    [
        "[f(a=1), mod.g(b='x', c=[1, {'k': -2.5}])]",
        "[f(1, 2, a=3)]",
        "[f(*x, a=1)]",
        "[f(**kw)]",
        "[f(a=(1, 2), b=x, c=g(h=1), d=k(), e=-True, f=+2, g=b'x', h=1j, i=..., j=z[1], k=z[1, 2])]",
        "[f(a={1: 2, 'b': (3,)})]",
        "[f(a={**x})]",
        "[f(a=lambda: 1)]",
        "[f(a=-(-1))]",
        "[f(a=1, a=2)]",
        "[x.y.z(q=None)]",
        "```python\n[f(a=1)]\n```",
        "```\nf(a=1)\n```",
        "f(a=1), g(b=2)",
        "[]",
        "",
        "No function call is needed.",
        "[f(a='```')]",
        "[a.b(c=1)(d=2)]",
    ],
)
def test_bfcl_compat_agrees_on_hand_picked_cases(official_decode, text):
    _agree(official_decode, text)


@pytest.mark.parametrize("text", ["[f(a=1+2)]", "f(a=2*3)", "[f(a='ab'+'c')]", "```\n[f(a=2**0.5)]\n```", "[f(a=[1, 2*3])]"])
@pytest.mark.parametrize("bfcl_compat", [True, False])
def test_arithmetic_is_a_decode_failure_in_every_mode(text, bfcl_compat):
    result = parse_python(text, bfcl_compat=bfcl_compat)
    assert not result.ok and result.calls == []
    assert ("BFCL would eval" if bfcl_compat else "arithmetic") in result.error


def test_bfcl_compat_reads_calls_with_and_without_brackets_and_bare_fences():
    def pairs(text):
        result = parse_python(text, bfcl_compat=True)
        assert result.ok, result.error
        return [(c.name, c.arguments) for c in result.calls]

    assert pairs("[f(a=1), m.g(b='x', c=[1, {'k': -2.5}])]") == [("f", {"a": 1}), ("m.g", {"b": "x", "c": [1, {"k": -2.5}]})]
    assert pairs("f(a=1)") == [("f", {"a": 1})]
    assert pairs("```\n[f(a=True, b=None)]\n```") == [("f", {"a": True, "b": None})]
    assert pairs("[]") == []


@pytest.mark.parametrize(
    ("text", "arguments"),
    [
        ("[f(1, a=2)]", {"a": 2}),  # positional arguments dropped
        ("[f(a=x)]", {"a": "x"}),  # a bare name decodes to its identifier
        ("[f(a=+5)]", {"a": -5}),  # any unary operator on a constant negates it
        ("[f(a=g(1))]", {"a": "g(1)"}),
        ("[f(a=g(b=1))]", {"a": {"g": {"b": 1}}}),
        ("[f(a=(1, 2))]", {"a": (1, 2)}),
        ("[f(a=1, a=2)]", {"a": 2}),  # a repeated keyword keeps the last value
        ("[f(a=z[1])]", {"a": "z[1]"}),
    ],
)
def test_bfcl_compat_reproduces_bfcl_quirks(text, arguments):
    result = parse_python(text, bfcl_compat=True)
    assert result.ok, result.error
    assert [typed(c.arguments) for c in result.calls] == [typed(arguments)]


def test_bfcl_compat_keeps_tuples_names_and_nested_calls_like_bfcl():
    result = parse_python("[f(a=(1, 2), b=loc, c=g(h=1), d=k(1))]", bfcl_compat=True)
    assert result.ok
    (call,) = result.calls
    assert call.arguments == {"a": (1, 2), "b": "loc", "c": {"g": {"h": 1}}, "d": "k(1)"}
    assert type(call.arguments["a"]) is tuple


def test_bfcl_compat_fails_on_prose_and_fences_as_bfcl_does():
    assert not parse_python("I cannot help.", bfcl_compat=True).ok
    assert not parse_python("```python\n[f(a=1)]\n```", bfcl_compat=True).ok
    assert parse_python("```python\n[f(a=1)]\n```").ok  # the project's own reading accepts fences


def test_strict_decoder_refuses_nesting_beyond_the_limit_in_a_built_tree():
    # the tokenizer stops at 200 brackets, so build the deep tree directly
    node: ast.expr = ast.Constant(1)
    for _ in range(MAX_NESTING + 5):
        node = ast.List(elts=[node], ctx=ast.Load())
    call = ast.Call(func=ast.Name("f", ast.Load()), args=[], keywords=[ast.keyword(arg="a", value=node)])
    with pytest.raises(DecodeError, match="deeper"):
        strict_calls(call)


def test_bfcl_decoder_reports_recursion_as_an_error_not_a_crash():
    node: ast.expr = ast.Constant(1)
    for _ in range(50_000):
        node = ast.List(elts=[node], ctx=ast.Load())
    call = ast.Call(func=ast.Name("f", ast.Load()), args=[], keywords=[ast.keyword(arg="a", value=node)])
    with pytest.raises(RecursionError):
        bfcl_calls(call)  # parse_python catches this; the decoder itself just must not segfault
