"""Hermes / Qwen2.5 tool calls: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks.

This is what Qwen2.5's chat template renders and what SGLang's ``qwen25``
detector reads: each call is ``"<tool_call>\\n" + json + "\\n</tool_call>"``,
calls joined by newlines, optional prose before them.

Parsing is lenient exactly where real models are:

- any whitespace (or none) around the JSON inside a block;
- the last block may lack its ``</tool_call>`` when the text ends right after
  the JSON (generation stopped on the closing tag);
- ``"arguments"`` may be a JSON-encoded string, or be spelled
  ``"parameters"``; missing, ``null`` or ``""`` arguments mean ``{}`` (as in
  SGLang); other keys in the object are ignored.

Everything else - JSON that does not parse, a block that is not an object, a
missing or empty name, arguments that are not an object, text between the
JSON and ``</tool_call>`` - makes the parse fail with the char offset of the
problem (and no calls: a failed parse never returns partial calls). JSON is read with a real decoder (not by searching for the closing
tag), so argument strings may themselves contain ``</tool_call>``. Text with no
``<tool_call>`` at all is prose: ``ok`` with no calls.
"""

from __future__ import annotations

import re

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.json_arguments import (
    ArgumentsError,
    arguments_object,
    decode_json_value,
    dump_json,
)

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
_WHITESPACE = re.compile(r"\s*")


def render_hermes(calls: list[Call]) -> str:
    """The Qwen2.5 chat-template text of ``calls`` (empty string for no calls)."""
    blocks = []
    for call in calls:
        body = dump_json({"name": call.name, "arguments": call.arguments})
        blocks.append(f"{OPEN_TAG}\n{body}\n{CLOSE_TAG}")
    return "\n".join(blocks)


def _call_from_object(obj: object) -> Call:
    if not isinstance(obj, dict):
        raise ArgumentsError(f"a tool call must be a JSON object, got {type(obj).__name__}")
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ArgumentsError('a tool call needs a non-empty string "name"')
    key = "arguments" if "arguments" in obj else "parameters"
    return Call(name=name, arguments=arguments_object(obj.get(key), f'"{key}" of {name}'))


def parse_hermes(text: str) -> ParseResult:
    """Read the ``<tool_call>`` blocks of model text; never raises on bad text."""
    if not isinstance(text, str):
        return ParseResult(ok=False, error=f"expected text, got {type(text).__name__}", position=0)
    calls: list[Call] = []
    prose: list[str] = []
    pos = 0
    while True:
        start = text.find(OPEN_TAG, pos)
        if start < 0:
            prose.append(text[pos:])
            break
        prose.append(text[pos:start])
        json_start = _WHITESPACE.match(text, start + len(OPEN_TAG)).end()
        try:
            obj, json_end = decode_json_value(text, json_start)
        except ArgumentsError as err:
            return ParseResult(ok=False, error=f"tool call {len(calls)}: {err.message}", position=err.position)
        try:
            calls.append(_call_from_object(obj))
        except ArgumentsError as err:
            # the object parsed; its content is wrong, so point at the object
            return ParseResult(ok=False, error=f"tool call {len(calls)}: {err.message}", position=json_start)
        after = _WHITESPACE.match(text, json_end).end()
        if text.startswith(CLOSE_TAG, after):
            pos = after + len(CLOSE_TAG)
        elif after == len(text):
            pos = after  # unterminated last block: generation stopped on the close tag
        else:
            return ParseResult(
                ok=False,
                error=f"tool call {len(calls) - 1}: expected {CLOSE_TAG} after the JSON object",
                position=after,
            )
    if not calls:
        return ParseResult(ok=True, content=text)
    content = "\n".join(part.strip() for part in prose if part.strip())
    return ParseResult(ok=True, calls=calls, content=content)
