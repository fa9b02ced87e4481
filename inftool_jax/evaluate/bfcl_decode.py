"""Decode a BFCL result the way the official runner decodes it, without running code.

BFCL's prompting handlers read model text as a Python list of calls
(``default_decode_ast_prompting`` + ``ast_parse``): strip backticks, newlines
and spaces, add the missing ``[``/``]``, ``ast.parse`` in eval mode, keep only
keyword arguments (positional ones are silently dropped), and turn each value
node into a Python value. This module reproduces those rules, quirks included,
because verdicts must agree with the official checker:

- ``-x``, ``+x``, ``~x`` and ``not x`` on a constant all decode to ``-x``;
- a bare name decodes to its identifier string (``f(a=x)`` -> ``"x"``);
- a nested call without keywords decodes to its source text, with keywords to
  ``{name: {kw: value}}``; a subscript to its source text;
- tuples stay tuples; a repeated keyword keeps the last value.

One deliberate difference: BFCL ``eval``s binary operations (``2*3``), which
would run arbitrary model text. We evaluate them only over constants, lists and
tuples with ``+ - * / // % **`` and size bounds; anything else (names,
attribute access, calls inside arithmetic, huge powers) is a decode failure
where the official decoder might have produced a value.

Results may also be our Hermes ``<tool_call>`` format (read with
:func:`inftool_jax.calls.parse_hermes`) or a list already decoded
(``[{name: {param: value}}]`` or ``[{"name", "arguments"}]``).
"""

from __future__ import annotations

import ast
import keyword
import operator
import re
from typing import Any

from inftool_jax.calls.call import Call

OK = "ok"
DECODE_FAILED = "ast_decoder:decoder_failed"
WRONG_FORMAT = "ast_decoder:decoder_wrong_output_format"

# Bounds for the arithmetic we agree to evaluate (BFCL would eval without limits).
_MAX_POW_EXPONENT = 1000
_MAX_SEQUENCE_LEN = 100_000


class Decoded:
    """Calls read from one result. ``status`` is OK, DECODE_FAILED or WRONG_FORMAT.

    ``pairs`` holds ``(name, arguments)`` tuples (what the checker reads, cheap
    to build); ``calls`` gives them as :class:`Call` objects.
    """

    __slots__ = ("status", "pairs", "error")

    def __init__(self, status: str, pairs: list | None = None, error: str | None = None):
        self.status = status
        self.pairs = pairs if pairs is not None else []
        self.error = error

    @property
    def calls(self) -> list[Call]:
        return [Call(name, args) for name, args in self.pairs]

    @property
    def has_call(self) -> bool:
        """BFCL's relevance test: decoded, in call format, and not empty."""
        return self.status == OK and len(self.pairs) > 0

    def __repr__(self) -> str:
        return f"Decoded({self.status!r}, {self.pairs!r}, error={self.error!r})"


class _Refused(Exception):
    """A value node BFCL would decode (or eval) that we do not accept."""


def _unsupported(node: ast.AST) -> Any:
    raise _Refused(f"unsupported expression {type(node).__name__}")


def _v_constant(node: ast.Constant) -> Any:
    return "..." if node.value is Ellipsis else node.value


def _v_unary(node: ast.UnaryOp) -> Any:
    # BFCL negates operand.value whatever the operator is; mirror it.
    operand = node.operand
    if not isinstance(operand, ast.Constant):
        raise _Refused("unary operator on a non-constant")
    try:
        return -operand.value
    except TypeError as err:
        raise _Refused(str(err)) from None


def _v_list(node: ast.List) -> Any:
    return [_value(v) for v in node.elts]


def _v_tuple(node: ast.Tuple) -> Any:
    return tuple(_value(v) for v in node.elts)


def _v_dict(node: ast.Dict) -> Any:
    out = {}
    for k, v in zip(node.keys, node.values):
        if k is None:
            raise _Refused("dict unpacking")
        key = _value(k)
        try:
            out[key] = _value(v)
        except TypeError as err:  # unhashable key
            raise _Refused(str(err)) from None
    return out


