"""The ToolSpec contract: one tool, its JSON-Schema parameters and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolSpec:
    """One callable tool, normalised to JSON Schema whatever format it came from.

    ``parameters`` is always a JSON Schema of ``"type": "object"`` with
    ``properties`` and ``required``. ``response`` is the JSON Schema of the
    tool's result when the spec gives one (OpenAPI 2xx body, MCP
    ``outputSchema``), else None. ``source`` is the file and ``pointer`` the
    JSON pointer of the tool's definition inside it.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    response: dict[str, Any] | None = None
    source: str = ""
    pointer: str = ""
    domain: str = ""
    tags: list[str] = field(default_factory=list)

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry for this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }
