"""What ingestion skipped and dropped, and whether a bad tool stops it (``strict``) or is skipped.

One bad file or tool should not sink a catalog of hundreds: by default each format's reader converts its tools
one at a time through :meth:`IngestLog.attempt`, which records an InputError (file, JSON pointer, reason) and
moves on; ``strict`` re-raises the first one instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, TypeVar

from inftool_jax.errors import InputError

T = TypeVar("T")


@dataclass
class Skipped:
    """A file or tool left out: where (``source`` + JSON ``pointer``), what (``kind``: file or tool) and why."""

    source: str
    pointer: str
    problem: str
    kind: str

    def __str__(self) -> str:
        return f"{self.source}: {self.pointer or '/'}: {self.problem} ({self.kind} skipped)"

    def error(self) -> InputError:
        return InputError(self.source, self.pointer, self.problem)


@dataclass
class DroppedParameter:
    """A credential or transport parameter removed from a tool at ingestion (a user never recites these)."""

    source: str
    pointer: str
    tool: str
    parameter: str
    location: str
    reason: str


@dataclass
class IngestLog:
    """Options and findings of one ingestion run."""

    strict: bool = True
    keep_transport_params: bool = False
    skipped: list[Skipped] = field(default_factory=list)
    dropped: list[DroppedParameter] = field(default_factory=list)

    def attempt(self, kind: str, convert: Callable[..., T], *args: Any) -> T | None:
        """``convert(*args)``; on InputError raise it when strict, else record it and return None."""
        try:
            return convert(*args)
        except InputError as err:
            if self.strict:
                raise
            self.skip(err, kind)
            return None

    def skip(self, err: InputError, kind: str) -> None:
        self.skipped.append(Skipped(err.source, err.pointer, err.problem, kind))

    def to_dict(self) -> dict[str, Any]:
        return {"skipped": [asdict(s) for s in self.skipped], "dropped_parameters": [asdict(d) for d in self.dropped]}
