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
import operator
from dataclasses import dataclass, field
from typing import Any

from inftool_jax.calls.call import Call

OK = "ok"
DECODE_FAILED = "ast_decoder:decoder_failed"
WRONG_FORMAT = "ast_decoder:decoder_wrong_output_format"

# Bounds for the arithmetic we agree to evaluate (BFCL would eval without limits).
_MAX_POW_EXPONENT = 1000
_MAX_SEQUENCE_LEN = 100_000


@dataclass
class Decoded:
    """Calls read from one result. ``status`` is OK, DECODE_FAILED or WRONG_FORMAT."""

    status: str
    calls: list[Call] = field(default_factory=list)
    error: str | None = None

    @property
    def has_call(self) -> bool:
        """BFCL's relevance test: decoded, in call format, and not empty."""
        return self.status == OK and len(self.calls) > 0


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


def decode_python(text: str) -> Decoded:
    """Decode model text in BFCL's Python call syntax, as BFCL's prompting handlers do."""
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    text = text.strip().strip("'")
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
            name, args = _call(node)
            calls.append(Call(name, args))
    except (_Refused, RecursionError) as err:
        return Decoded(DECODE_FAILED, error=str(err))
    return Decoded(OK, calls)


def decode_hermes(text: str) -> Decoded:
    """Decode our Hermes/Qwen ``<tool_call>`` format with the project's parser."""
    from inftool_jax.calls import parse_hermes

    parsed = parse_hermes(text)
    if not parsed.ok:
        return Decoded(DECODE_FAILED, error=parsed.error)
    return Decoded(OK, list(parsed.calls))


def decode_list(items: list) -> Decoded:
    """An already decoded result: BFCL's ``[{name: {param: value}}]`` or ``[{"name", "arguments"}]``."""
    calls = []
    for item in items:
        if type(item) is not dict:
            return Decoded(WRONG_FORMAT, error="list element is not an object")
        if set(item) == {"name", "arguments"} and isinstance(item["name"], str) and type(item["arguments"]) is dict:
            calls.append(Call(item["name"], item["arguments"]))
            continue
        if len(item) != 1:
            return Decoded(WRONG_FORMAT, error="call object must have exactly one key")
        ((name, args),) = item.items()
        if type(args) is not dict:
            return Decoded(WRONG_FORMAT, error="call arguments are not an object")
        calls.append(Call(name, args))
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
