"""Decoding BFCL results: BFCL's quirks, safe arithmetic, fast path equals AST path."""

import string

from hypothesis import given, settings, strategies as st

from inftool_jax.evaluate import bfcl_decode as D


def pairs(text):
    d = D.decode_python(text)
    assert d.status == D.OK, d.error
    return d.pairs


def test_decodes_calls_with_and_without_brackets_and_fences():
    assert pairs("[f(a=1), m.g(b='x', c=[1, {'k': -2.5}])]") == [("f", {"a": 1}), ("m.g", {"b": "x", "c": [1, {"k": -2.5}]})]
    assert pairs("f(a=1)") == [("f", {"a": 1})]
    assert pairs("```\n[f(a=True, b=None)]\n```") == [("f", {"a": True, "b": None})]


def test_reproduces_bfcl_quirks():
    assert pairs("[f(1, a=2)]") == [("f", {"a": 2})]  # positional arguments dropped
    assert pairs("[f(a=x)]") == [("f", {"a": "x"})]  # bare name -> its identifier
    assert pairs("[f(a=+5)]") == [("f", {"a": -5})]  # any unary op on a constant negates
    assert pairs("[f(a=g(1))]") == [("f", {"a": "g(1)"})]
    assert pairs("[f(a=g(b=1))]") == [("f", {"a": {"g": {"b": 1}}})]
    assert pairs("[f(a=(1, 2))]") == [("f", {"a": (1, 2)})]
    assert pairs("[f(a=1, a=2)]") == [("f", {"a": 2})]


def test_arithmetic_is_evaluated_without_running_code():
    assert pairs("[f(a=2*3, b='ab'+'c', c=2**0.5)]") == [("f", {"a": 6, "b": "abc", "c": 2 ** 0.5})]
    for text in ("[f(a=__import__('os').system('true') + 1)]", "[f(a=9**9**9)]", "[f(a='x'*10**9)]", "[f(a=1/0)]"):
        assert D.decode_python(text).status == D.DECODE_FAILED


def test_prose_and_broken_text_fail_to_decode():
    assert D.decode_python("Sorry, I cannot help.").status == D.DECODE_FAILED
    assert D.decode_python("[f(a=1").status == D.DECODE_FAILED
    assert D.decode_python("[f(a=1), 2]").status == D.DECODE_FAILED
    assert D.decode_python("").pairs == [] and not D.decode_python("").has_call


def test_hermes_and_decoded_lists():
    d = D.decode_result('<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>')
    assert d.status == D.OK and d.pairs == [("f", {"a": 1})]
    assert D.decode_result([{"f": {"a": 1}}]).pairs == [("f", {"a": 1})]
    assert D.decode_result([{"name": "f", "arguments": {"a": 1}}]).pairs == [("f", {"a": 1})]
    assert D.decode_result([{}]).status == D.WRONG_FORMAT
    assert D.decode_result(3).status == D.WRONG_FORMAT


def _via_ast(text):
    return D._decode_with_ast(text)


_atoms = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.text(alphabet=string.printable, max_size=8),
)
_values = st.recursive(_atoms, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(string.ascii_letters, max_size=3), inner, max_size=3)), max_leaves=8)
_names = st.from_regex(r"[a-z_][a-z0-9_]{0,5}(\.[a-z_][a-z0-9_]{0,4})?", fullmatch=True)


@given(st.lists(st.tuples(_names, st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True), _values, max_size=4)), max_size=3),
       st.sampled_from([", ", ",", " , ", ",\n"]))
def test_fast_path_equals_ast_path_on_generated_answers(calls, sep):
    text = "[" + sep.join(f"{n}(" + sep.join(f"{k}={v!r}" for k, v in a.items()) + ")" for n, a in calls) + "]"
    fast = D.decode_python(text)
    slow = _via_ast(text)
    assert fast.status == slow.status
    assert repr(fast.pairs) == repr(slow.pairs)


@settings(max_examples=1500)
@given(st.text(alphabet="[](){}=,.:'\" \n\tabfrRuIimTNx019-+e_#\\", max_size=30))
def test_fast_path_equals_ast_path_on_fuzzed_text(text):
    text = "[" + text + "]"
    try:
        fast = D._fast_calls(text)
    except D._Bail:
        return
    except D._Prose:  # judged "cannot be Python": the AST path must fail too
        assert _via_ast(text).status == D.DECODE_FAILED
        return
    slow = _via_ast(text)
    assert slow.status == D.OK and repr(fast) == repr(slow.pairs)


def _judged_prose(text):
    try:
        D._fast_calls(text)
    except D._Bail:
        return False
    except D._Prose:
        return True
    return False


def test_prose_judgement_never_rejects_python():
    for text in ("[x -1]", "[r'a']", "[f(a=1) if x else y]", "[not x]", "[f(a='''I'm''')]", "[f(a=b'x')]", "[f(a=x) for x in y]"):
        assert not _judged_prose(text), text
    for text in ("[I'm sorry, I can't]", "[Sure thing]", "[the 3 of us]"):
        assert _judged_prose(text), text
