"""A fast reader for the common shape of BFCL Python-call text, without ``ast``.

Most model answers are ``[name(kw=literal, ...), ...]`` with plain literals.
One C-level ``re.findall`` tokenises the text and a small recursive descent
reads that subset several times faster than ``ast.parse`` plus a tree walk.
It never evaluates anything: it only recognises literals.

:func:`fast_calls` either returns exactly what the AST decoders of
:mod:`inftool_jax.calls.python_ast_decode` would return for the same text, or
raises :class:`Bail` (the text is outside the subset: escapes, nested calls,
arithmetic, comments, odd numbers or whitespace, deep nesting, ...) so the
caller falls back to ``ast.parse``. In BFCL mode it may instead raise
:class:`CannotDecode` when the AST path is certain to fail, which saves a
doomed ``ast.parse``: two atoms side by side (prose such as ``I'm sorry``),
unbalanced brackets (a cut-off answer), or a list element that cannot be a
call (``[python\\n[f()]]``, what BFCL's string steps make of a
```` ```python ```` fence). Property tests pin the agreement of both paths in
both modes (tests/calls/test_python_fast_path.py).

Modes, mirroring the two AST decoders:

- ``bfcl=True`` (:func:`~inftool_jax.calls.python_ast_decode.bfcl_calls`):
  the text is already bracketed by BFCL's string steps; bare names decode to
  their identifier string, ``+n`` decodes to ``-n`` (BFCL negates whatever
  the unary operator), tuples stay tuples, any hashable dict key is kept, a
  repeated keyword keeps the last value.
- ``bfcl=False`` (:func:`~inftool_jax.calls.python_ast_decode.strict_calls`):
  JSON literals only (``True``/``False``/``None`` are the only names), tuples
  read as lists, string dict keys, finite numbers, no repeated keywords; the
  outer brackets are optional on a single line. Anything the strict decoder
  refuses makes the fast path bail, so the AST path reports the error with
  its position.

Both drop positional arguments after reading them as values, as BFCL does.
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any

# One token per match, the token's text (a single group makes the cheapest findall):
# punctuation, an identifier, a plain string (no escapes, one line) or a number.
# Anything else swallows the rest of the text as one last token, which
# fast_calls replaces by _OTHER: the fast path stops there anyway.
_VALID = (
    r"""[\[\]{}(),:=.]"""
    r"""|[A-Za-z_][A-Za-z0-9_]*"""
    r"""|"[^"\\\n\r\x00]*+"|'[^'\\\n\r\x00]*+'"""
    r"""|[-+]?(?:0|[1-9][0-9]{0,80})(?:\.[0-9]{1,80})?(?:[eE][+-]?[0-9]{1,3})?(?![\w.])"""
)
_TOKEN = re.compile(r"[ \t\n]*+(" + _VALID + r"|.+)", re.DOTALL)
_VALID_TOKEN = re.compile(_VALID)
# Markers no token can equal; their first character starts no token kind.
_END = "\x00"  # after the last token: every lookahead finds one
_OTHER = "\x00other"
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_QUOTES = frozenset("'\"")
_DIGITS = frozenset("0123456789")
_NUMBER_START = _DIGITS | {"-", "+"}
_ATOM_START = _NAME_START | _QUOTES | _NUMBER_START
_OPEN_OF = {")": "(", "]": "[", "}": "{"}
_CONSTANTS = {"True": True, "False": False, "None": None}
_NOT_NAMES = frozenset(keyword.kwlist) | {"__debug__"}
# CPython's tokenizer refuses 200 nested brackets; fewer openers than that cannot nest that deep.
_MAX_OPENERS = 199
# Python string prefixes (any case): a name like this directly before a quote is part of the literal.
_STRING_PREFIXES = frozenset(("r", "u", "b", "f", "br", "rb", "fr", "rf"))
_TRIPLE_QUOTES = ("'" * 3, '"' * 3)


class Bail(Exception):
    """The text is outside the fast subset: decide with ``ast.parse``."""


class CannotDecode(Exception):
    """BFCL mode: the AST path is certain to fail on this text (see the module doc)."""


def _number(num: str, strict: bool) -> Any:
    if "." in num or "e" in num or "E" in num:
        value = float(num)
        if strict and not math.isfinite(value):
            raise Bail  # the strict decoder reports "out of range" with a position
    else:
        value = int(num)
    if num[0] == "+":
        if strict:
            raise Bail  # the strict decoder allows only a minus sign
        return -value  # BFCL reads any unary operator on a number as a minus
    return value


def _value(toks: list, i: int, strict: bool) -> tuple[Any, int]:
    tok = toks[i]
    first = tok[0]
    if first in _QUOTES:
        return tok[1:-1], i + 1
    if first in _NAME_START:
        if tok in _CONSTANTS:
            return _CONSTANTS[tok], i + 1
        if strict or tok in _NOT_NAMES or toks[i + 1] in ("(", "[", "."):
            raise Bail  # strict refuses names; a keyword, call, subscript or attribute is the AST's
        return tok, i + 1
    if first in _NUMBER_START:
        return _number(tok, strict), i + 1
    if tok == "[":
        items, i, _ = _sequence(toks, i + 1, "]", strict)
        return items, i
    if tok == "(":
        items, i, trailing = _sequence(toks, i + 1, ")", strict)
        if len(items) == 1 and not trailing:
            return items[0], i  # (x) is x, not a tuple
        return (items if strict else tuple(items)), i
    if tok == "{":
        out = {}
        i += 1
        while toks[i] != "}":
            key, i = _value(toks, i, strict)
            if (type(key) is not str if strict else type(key) in (list, dict)) or toks[i] != ":":
                raise Bail
            out[key], i = _value(toks, i + 1, strict)
            i = _past_separator(toks, i, "}")
        return out, i + 1
    raise Bail


