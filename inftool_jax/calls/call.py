"""The Call contract: one tool invocation, a name and JSON-object arguments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One tool call. ``arguments`` is a JSON object (str keys, JSON values)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Call":
        return cls(name=data["name"], arguments=dict(data.get("arguments") or {}))

    def canonical(self) -> str:
        """A stable text form (sorted keys), for hashing and dedup."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class ParseResult:
    """What a parser made of model text. Parsers never raise on bad text.

    ``ok`` is False when the text tried to call tools but could not be read;
    then ``error`` says why and ``position`` is the character offset where
    reading failed (when known). ``content`` is the text outside call blocks
    (the assistant's prose). Plain prose with no call attempt is ``ok`` with
    no calls.
    """

    ok: bool
    calls: list[Call] = field(default_factory=list)
    content: str = ""
    error: str | None = None
    position: int | None = None
