"""The ToolSpec contract: one tool, its JSON-Schema parameters and where it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

# Keywords that document a schema without changing what it accepts.
_ANNOTATIONS = frozenset({"description", "title", "examples", "example", "$comment"})


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
    format: str = ""
    """Spec format it was read from: openapi-3.0, openapi-3.1, openai, functions, mcp or bfcl."""
    notes: list[str] = field(default_factory=list)
    """What ingestion changed or cut (recursive $ref, renamed header, dropped body...)."""

    def fingerprint(self) -> str:
        """Hash of the canonical parameters and response schemas, annotations left out.

        Two tools with the same (normalised) name and fingerprint are the same
        tool however their descriptions are worded.
        """
        canonical = json.dumps(
            [_canonical(self.parameters), _canonical(self.response)],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain JSON data."""
        return asdict(self)

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


def _canonical(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: _canonical(sub) for name, sub in value.items()}
            elif key == "required" and isinstance(value, list):
                out[key] = sorted(value)
            else:
                out[key] = _canonical(value)
        return out
    if isinstance(schema, list):
        return [_canonical(v) for v in schema]
    return schema