def _past_separator(toks: list, i: int, close: str) -> int:
    """After an item: the index past its comma, or of the closer that ends the display."""
    sep = toks[i]
    if sep == ",":
        return i + 1
    if sep != close:
        raise Bail
    return i


def _sequence(toks: list, i: int, close: str, strict: bool) -> tuple[list, int, bool]:
    """The items of a ``[..]`` or ``(..)`` display from just after its opener, the
    index after its closer, and whether a comma came last."""
    items = []
    while toks[i] != close:
        item, i = _value(toks, i, strict)
        items.append(item)
        i = _past_separator(toks, i, close)
    return items, i + 1, toks[i - 1] == ","


def _calls(toks: list, bracketed: bool, strict: bool) -> list[tuple[str, dict]]:
    calls = []
    i = 1 if bracketed else 0
    close = "]" if bracketed else _END
    while toks[i] != close:
        name = toks[i]
        if name[0] not in _NAME_START or name in _NOT_NAMES:
            raise Bail
        i += 1
        while toks[i] == ".":
            part = toks[i + 1]
            if part[0] not in _NAME_START or part in _NOT_NAMES:
                raise Bail
            name = name + "." + part
            i += 2
        if toks[i] != "(":
            raise Bail
        i += 1
        args: dict = {}
        while toks[i] != ")":
            kw = toks[i]
            if kw[0] not in _NAME_START or toks[i + 1] != "=":
                if args:
                    raise Bail  # positional after keyword: a SyntaxError the AST path reports
                _, i = _value(toks, i, strict)  # positional: dropped, as BFCL drops it, but it must parse
            else:
                if kw in _NOT_NAMES or (strict and kw in args):
                    raise Bail
                tok = toks[i + 2]
                if tok[0] in _QUOTES:  # plain string: the common case, read inline
                    args[kw] = tok[1:-1]
                    i += 3
                else:
                    args[kw], i = _value(toks, i + 2, strict)
            i = _past_separator(toks, i, ")")
        calls.append((name, args))
        i = _past_separator(toks, i + 1, close)
    if i + (2 if bracketed else 1) != len(toks):  # only the sentinel may follow
        raise Bail
    return calls


def _must_fail(toks: list, text: str) -> bool:
    """True only when ``ast.parse`` plus BFCL's decoding must fail on ``text``.

    Judged only where our tokens are Python's: no backslashes or triple
    quotes, and nothing from the first token outside the subset on (nor from
    an f-string on, whose braces Python may tokenise).
    """
    if "\\" in text or _TRIPLE_QUOTES[0] in text or _TRIPLE_QUOTES[1] in text:
        return False
    # two atoms side by side are a SyntaxError: `I'm sorry` is a name and a string
    for k in range(len(toks) - 1):
        tok = toks[k]
        if tok[0] in _NAME_START and tok not in _NOT_NAMES:
            nxt = toks[k + 1]
            if nxt == _OTHER:
                return False
            first = nxt[0]
            if first in _QUOTES:
                prefix = tok.lower()
                if prefix not in _STRING_PREFIXES:
                    return True
                if "f" in prefix:
                    return False
            elif (first in _NAME_START and nxt not in _NOT_NAMES) or first in _DIGITS:  # `x -1` subtracts
                return True
    if toks[-2] == _OTHER:
        return False
    # unbalanced brackets are a SyntaxError
    stack: list[int] = []
    close_of: dict[int, int] = {}
    for k, tok in enumerate(toks):
        if tok in ("(", "[", "{"):
            stack.append(k)
        elif tok in (")", "]", "}"):
            if not stack or toks[stack[-1]] != _OPEN_OF[tok]:
                return True
            close_of[stack.pop()] = k
    if stack:
        return True
    last = len(toks) - 2  # the outer list's closing bracket, when it closes at the end
    if toks[0] != "[" or close_of.get(0) != last:
        return False
    # the outer list's elements must be calls: a lone atom, a [..] or {..} display, or name[..] is none
    first = toks[1]
    if first == "[" or first == "{":
        end = close_of[1] + 1
    elif first[0] in _NAME_START and toks[2] == "[":
        end = close_of[2] + 1
    elif first[0] in _ATOM_START:
        end = 2
    else:
        return False
    return end == last or toks[end] == ","


def fast_calls(text: str, *, bfcl: bool) -> list[tuple[str, dict]]:
    """``(name, arguments)`` pairs of ``text``, or :class:`Bail` / :class:`CannotDecode` (see the module doc).

    With ``bfcl=True`` the text must already carry BFCL's outer brackets.
    """
    if not text or text[0] in " \t\n":
        raise Bail  # Python refuses an indented expression
    if not text.isascii():
        try:
            text.encode("utf-8")  # lone surrogates make ast.parse fail; let it
        except UnicodeEncodeError:
            raise Bail from None
    if len(text) > _MAX_OPENERS and text.count("[") + text.count("(") + text.count("{") > _MAX_OPENERS:
        raise Bail
    toks = _TOKEN.findall(text)
    last = toks[-1]
    if last != "]" and _VALID_TOKEN.fullmatch(last) is None:  # "]", the usual end, is never the rest
        toks[-1] = _OTHER
    toks.append(_END)
    bracketed = toks[0] == "["
    if not bracketed and (bfcl or toks[0][0] not in _NAME_START or "\n" in text):
        raise Bail  # unbracketed: a call must come first, and a line break would end the expression
    try:
        return _calls(toks, bracketed, not bfcl)
    except Bail:
        if bfcl and _must_fail(toks, text):
            raise CannotDecode from None
        raise
    except (TypeError, RecursionError):  # an unhashable dict key; degenerate nesting
        raise Bail from None
