"""The fast tokenising path gives exactly what the AST decoders give, in both modes, or bails."""

import ast
import string
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.calls import parse_python
from inftool_jax.calls.python_ast_decode import DecodeError, bfcl_calls, strict_calls
from inftool_jax.calls.python_fast_path import Bail, CannotDecode, fast_calls

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typed_values import typed  # noqa: E402

MODES = [True, False]


def via_ast(text, bfcl):
    """The AST path's pairs, or None where it fails."""
    try:
        body = ast.parse(text, mode="eval").body
        if bfcl:
            return [(name, args) for item in bfcl_calls(body) for name, args in item.items()]
        return strict_calls(body)
    except (SyntaxError, ValueError, TypeError, DecodeError, RecursionError, MemoryError):
        return None


def via_fast(text, bfcl):
    """"bail", "cannot_decode", or the fast path's pairs."""
    try:
        return fast_calls(text, bfcl=bfcl)
    except Bail:
        return "bail"
    except CannotDecode:
        return "cannot_decode"


def assert_paths_agree(text, bfcl):
    fast = via_fast(text, bfcl)
    if fast == "bail":
        return "bail"
    slow = via_ast(text, bfcl)
    if fast == "cannot_decode":
        assert bfcl and slow is None, text
        return "cannot_decode"
    assert slow is not None, f"fast path read what the AST path refuses: {text!r}"
    assert [(n, typed(a)) for n, a in fast] == [(n, typed(a)) for n, a in slow], text
    return "read"


_ATOMS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(alphabet=string.printable, max_size=8),
    st.text(alphabet="é漢😀\u2028 ", max_size=3),
)
_VALUES = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(string.ascii_letters, max_size=3), inner, max_size=3),
    ),
    max_leaves=8,
)
_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,5}(\.[a-z_][a-z0-9_]{0,4})?", fullmatch=True)
_KEYWORDS = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True)


@given(
    calls=st.lists(st.tuples(_NAMES, st.dictionaries(_KEYWORDS, _VALUES, max_size=4)), max_size=3),
    sep=st.sampled_from([", ", ",", " , ", ",\n"]),
    bfcl=st.sampled_from(MODES),
    brackets=st.booleans(),
)
def test_fast_path_equals_ast_path_on_generated_answers(calls, sep, bfcl, brackets):
    body = sep.join(f"{n}(" + sep.join(f"{k}={v!r}" for k, v in a.items()) + ")" for n, a in calls)
    text = f"[{body}]" if brackets or bfcl else body
    assert_paths_agree(text, bfcl)


def test_generated_answer_shapes_are_read_by_the_fast_path_not_handed_to_ast():
    text = "[f(a='x', b=[1, -2.5, True], c={'k': None}, d=(1,)), mod.g(e=\"y\", f=1e5)]"
    for bfcl in MODES:
        assert assert_paths_agree(text, bfcl) == "read"
    assert fast_calls(text, bfcl=True)[0][1]["d"] == (1,)
    assert fast_calls(text, bfcl=False)[0][1]["d"] == [1]
    assert fast_calls("f(a=1), g(b=2)", bfcl=False) == [("f", {"a": 1}), ("g", {"b": 2})]


_FUZZ = "[](){}=,.:'\" \n\tabfrRuIimTNx019-+*e_#\\\r\x0cé\u2028\x00"
_FUZZ_PIECES = st.sampled_from(list(_FUZZ) + ["f(", "a=", "g.h(", "python\n[", "True", "'x'", "1.5", "+2", "(1,)", "lambda", "f'{"])


@settings(max_examples=1500)
@given(text=st.text(alphabet=_FUZZ, max_size=30), bfcl=st.sampled_from(MODES), brackets=st.booleans())
def test_fast_path_equals_ast_path_on_fuzzed_text(text, bfcl, brackets):
    assert_paths_agree(f"[{text}]" if brackets or bfcl else text, bfcl)


