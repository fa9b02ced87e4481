"""OpenAI chat ``tool_calls`` objects: ``{"id", "type": "function", "function": {"name", "arguments"}}``.

``arguments`` is a JSON-encoded string in the OpenAI wire format; parsing
also accepts an already-decoded object, and ``null`` / ``""`` as ``{}`` (some
servers send that for tools without parameters). ``"type"`` may be missing but,
when present, must be ``"function"``. Anything else is a parse failure whose
``position`` is the index of the offending entry in the list.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.json_arguments import ArgumentsError, arguments_object, dump_json


def to_openai_tool_calls(calls: list[Call], id_prefix: str = "call_") -> list[dict[str, Any]]:
    """The assistant message's ``tool_calls`` list; ids are ``id_prefix`` + index."""
    return [
        {
            "id": f"{id_prefix}{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": dump_json(call.arguments)},
        }
        for index, call in enumerate(calls)
    ]


def _read_entry(entry: Any, index: int) -> Call:
    where = f"tool_calls[{index}]"
    if not isinstance(entry, dict):
        raise ArgumentsError(f"{where} must be an object, got {type(entry).__name__}")
    kind = entry.get("type", "function")
    if kind != "function":
        raise ArgumentsError(f"{where}.type must be 'function', got {kind!r}"[:200])
    function = entry.get("function")
    if not isinstance(function, dict):
        raise ArgumentsError(f"{where}.function must be an object")
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise ArgumentsError(f"{where}.function.name must be a non-empty string")
    return Call(name=name, arguments=arguments_object(function.get("arguments"), f"{where}.function.arguments"))


def parse_openai_tool_calls(tool_calls: list) -> ParseResult:
    """Calls from a message's ``tool_calls`` (None means no calls); never raises."""
    if tool_calls is None:
        return ParseResult(ok=True)
    if not isinstance(tool_calls, list):
        return ParseResult(ok=False, error=f"tool_calls must be a list, got {type(tool_calls).__name__}", position=0)
    calls = []
    for index, entry in enumerate(tool_calls):
        try:
            calls.append(_read_entry(entry, index))
        except ArgumentsError as err:
            return ParseResult(ok=False, error=err.message, position=index)
    return ParseResult(ok=True, calls=calls)
