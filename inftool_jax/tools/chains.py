"""Id chains: a field one tool returns that another tool requires, under the same name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inftool_jax.tools.spec import ToolSpec


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

    Names alone decide, so generic fields (``name``) can pair unrelated tools;
    ``same_domain`` keeps only pairs from one domain.
    """
    required = {tool.name: set(tool.parameters.get("required", [])) for tool in tools}
    chains = set()
    for producer in tools:
        for name, path in response_fields(producer.response):
            for consumer in tools:
                if same_domain and consumer.domain != producer.domain:
                    continue
                if consumer.name != producer.name and name in required[consumer.name]:
                    chains.add(Chain(name, producer.name, consumer.name, path))
    return sorted(chains)
