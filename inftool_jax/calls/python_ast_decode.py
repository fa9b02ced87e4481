"""Turn Python-call syntax trees into Calls, by whitelist, never running code.

Two decoders over the tree that ``ast.parse(mode="eval")`` builds:

- :func:`strict_calls` - this project's meaning. Values are JSON literals:
  str, int, float (finite), True/False/None, a leading minus on a number,
  lists, tuples (read as lists) and dicts with string keys. Everything else
  fails: arithmetic, names, attribute access, calls as values, lambdas,
  f-strings, bytes, complex numbers, ``...``, starred arguments, ``**`` and
  a keyword given twice (BFCL keeps the last).
  Function names must be plain dotted names (``mod.sub.f``).
- :func:`bfcl_calls` - the official BFCL decoder's meaning
  (``bfcl_eval.model_handler.utils.resolve_ast_call`` / ``resolve_ast_by_type``),
  reproduced node type by node type so verdicts agree: bare names become their
  identifier string, a call value without keyword arguments becomes its source
  text, one with keywords a nested ``{name: {args}}`` dict, tuples stay tuples,
  ``...`` becomes ``"..."``, subscripts their source text, any unary operator
  on a numeric constant negates it (BFCL reads ``+1`` as ``-1``), dict keys
  are decoded like values. The one deliberate difference: where BFCL
  *evaluates* (``eval`` of binary operations, e.g. ``1+2``), this decoder
  fails instead, because model text is never run.

Both follow BFCL for positional arguments: they are dropped (BFCL reads only
``keywords``), so ``f(1, a=2)`` is the call ``f(a=2)`` and a required
parameter given positionally counts as missing. The strict decoder still
requires a dropped positional argument to be a literal, so ``f(1+2)`` fails.
Neither evaluates anything: arithmetic is a failure in both.

These walkers are the reference meaning; :mod:`inftool_jax.calls.python_fast_path`
reads the common answer shape without building a tree and gives the same
result (property-tested), and :func:`inftool_jax.calls.parse_python` tries it first.

Nesting deeper than :data:`MAX_NESTING` fails in the strict decoder (CPython's
tokenizer already refuses more than 200 nested brackets); recursion and memory
errors from degenerate trees are reported as :class:`DecodeError` by callers.
"""

from __future__ import annotations

import ast
import math
from typing import Any

MAX_NESTING = 200


class DecodeError(ValueError):
    """A node the decoder refuses; ``node`` locates it in the source."""

    def __init__(self, message: str, node: ast.AST | None = None):
        super().__init__(message)
        self.message = message
        self.node = node


def _strict_value(node: ast.AST, depth: int) -> Any:
    if depth > MAX_NESTING:
        raise DecodeError(f"values nested deeper than {MAX_NESTING}", node)
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (str, bool, int)):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise DecodeError("number out of range for JSON", node)
            return value
        raise DecodeError(f"{type(value).__name__} literals are not JSON values", node)
    if isinstance(node, ast.UnaryOp):
        operand = node.operand
        if (
            isinstance(node.op, ast.USub)
            and isinstance(operand, ast.Constant)
            and type(operand.value) in (int, float)
        ):
            return -_strict_value(operand, depth + 1)
        raise DecodeError("only a minus sign directly on a number is allowed", node)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_strict_value(item, depth + 1) for item in node.elts]
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                raise DecodeError("** unpacking in a dict is not a literal", value)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise DecodeError("dict keys must be strings", key)
            out[key.value] = _strict_value(value, depth + 1)
        return out
    raise DecodeError(f"{_describe(node)} is not a literal value", node)


def _describe(node: ast.AST) -> str:
    names = {
        ast.BinOp: "arithmetic",
        ast.BoolOp: "a boolean operation",
        ast.Compare: "a comparison",
        ast.Call: "a function call",
        ast.Name: f"the name {getattr(node, 'id', '')!r}",
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripting",
        ast.Lambda: "a lambda",
        ast.JoinedStr: "an f-string",
        ast.Starred: "a starred expression",
        ast.Set: "a set",
    }
    return names.get(type(node), f"a {type(node).__name__} expression")


def _strict_name(func: ast.AST) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        raise DecodeError("a function name must be a dotted name", func)
    parts.append(func.id)
    return ".".join(reversed(parts))


def strict_call(node: ast.AST) -> tuple[str, dict[str, Any]]:
    """Name and keyword arguments of one ``ast.Call`` under the strict rules."""
    if not isinstance(node, ast.Call):
        raise DecodeError(f"expected a function call, found {_describe(node)}", node)
    name = _strict_name(node.func)
    for positional in node.args:
        if isinstance(positional, ast.Starred):
            raise DecodeError("starred arguments are not allowed", positional)
        _strict_value(positional, 1)  # validated, then dropped as BFCL drops it
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise DecodeError("** arguments are not allowed", keyword.value)
        if keyword.arg in arguments:
            # Python refuses this when compiling; ast.parse alone lets it through
            raise DecodeError(f"keyword argument {keyword.arg!r} repeated", keyword)
        arguments[keyword.arg] = _strict_value(keyword.value, 1)
    return name, arguments


def strict_calls(body: ast.AST) -> list[tuple[str, dict[str, Any]]]:
    """The calls of an expression: one call, or a list/tuple of calls."""
    if isinstance(body, ast.Call):
        return [strict_call(body)]
    if isinstance(body, (ast.List, ast.Tuple)):
        return [strict_call(item) for item in body.elts]
    raise DecodeError(f"expected a call or a list of calls, found {_describe(body)}", body)


# --- the official BFCL decoder's meaning -------------------------------------------------


def _bfcl_value(node: Any) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        # BFCL returns -operand.value whatever the operator; only numbers survive that
        operand = node.operand
        if isinstance(operand, ast.Constant) and type(operand.value) in (int, float, complex, bool):
            return -operand.value
        raise DecodeError("unary operator on a non-number", node)
    if isinstance(node, ast.List):
        return [_bfcl_value(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_bfcl_value(key): _bfcl_value(value) for key, value in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp):
        raise DecodeError("arithmetic is not evaluated (BFCL would eval it)", node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        if not node.keywords:
            return ast.unparse(node)
        return bfcl_call(node)
    if isinstance(node, ast.Tuple):
        return tuple(_bfcl_value(item) for item in node.elts)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"
    # Lambda included: BFCL indexes lambda.body[0], which always fails
    raise DecodeError(f"unsupported AST type {type(node).__name__}", node)


def bfcl_call(node: ast.Call) -> dict[str, dict[Any, Any]]:
    """``{name: {keyword: value}}`` exactly as ``resolve_ast_call`` builds it."""
    parts = []
    func = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    # BFCL keeps whatever attribute names it found, even on a non-name base
    name = ".".join(reversed(parts))
    arguments: dict[Any, Any] = {}
    for keyword in node.keywords:
        arguments[keyword.arg] = _bfcl_value(keyword.value)
    return {name: arguments}


def bfcl_calls(body: ast.AST) -> list[dict[str, dict[Any, Any]]]:
    """The decoded list ``ast_parse(..., language=PYTHON)`` returns for an expression body."""
    if isinstance(body, ast.Call):
        return [bfcl_call(body)]
    elements = getattr(body, "elts", None)
    if elements is None:
        raise DecodeError(f"{type(body).__name__} has no elements", body)
    out = []
    for element in elements:
        if not isinstance(element, ast.Call):
            raise DecodeError("every element must be a function call", element)
        out.append(bfcl_call(element))
    return out
