"""Id chains: a field one tool returns that another tool requires, under the same name.

Names alone decide, so a field most operations share (``id``, ``name``) would pair every producer with every
consumer: 1,950 operations of one large spec gave millions of pairs. Where one field's pairs exceed
:data:`MAX_PAIRS_PER_FIELD`, each consumer keeps only its :data:`NEAREST` producers in the same file, nearest by the
API's own structure (an operation on the collection the consumer's URL path lies in, then shared path segments,
then shared name words, then position): the producer a real client calls first (``POST /tasks`` for
``GET /tasks/{id}``).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from inftool_jax.tools.spec import ToolSpec

MAX_PAIRS_PER_FIELD = 1024
"""Producer x consumer pairs of one field above which only the nearest producers are paired."""
NEAREST = 2
"""Producers kept per consumer for a widely shared field."""
_WINDOW = 8
"""Neighbours on each side, in structural order, that compete to be a consumer's nearest producers."""


@dataclass(frozen=True, order=True)
class Chain:
    """``producer`` returns ``field`` (at ``path`` in its response); ``consumer`` requires it."""

    field: str
    producer: str
    consumer: str
    path: str

    def __str__(self) -> str:
        return f"{self.producer}.{self.path} -> {self.consumer}({self.field})"


def response_fields(schema: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``(name, path)`` of every property in a response schema, through nested objects and arrays."""
    out: list[tuple[str, str]] = []
    if not isinstance(schema, dict):
        return out
    if isinstance(schema.get("items"), dict):
        out += response_fields(schema["items"], prefix + "[]")
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.append((name, path))
        out += response_fields(sub, path)
    return out


def find_chains(tools: list[ToolSpec], same_domain: bool = False) -> list[Chain]:
    """Every (producer, consumer, field) where a response field name is a required input of another tool.

    ``same_domain`` keeps only pairs from one domain. Work and output grow linearly with the tools sharing a
    field name (see the module docstring), not with their square.
    """
    produced: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)  # (group, field) -> (tool, path)
    required: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, tool in enumerate(tools):
        group = tool.domain if same_domain else ""
        for name, path in response_fields(tool.response):
            produced[(group, name)].append((i, path))
        for name in dict.fromkeys(tool.parameters.get("required", [])):
            required[(group, name)].append(i)
    chains: set[Chain] = set()
    for key, consumers in required.items():
        producers = produced.get(key)
        if not producers:
            continue
        field = key[1]
        producer_tools = sorted({i for i, _ in producers})
        if len(producer_tools) * len(consumers) <= MAX_PAIRS_PER_FIELD:
            pairs = ((p, c) for c in consumers for p in producer_tools if p != c)
        else:
            pairs = _nearest_pairs(tools, producer_tools, consumers)
        paths: dict[int, list[str]] = defaultdict(list)
        for i, path in producers:
            paths[i].append(path)
        for p, c in pairs:
            for path in paths[p]:
                chains.add(Chain(field, tools[p].name, tools[c].name, path))
    return sorted(chains)


def _nearest_pairs(tools: list[ToolSpec], producers: list[int], consumers: list[int]):
    """``(producer, consumer)`` for each consumer's :data:`NEAREST` producers of the same file."""
    places = {i: _place(tools[i], i) for i in (*producers, *consumers)}
    ordered = sorted(producers, key=lambda i: places[i])
    keys = [places[i] for i in ordered]
    for c in consumers:
        here = places[c]
        at = bisect.bisect_left(keys, here)
        window = [p for p in ordered[max(0, at - _WINDOW): at + _WINDOW + 1] if p != c and places[p][0] == here[0]]
        window.sort(key=lambda p: _closeness(tools, places, p, c))
        for p in window[:NEAREST]:
            yield p, c


def _place(tool: ToolSpec, index: int) -> tuple:
    """Sort key in the API's structure: file, then the JSON pointer's tokens with an OpenAPI path split at ``/``."""
    tokens: list[tuple[int, Any]] = []
    for raw in tool.pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if token.startswith("/"):
            tokens += [(1, part) for part in token.split("/") if part]
        else:
            tokens.append((0, int(token)) if token.isdigit() else (1, token))
    return tool.source, tuple(tokens), index


def _closeness(tools: list[ToolSpec], places: dict[int, tuple], p: int, c: int) -> tuple:
    a, b = places[p][1], places[c][1]
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    # An operation on the collection a consumer's path lies in (POST /tasks for GET /tasks/{id}) makes or lists it.
    parent = len(a) < len(b) and b[: len(a) - 1] == a[:-1]
    words = len(_words(tools[p].name) & _words(tools[c].name))
    return not parent, -shared, -words, abs(p - c), p


def _words(name: str) -> set[str]:
    return {w.lower() for w in re.split(r"[_\-.]+|(?<=[a-z0-9])(?=[A-Z])", name) if w}
