"""BFCL's Python-call syntax: ``[f(a=1), mod.g(b="x", c=[1, {"k": -2.5}])]``.

This is the project's one decoder of that syntax: the tool-call format
``python`` and the BFCL checker (:mod:`inftool_jax.grading.bfcl_checker`, via
``bfcl_compat=True``) both read model text here. Nothing is ever evaluated,
not even arithmetic: in every mode a binary operation (``2*3``, ``"a"+"b"``)
is a parse failure. Reading goes first through the fast tokenising path
(:mod:`inftool_jax.calls.python_fast_path`) for the common answer shape, and
falls back to ``ast.parse(mode="eval")`` plus a whitelist walker
(:mod:`inftool_jax.calls.python_ast_decode`); both give the same result.

``parse_python(text)`` (this project's meaning) accepts one call, several
calls with or without the outer brackets, and an optional code fence
(```` ``` ```` or ```` ```python ````; text around the fence becomes
``content``; a fence left open at the end of the text is accepted). Values
must be JSON literals; positional arguments are dropped as BFCL drops them
(see :mod:`~inftool_jax.calls.python_ast_decode`). Text that does not parse
counts as a failed call attempt when it was fenced, starts with ``[``, or
starts with ``name(`` / ``mod.name(``; otherwise it is prose (``ok``, no
calls, ``content`` = the text).

``parse_python(text, bfcl_compat=True)`` reproduces the official
``default_decode_ast_prompting`` (strip backticks/newlines/spaces, add the
missing outer brackets, ``ast_parse(language=PYTHON)``): ``ok`` exactly when
the official decoder returns, with the same names and values (tuples, bare
names as strings, nested call dicts, subscripts as source text, ...), except
that text BFCL would ``eval`` (arithmetic) fails here - the one deliberate
difference, which the BFCL agreement tests count separately. Prose fails in
this mode, as it does in BFCL.

Inputs longer than :data:`MAX_TEXT_CHARS` fail without being parsed; deep or
degenerate inputs fail through CPython's own limits (200 nested brackets,
parser stack, recursion), caught and reported as failures.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from typing import Any

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.python_ast_decode import DecodeError, bfcl_calls, strict_calls
from inftool_jax.calls.python_fast_path import Bail, CannotDecode, fast_calls

MAX_TEXT_CHARS = 2_000_000

_FENCE_OPEN = re.compile(r"```(?:[\w+.-]*[ \t]*\r?\n)?")
_CALL_START = re.compile(r"\[|[^\W\d][\w.]*\(")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# --- rendering ---------------------------------------------------------------------------


def _string_literal(text: str) -> str:
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)  # escaping also keeps lone surrogates representable
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _literal(value: Any) -> str:
    if value is None or value is True or value is False:
        return repr(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot render non-finite number {value!r} as a Python literal")
        return repr(float(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"dict key {key!r} is not a string")
            items.append(f"{_string_literal(key)}: {_literal(item)}")
        return "{" + ", ".join(items) + "}"
    raise ValueError(f"cannot render {type(value).__name__} as a JSON literal")


def _is_identifier(word: str) -> bool:
    # Python NFKC-normalises identifiers, so a name that changes under NFKC would not round-trip
    return word.isidentifier() and not keyword.iskeyword(word) and unicodedata.normalize("NFKC", word) == word


def render_python(calls: list[Call]) -> str:
    """``[f(a=1), mod.g(b="x")]``; raises ValueError for names or values Python syntax cannot carry."""
    rendered = []
    for call in calls:
        if not all(_is_identifier(part) for part in call.name.split(".")):
            raise ValueError(f"{call.name!r} is not a dotted Python name")
        arguments = []
        for key, value in call.arguments.items():
            if not isinstance(key, str) or not _is_identifier(key):
                raise ValueError(f"argument {key!r} of {call.name} is not a Python identifier")
            arguments.append(f"{key}={_literal(value)}")
        rendered.append(f"{call.name}({', '.join(arguments)})")
    return "[" + ", ".join(rendered) + "]"


# --- parsing -----------------------------------------------------------------------------


def _char_offset(source: str, lineno: int | None, col: int | None, col_is_bytes: bool) -> int:
    """Offset into ``source`` of a 1-based line and 0-based column (UTF-8 bytes for AST nodes)."""
    if not lineno:
        return 0
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(source)]
    start = starts[min(lineno, len(starts)) - 1]
    col = max(col or 0, 0)
    if col_is_bytes:
        line = source[start : start + col]  # a byte column is never past the same char column
        col = len(line.encode("utf-8", "surrogatepass")[:col].decode("utf-8", "ignore"))
    return min(start + col, len(source))


def _parse_expression(source: str) -> ast.Expression:
    return ast.parse(source, mode="eval")


def _bfcl_compat(text: str) -> ParseResult:
    # the string steps of default_decode_ast_prompting; ast_parse's .strip().strip("'") that
    # follows changes nothing once the text starts with "[" and ends with "]"
    source = text.strip("`\n ")
    if not source.startswith("["):
        source = "[" + source
    if not source.endswith("]"):
        source = source + "]"
    try:
        # positional ParseResult arguments: this is the checker's hot path
        return ParseResult(True, [Call(name, arguments) for name, arguments in fast_calls(source, bfcl=True)])
    except CannotDecode:
        return ParseResult(ok=False, error="not a list of calls (prose, unbalanced brackets or a non-call element)")
    except Bail:
        pass
    try:
        decoded = bfcl_calls(_parse_expression(source).body)
        calls = [Call(name, arguments) for item in decoded for name, arguments in item.items()]
    except DecodeError as err:
        return ParseResult(ok=False, error=err.message)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError, OverflowError) as err:
        return ParseResult(ok=False, error=f"{type(err).__name__}: {err}"[:300])
    return ParseResult(ok=True, calls=calls)


def parse_python(text: str, *, bfcl_compat: bool = False) -> ParseResult:
    """Calls in BFCL Python syntax; never raises on bad text (see the module doc for both modes)."""
    if not isinstance(text, str):
        return ParseResult(ok=False, error=f"expected text, got {type(text).__name__}", position=0)
    if len(text) > MAX_TEXT_CHARS:
        return ParseResult(ok=False, error=f"text longer than {MAX_TEXT_CHARS} characters", position=MAX_TEXT_CHARS)
    if bfcl_compat:
        return _bfcl_compat(text)

    whole = _parse_strict(text, 0, fenced=False, content="", original=text)
    if whole.ok and whole.calls:
        return whole  # a fence inside a string argument is not a fence
    opening = _FENCE_OPEN.search(text)
    if opening is None:
        return whole
    body_start = opening.end()
    first_close = text.find("```", body_start)
    last_close = text.rfind("```", body_start)
    results = []
    for close in dict.fromkeys([first_close, last_close]):  # the last close wins when a string holds ```
        end = len(text) if close < 0 else close
        after = len(text) if close < 0 else close + 3
        content = (text[: opening.start()].strip() + "\n" + text[after:].strip()).strip()
        result = _parse_strict(text[body_start:end], body_start, fenced=True, content=content, original=text)
        if result.ok:
            return result
        results.append(result)
    return results[0]


def _parse_strict(code: str, code_start: int, *, fenced: bool, content: str, original: str) -> ParseResult:
    """Strict reading of ``code`` found at ``code_start`` in ``original`` (see the module doc)."""
    stripped = code.strip()
    offset = code_start + (len(code) - len(code.lstrip()))
    if not stripped:
        return ParseResult(ok=True, content=content if fenced else original)
    attempt = fenced or _CALL_START.match(stripped) is not None

    def failure(message: str, position: int) -> ParseResult:
        return ParseResult(ok=False, content=content, error=message, position=offset + position)

    def prose() -> ParseResult:
        return ParseResult(ok=True, content=original)

    try:
        pairs = fast_calls(stripped, bfcl=False)
    except Bail:
        pass
    else:
        return ParseResult(ok=True, calls=[Call(name, arguments) for name, arguments in pairs], content=content)
    try:
        body = _parse_expression(stripped).body
    except SyntaxError as err:
        if not attempt:
            return prose()
        return failure(f"syntax error: {err.msg}", _char_offset(stripped, err.lineno, (err.offset or 1) - 1, False))
    except (ValueError, RecursionError, MemoryError, OverflowError) as err:
        if not attempt:
            return prose()
        return failure(f"cannot parse: {type(err).__name__}: {err}"[:300], 0)

    try:
        decoded = strict_calls(body)
    except DecodeError as err:
        if not attempt:
            return prose()  # "Sure (why not)" is prose that happens to parse
        node = err.node
        where = (
            _char_offset(stripped, getattr(node, "lineno", None), getattr(node, "col_offset", None), True)
            if node is not None
            else 0
        )
        return failure(err.message, where)
    except (RecursionError, MemoryError) as err:
        if not attempt:
            return prose()
        return failure(f"cannot decode: {type(err).__name__}", 0)
    return ParseResult(ok=True, calls=[Call(name=name, arguments=arguments) for name, arguments in decoded], content=content)
