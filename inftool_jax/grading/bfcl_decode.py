"""The shapes a BFCL ``result`` field takes, decoded for the checker by :mod:`inftool_jax.calls`.

This module only dispatches; all text decoding lives in ``calls``:

- text in BFCL's Python call syntax -> ``parse_python(text, bfcl_compat=True)``,
  which reproduces the official ``default_decode_ast_prompting`` (quirks
  included: positional arguments dropped, bare names as strings, ``+x`` read
  as ``-x``, tuples kept, ...) without running anything. Arithmetic, which
  the official decoder ``eval``s, is a decode failure here: the one deliberate
  difference from the official verdicts;
- text containing ``<tool_call>`` -> our Hermes format, ``parse_hermes``;
- a list already decoded: BFCL's ``[{name: {param: value}}]`` or our
  ``[{"name", "arguments"}]``; anything else is BFCL's wrong-output-format.

Statuses are BFCL's error types for the decode step.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.hermes import parse_hermes
from inftool_jax.calls.pythonic import parse_python

OK = "ok"
DECODE_FAILED = "ast_decoder:decoder_failed"
WRONG_FORMAT = "ast_decoder:decoder_wrong_output_format"


class Decoded:
    """Calls read from one result. ``status`` is OK, DECODE_FAILED or WRONG_FORMAT."""

    __slots__ = ("status", "calls", "error")

    def __init__(self, status: str, calls: list[Call] | None = None, error: str | None = None):
        self.status = status
        self.calls = calls if calls is not None else []
        self.error = error

    @property
    def has_call(self) -> bool:
        """BFCL's relevance test: decoded, in call format, and not empty."""
        return self.status == OK and len(self.calls) > 0

    def __repr__(self) -> str:
        return f"Decoded({self.status!r}, {self.calls!r}, error={self.error!r})"


def _from_parse(parsed: ParseResult) -> Decoded:
    if not parsed.ok:
        return Decoded(DECODE_FAILED, error=parsed.error)
    return Decoded(OK, parsed.calls)


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
            return _from_parse(parse_hermes(result))
        return _from_parse(parse_python(result, bfcl_compat=True))
    if isinstance(result, list):
        return decode_list(result)
    return Decoded(WRONG_FORMAT, error=f"result is a {type(result).__name__}, not text or a list")