def _v_name(node: ast.Name) -> Any:
    return node.id


def _v_call(node: ast.Call) -> Any:
    if not node.keywords:
        return ast.unparse(node)
    name, args = _call(node)
    return {name: args}


def _v_subscript(node: ast.Subscript) -> Any:
    return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"


def _v_binop(node: ast.BinOp) -> Any:
    return _arith(node)


_VALUE = {
    ast.Constant: _v_constant,
    ast.UnaryOp: _v_unary,
    ast.List: _v_list,
    ast.Dict: _v_dict,
    ast.BinOp: _v_binop,
    ast.Name: _v_name,
    ast.Call: _v_call,
    ast.Tuple: _v_tuple,
    ast.Subscript: _v_subscript,
}


def _value(node: ast.AST) -> Any:
    return _VALUE.get(type(node), _unsupported)(node)


def _bounded_mul(a: Any, b: Any) -> Any:
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
            if len(seq) * max(n, 0) > _MAX_SEQUENCE_LEN:
                raise _Refused("repetition too large")
    return operator.mul(a, b)


def _bounded_pow(a: Any, b: Any) -> Any:
    if isinstance(b, (int, float)) and abs(b) > _MAX_POW_EXPONENT:
        raise _Refused("exponent too large")
    return operator.pow(a, b)


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _bounded_mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _bounded_pow,
}
_UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}


def _arith(node: ast.AST) -> Any:
    """Python semantics (as ``eval`` would give) over a whitelist of node types."""
    kind = type(node)
    if kind is ast.Constant:
        if isinstance(node.value, str) and len(node.value) > _MAX_SEQUENCE_LEN:
            raise _Refused("string too large")
        return node.value
    if kind is ast.List:
        return [_arith(e) for e in node.elts]
    if kind is ast.Tuple:
        return tuple(_arith(e) for e in node.elts)
    if kind is ast.UnaryOp and type(node.op) in _UNOPS:
        try:
            return _UNOPS[type(node.op)](_arith(node.operand))
        except (TypeError, ValueError, ArithmeticError) as err:
            raise _Refused(str(err)) from None
    if kind is ast.BinOp and type(node.op) in _BINOPS:
        left, right = _arith(node.left), _arith(node.right)
        try:
            return _BINOPS[type(node.op)](left, right)
        except (TypeError, ValueError, ArithmeticError) as err:
            raise _Refused(str(err)) from None
    raise _Refused(f"unsupported expression {kind.__name__} in arithmetic")


def _call_name(func: ast.AST) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _call(node: ast.Call) -> tuple[str, dict]:
    args = {}
    for kw in node.keywords:
        # kw.arg is None for **kwargs; BFCL stores it under None, so do we.
        args[kw.arg] = _value(kw.value)
    return _call_name(node.func), args


# Fast path: most answers are `[name(kw=literal, ...), ...]` with plain literals.
# One C-level findall tokenises the text and a small recursive descent reads
# that subset several times faster than building an AST. On anything outside
# it (escapes, nested calls, arithmetic, comments, odd numbers or whitespace)
# it gives up and ast.parse decides, so results are identical either way (a
# test pins this on the whole corruption suite and on fuzzed text).
_TOKEN = re.compile(
    r"""[ \t\n]*(?:"""
    r"""("[^"\\\n\r\x00]*"|'[^'\\\n\r\x00]*')"""  # 0: plain string literal
    r"""|(-?(?:0|[1-9][0-9]{0,80})(?:(\.[0-9]{1,80})?([eE][+-]?[0-9]{1,3})?))(?![\w.])"""  # 1: number, 2/3: float parts
    r"""|([A-Za-z_][A-Za-z0-9_]*)"""  # 4: identifier
    r"""|([\[\]{}(),:=.])"""  # 5: punctuation
    r"""|(.))""",  # 6: anything else -> not the fast subset
    re.DOTALL,
)
_CONSTANTS = {"True": True, "False": False, "None": None}
_NOT_NAMES = frozenset(keyword.kwlist) | {"__debug__"}


