"""Blueprints: the plan of one episode before anyone speaks (DESIGN.md §3).

A blueprint is a list of user turns. Each user turn says what the user asks
for (``kind`` plus the planned calls the request describes) and the assistant
steps that should follow it: ``call`` (one message with one or more parallel
calls, then their tool results), ``clarify`` (ask for a withheld value),
``no_call`` (decline: no offered tool fits) or ``answer`` (final prose grounded
in the results). Argument values are :class:`Spoken` values, or a
:class:`ResultRef` when the value only exists once an earlier call has run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inftool_jax.synth.user.argument_values import Spoken
from inftool_jax.world.tool_backend import episode_seed

TURN_KINDS = ("request", "clarify_request", "answer_clarification", "unserved", "followup")
STEP_KINDS = ("call", "clarify", "no_call", "answer")


@dataclass(frozen=True)
class ResultRef:
    """A value taken from the most recent earlier tool result that has field ``key`` (e.g. an order id).

    ``pick`` is ``"first"`` when that result lists several items (a search): the
    value is the first item's, and the user says so ("the first flight you found").
    """

    key: str
    from_tool: str
    pick: str = ""


@dataclass
class PlannedCall:
    """A ground-truth call: stated values (or result references) and the optional parameters left out."""

    tool: str
    args: dict[str, Spoken | ResultRef]
    omitted: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        args = {}
        for k, v in self.args.items():
            if isinstance(v, ResultRef):
                args[k] = {"ref": v.key, "from": v.from_tool, **({"pick": v.pick} if v.pick else {})}
            else:
                args[k] = {"value": v.value, "text": v.text}
        return {"tool": self.tool, "args": args, "omitted": list(self.omitted)}


@dataclass
class Step:
    """One assistant message the plan expects."""

    kind: str
    calls: list[PlannedCall] = field(default_factory=list)
    ask: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.calls:
            out["calls"] = [c.to_dict() for c in self.calls]
        if self.ask:
            out["ask"] = self.ask
        return out


@dataclass
class UserTurn:
    """One user message and the assistant steps that answer it.

    ``describes`` are the calls the user's words must ground (all of them for
    a request; for a clarification, the call whose ``withheld`` parameter is
    left out first and given in the answer turn). ``unserved`` is the request
    no offered tool can serve: a foreign tool's call or a chit-chat text.
    """

    kind: str
    steps: list[Step]
    describes: list[PlannedCall] = field(default_factory=list)
    withheld: str = ""
    unserved_call: PlannedCall | None = None
    unserved_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "steps": [s.to_dict() for s in self.steps]}
        if self.withheld:
            out["withheld"] = self.withheld
        if self.unserved_call is not None:
            out["unserved_tool"] = self.unserved_call.tool
        if self.unserved_text:
            out["unserved_text"] = self.unserved_text
        return out


@dataclass
class Blueprint:
    """The plan of one episode, reproducible from (run seed, index)."""

    index: int
    seed: int
    category: str
    offered: list[str]
    turns: list[UserTurn]
    persona: str
    difficulty: dict[str, Any] = field(default_factory=dict)

    @property
    def episode_seed(self) -> int:
        """Seed for the per-episode tool state (stable across runs and resumes; the world's own rule)."""
        return episode_seed(self.seed, self.index)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "seed": self.seed,
            "category": self.category,
            "offered": list(self.offered),
            "persona": self.persona,
            "difficulty": dict(self.difficulty),
            "turns": [t.to_dict() for t in self.turns],
        }


def episode_id(seed: int, index: int) -> str:
    """Episode id from the run seed and the blueprint index (stable across resumes)."""
    return f"s{seed}-{index:07d}"
