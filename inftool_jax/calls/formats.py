"""The text call formats by name, for configs and commands: ``get_format("hermes").parse(text)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.hermes import parse_hermes, render_hermes
from inftool_jax.calls.pythonic import parse_python, render_python
from inftool_jax.errors import InputError


@dataclass(frozen=True)
class CallFormat:
    """A way of writing tool calls in assistant text: a renderer and its parser."""

    name: str
    description: str
    render: Callable[[list[Call]], str]
    parse: Callable[[str], ParseResult]


_FORMATS = {
    "hermes": CallFormat(
        name="hermes",
        description='<tool_call>{"name": ..., "arguments": {...}}</tool_call> blocks (Qwen2.5 / SGLang qwen25)',
        render=render_hermes,
        parse=parse_hermes,
    ),
    "python": CallFormat(
        name="python",
        description='BFCL Python-call syntax: [f(a=1), mod.g(b="x")]',
        render=render_python,
        parse=parse_python,
    ),
}


def available_formats() -> list[str]:
    """Names accepted by :func:`get_format`, sorted."""
    return sorted(_FORMATS)


def get_format(name: str, *, source: str = "<config>", pointer: str = "") -> CallFormat:
    """The format called ``name``; an unknown name is an InputError at ``source``/``pointer``."""
    try:
        return _FORMATS[name]
    except (KeyError, TypeError):
        raise InputError(
            source, pointer, f"unknown call format {name!r}; available: {', '.join(available_formats())}"
        ) from None