class _Bail(Exception):
    """The fast path does not handle this text; fall back to ast.parse."""


def _fast_value(toks: list, i: int) -> tuple[Any, int]:
    string, num, frac, exp, name, punct, other = toks[i]
    if string:
        return string[1:-1], i + 1
    if num:
        return (float(num) if frac or exp else int(num)), i + 1
    if name:
        if name in _CONSTANTS:
            return _CONSTANTS[name], i + 1
        if name in _NOT_NAMES or toks[i + 1][5] in ("(", "[", "."):
            raise _Bail  # keyword, call, subscript or attribute: leave to the AST path
        return name, i + 1
    if punct == "[":
        items = []
        i += 1
        while toks[i][5] != "]":
            value, i = _fast_value(toks, i)
            items.append(value)
            sep = toks[i][5]
            if sep == ",":
                i += 1
            elif sep != "]":
                raise _Bail
        return items, i + 1
    if punct == "(":
        items = []
        i += 1
        trailing = False
        while toks[i][5] != ")":
            value, i = _fast_value(toks, i)
            items.append(value)
            sep = toks[i][5]
            trailing = sep == ","
            if trailing:
                i += 1
            elif sep != ")":
                raise _Bail
        if len(items) == 1 and not trailing:
            return items[0], i + 1  # (x) is x, not a tuple
        return tuple(items), i + 1
    if punct == "{":
        out = {}
        i += 1
        while toks[i][5] != "}":
            key, i = _fast_value(toks, i)
            if type(key) in (list, dict) or toks[i][5] != ":":
                raise _Bail
            out[key], i = _fast_value(toks, i + 1)
            sep = toks[i][5]
            if sep == ",":
                i += 1
            elif sep != "}":
                raise _Bail
        return out, i + 1
    raise _Bail


class _Prose(Exception):
    """The text cannot be Python: two atoms stand side by side (``I'm sorry``)."""


# Python string prefixes (any case): a name like this directly before a quote is part of the literal.
_STRING_PREFIXES = frozenset(("r", "u", "b", "f", "br", "rb", "fr", "rf"))


def _is_prose(toks: list, text: str) -> bool:
    """True only when Python must reject the text: before any token outside the fast
    subset, a plain name is directly followed by a name, string or number.

    Triple quotes and backslashes can make Python's tokens differ from ours, so
    texts containing them are never judged here.
    """
    if "\\" in text or "'''" in text or '"""' in text:
        return False
    for k in range(len(toks) - 1):
        tok = toks[k]
        if tok[6]:
            return False
        name = tok[4]
        if name and name not in _NOT_NAMES:
            nxt = toks[k + 1]
            if nxt[6]:
                return False
            if (
                (nxt[4] and nxt[4] not in _NOT_NAMES)
                or (nxt[1] and nxt[1][0] != "-")  # `x -1` is a subtraction
                or (nxt[0] and name.lower() not in _STRING_PREFIXES)
            ):
                return True
    return False


def _fast_calls(text: str) -> list[tuple[str, dict]]:
    if not text.isascii():
        try:
            text.encode("utf-8")  # lone surrogates make ast.parse fail; let it
        except UnicodeEncodeError:
            raise _Bail from None
    toks = _TOKEN.findall(text)
    toks.append(("", "", "", "", "", "", "end"))  # sentinel: every lookahead finds a token
    try:
        return _fast_parse(toks)
    except _Bail:
        if _is_prose(toks, text):
            raise _Prose from None
        raise