@settings(max_examples=1500)
@given(text=st.lists(_FUZZ_PIECES, max_size=14).map("".join), bfcl=st.sampled_from(MODES), brackets=st.booleans())
def test_fast_path_equals_ast_path_on_fuzzed_call_fragments(text, bfcl, brackets):
    assert_paths_agree(f"[{text}]" if brackets or bfcl else text, bfcl)


@pytest.mark.parametrize(
    "text",
    [
        "[f(a=2*3)]", "[f(a='a'+'b')]", "[f(a=2**0.5)]", "[f(a=1-1)]", "[f(a=1 -1)]", "[f(a=[1]*3)]",
        "[f(a=-x)]", "[f(a=__import__('os').system('true') + 1)]", "[f(a=1/0)]",
    ],
)
def test_arithmetic_is_left_to_the_ast_path_which_refuses_it_in_every_mode(text):
    for bfcl in MODES:
        assert via_fast(text, bfcl) == "bail"
        assert not parse_python(text, bfcl_compat=bfcl).ok


@pytest.mark.parametrize(
    ("text", "bfcl", "expected"),
    [
        ("[f(a=x)]", True, [("f", {"a": "x"})]),  # a bare name is its identifier, as BFCL decodes it
        ("[f(a=x)]", False, "bail"),  # the strict decoder reports the name with its position
        ("[f(a=1, a=2)]", True, [("f", {"a": 2})]),
        ("[f(a=1, a=2)]", False, "bail"),
        ("[f(a={1: 2})]", True, [("f", {"a": {1: 2}})]),
        ("[f(a={1: 2})]", False, "bail"),
        ("[f(a=1e999)]", False, "bail"),
        ("[f(1, 'x', a=2)]", True, [("f", {"a": 2})]),  # positional arguments dropped
        ("[f(a=g(1))]", True, "bail"),  # nested calls are the AST path's
        ("[f(a={(1, [2]): 3})]", True, "bail"),  # unhashable key: TypeError, not a crash
        ("f(a=1)\n", False, "bail"),
        ("[I'm sorry, I can't]", True, "cannot_decode"),
        ("[I'm sorry, I can't]", False, "bail"),
        ("[f(a=+5, b=+0.5)]", True, [("f", {"a": -5, "b": -0.5})]),  # BFCL negates under any unary operator
        ("[f(a=+5)]", False, "bail"),
        ("[f(a=1]", True, "cannot_decode"),  # unbalanced: a cut-off answer
        ("[f(a=[1)]]", True, "cannot_decode"),
        ("[python\n[f(a=1), g(b=2)]]", True, "cannot_decode"),  # a ```python fence after BFCL's strip
        ("[python\n[f(a=1)](b=2)]", True, "bail"),  # a call of a subscript: BFCL decodes it
        ("[json\n[{'a': 1}]]", True, "cannot_decode"),
        ("[hello, f()]", True, "cannot_decode"),
        ("[(f(a=1))]", True, "bail"),  # a parenthesised call is a call
        ("[f'{x y}']", True, "bail"),  # f-string braces: not judged
    ],
)
def test_mode_differences_and_bail_cases(text, bfcl, expected):
    assert via_fast(text, bfcl) == expected
    assert_paths_agree(text, bfcl)


def test_nesting_deep_enough_for_cpython_to_refuse_is_left_to_it():
    ok = "[f(a=" + "[" * 190 + "]" * 190 + ")]"
    assert via_fast(ok, True) != "bail" and assert_paths_agree(ok, True) == "read"
    deep = "[f(a=" + "[" * 250 + "]" * 250 + ")]"
    assert via_fast(deep, True) == "bail" and via_ast(deep, True) is None


def _judged_prose(text):
    return via_fast(text, True) == "cannot_decode"


def test_prose_judgement_never_rejects_python():
    for text in ("[x -1]", "[r'a']", "[f(a=1) if x else y]", "[not x]", "[f(a='''I'm''')]", "[f(a=b'x')]", "[f(a=x) for x in y]"):
        assert not _judged_prose(text), text
    for text in ("[I'm sorry, I can't]", "[Sure thing]", "[the 3 of us]"):
        assert _judged_prose(text), text
