"""The text call formats by name, for configs and commands: ``get_format("hermes").parse(text)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.hermes import parse_hermes, render_hermes
from inftool_jax.calls.pythonic import parse_python, render_python
from inftool_jax.registry import Registry


@dataclass(frozen=True)
class CallFormat:
    """A way of writing tool calls in assistant text: a renderer and its parser."""

    name: str
    description: str
    render: Callable[[list[Call]], str]
    parse: Callable[[str], ParseResult]


FORMATS: Registry[CallFormat] = Registry("call format", "reward.call_format")
"""Every text call format by name; ``reward.call_format`` chooses the one the policy writes."""

HERMES = CallFormat(
    name="hermes",
    description='<tool_call>{"name": ..., "arguments": {...}}</tool_call> blocks (Qwen2.5 / SGLang qwen25)',
    render=render_hermes,
    parse=parse_hermes,
)
FORMATS.add(HERMES.name, HERMES)

PYTHON = CallFormat(
    name="python",
    description='BFCL Python-call syntax: [f(a=1), mod.g(b="x")]',
    render=render_python,
    parse=parse_python,
)
FORMATS.add(PYTHON.name, PYTHON)


def available_formats() -> list[str]:
    """Names accepted by :func:`get_format`, sorted."""
    return FORMATS.names()


def get_format(name: str, *, source: str = "<config>", pointer: str = "") -> CallFormat:
    """The format called ``name``; an unknown name is an InputError at ``source``/``pointer`` (default: the config key)."""
    return FORMATS.get(name, source=source, key=pointer or None)