def _fast_parse(toks: list) -> list[tuple[str, dict]]:
    if toks[0][5] != "[":
        raise _Bail
    calls = []
    i = 1
    while toks[i][5] != "]":
        name = toks[i][4]
        if not name or name in _NOT_NAMES:
            raise _Bail
        i += 1
        while toks[i][5] == ".":
            part = toks[i + 1][4]
            if not part or part in _NOT_NAMES:
                raise _Bail
            name = name + "." + part
            i += 2
        if toks[i][5] != "(":
            raise _Bail
        i += 1
        args: dict = {}
        while toks[i][5] != ")":
            kw = toks[i][4]
            if not kw or toks[i + 1][5] != "=":
                if args:
                    raise _Bail  # positional after keyword: a SyntaxError the AST path reports
                _, i = _fast_value(toks, i)  # positional: BFCL drops it, but it must still parse
                sep = toks[i][5]
                if sep == ",":
                    i += 1
                elif sep != ")":
                    raise _Bail
                continue
            if kw in _NOT_NAMES:
                raise _Bail
            tok = toks[i + 2]
            if tok[0]:  # plain string: the common case, read inline
                args[kw] = tok[0][1:-1]
                i += 3
            else:
                args[kw], i = _fast_value(toks, i + 2)
            sep = toks[i][5]
            if sep == ",":
                i += 1
            elif sep != ")":
                raise _Bail
        calls.append((name, args))
        i += 1
        sep = toks[i][5]
        if sep == ",":
            i += 1
        elif sep != "]":
            raise _Bail
    if i + 2 != len(toks):  # only the sentinel may follow the closing bracket
        raise _Bail
    return calls


def decode_python(text: str) -> Decoded:
    """Decode model text in BFCL's Python call syntax, as BFCL's prompting handlers do."""
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    text = text.strip().strip("'")
    try:
        return Decoded(OK, _fast_calls(text))
    except _Prose:
        return Decoded(DECODE_FAILED, error="not Python: text, not calls")
    except (_Bail, RecursionError):
        pass
    return _decode_with_ast(text)


def _decode_with_ast(text: str) -> Decoded:
    try:
        body = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        return Decoded(DECODE_FAILED, error=f"not Python: {err}")
    if type(body) is ast.Call:
        nodes = [body]
    else:
        nodes = getattr(body, "elts", None)
        if nodes is None:
            return Decoded(DECODE_FAILED, error="not a list of calls")
    calls = []
    try:
        for node in nodes:
            if type(node) is not ast.Call:
                return Decoded(DECODE_FAILED, error="list element is not a call")
            calls.append(_call(node))
    except (_Refused, RecursionError) as err:
        return Decoded(DECODE_FAILED, error=str(err))
    return Decoded(OK, calls)


def decode_hermes(text: str) -> Decoded:
    """Decode our Hermes/Qwen ``<tool_call>`` format with the project's parser."""
    from inftool_jax.calls import parse_hermes

    parsed = parse_hermes(text)
    if not parsed.ok:
        return Decoded(DECODE_FAILED, error=parsed.error)
    return Decoded(OK, [(c.name, c.arguments) for c in parsed.calls])


def decode_list(items: list) -> Decoded:
    """An already decoded result: BFCL's ``[{name: {param: value}}]`` or ``[{"name", "arguments"}]``."""
    calls = []
    for item in items:
        if type(item) is not dict:
            return Decoded(WRONG_FORMAT, error="list element is not an object")
        if set(item) == {"name", "arguments"} and isinstance(item["name"], str) and type(item["arguments"]) is dict:
            calls.append((item["name"], item["arguments"]))
            continue
        if len(item) != 1:
            return Decoded(WRONG_FORMAT, error="call object must have exactly one key")
        ((name, args),) = item.items()
        if type(args) is not dict:
            return Decoded(WRONG_FORMAT, error="call arguments are not an object")
        calls.append((name, args))
    return Decoded(OK, calls)


def decode_result(result: Any) -> Decoded:
    """Decode one ``result`` field of a BFCL result file, whatever form it takes."""
    if isinstance(result, str):
        if "<tool_call>" in result:
            return decode_hermes(result)
        return decode_python(result)
    if isinstance(result, list):
        return decode_list(result)
    return Decoded(WRONG_FORMAT, error=f"result is a {type(result).__name__}, not text or a list")
