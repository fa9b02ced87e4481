"""What the gated reward reads: the ground-truth record of one completion, and the policy's attempt.

A :class:`RewardTarget` grades one assistant turn (or a whole episode flattened
to its calls). It is built from an episode's ``ground_truth`` turn list
(``inftool_jax/synth/episode.py``) by :func:`targets_from_episode`:

- ``decision``: ``"call"``, ``"no_call"`` (no offered tool fits: answer in
  prose) or ``"clarify"`` (a required value is missing: ask, do not call);
- ``calls``: expected calls, each ``name`` + ``arguments`` mapping every
  parameter to its acceptable values, BFCL ``possible_answer`` style (``""``
  among them: the parameter may be left out); empty unless ``decision == "call"``;
- ``functions``: the offered tools' parameter schemas by name, for the BFCL
  type checks (JSON Schema ``number`` / ``object`` read as BFCL ``float`` / ``dict``);
- ``results``: when the turn's execution is scored (``"execution": true``),
  the canonical execution output of each expected call, in order (from the
  episode's tool messages answering that assistant message); None otherwise;
- ``state``: optional canonical final simulator state to reach (None: not scored).

An :class:`Attempt` is what the policy did: its parsed output and, where the
rollout executed the calls, each call's canonical output (same order as
``parsed.calls``) and the final state. :func:`canonical_result` makes both sides
comparable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from inftool_jax.calls.bfcl_types import CHECKED_TYPES, JSON_SCHEMA_TO_BFCL
from inftool_jax.calls.call import ParseResult
from inftool_jax.errors import InputError

DECISIONS = ("call", "no_call", "clarify")

TYPE_ALIASES = JSON_SCHEMA_TO_BFCL
"""JSON Schema type names and the BFCL names they are checked as."""

PY_TYPES: dict[str, type] = {name: py for name, py in CHECKED_TYPES.items() if name not in TYPE_ALIASES}
"""BFCL's Python type mapping (``tuple`` values are compared as lists, ``any`` as strings), as the checker reads it."""


@dataclass(frozen=True)
class ExpectedCall:
    """One expected call: acceptable values per parameter (``""`` = may be omitted)."""

    name: str
    arguments: dict[str, list[Any]]


@dataclass(frozen=True)
class FunctionSchema:
    """The part of a tool schema the argument check reads: BFCL type per parameter, required names."""

    types: dict[str, str]
    item_types: dict[str, str]
    required: tuple[str, ...]
    doc: dict[str, Any] = field(default_factory=dict, compare=False)
    """The function doc itself (name + parameters), as the BFCL checker reads it."""


@dataclass(frozen=True, eq=False)
class RewardTarget:
    """The ground truth one completion is scored against (see the module docstring)."""

    decision: str
    calls: tuple[ExpectedCall, ...] = ()
    functions: dict[str, FunctionSchema] = field(default_factory=dict)
    results: tuple[str, ...] | None = None
    state: str | None = None
    checks: tuple[Any, ...] = ()
    """Per expected call, the BFCL checker's prepared call (``.check(name, args).valid``): the argument gate's meaning."""


@dataclass
class Attempt:
    """The policy's output for one completion: parsed text plus (when executed) per-call outputs and final state."""

    parsed: ParseResult
    results: tuple[str | None, ...] = ()
    state: str | None = None

    def __post_init__(self) -> None:
        # outputs are compared as canonical text, whatever key order the simulator used
        self.results = tuple(None if r is None else canonical_result(r) for r in self.results)
        if self.state is not None:
            self.state = canonical_result(self.state)


def canonical_result(content: Any) -> str:
    """A tool result as a comparable string: JSON re-dumped with sorted keys, other text as it is."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return content
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _bfcl_type(schema: Any) -> str | None:
    """The checker's type resolution: a list of types uses its first non-null entry."""
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if not isinstance(t, str):
        return None
    t = TYPE_ALIASES.get(t, t)
    return t if t in PY_TYPES else None


def function_schemas(tools: list[Any], source: str = "<tools>") -> dict[str, FunctionSchema]:
    """Parameter schemas by name from OpenAI tool entries, bare function objects or BFCL function docs."""
    out: dict[str, FunctionSchema] = {}
    for i, tool in enumerate(tools):
        fn = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise InputError(source, f"/{i}", "a tool must be an object with a name (or a 'function' holding one)")
        params = fn.get("parameters") or {}
        props = params.get("properties") or {}
        types, item_types = {}, {}
        for pname, pschema in props.items():
            t = _bfcl_type(pschema)
            if t is not None:
                types[pname] = t
                if t in ("array", "tuple"):
                    it = _bfcl_type(pschema.get("items"))
                    if it is not None:
                        item_types[pname] = it
        # the first doc of a name wins, as the checker's lookup does
        out.setdefault(fn["name"], FunctionSchema(types, item_types, tuple(params.get("required") or ()), fn))
    return out


def _check_expected(call: ExpectedCall, functions: dict[str, FunctionSchema], source: str, pointer: str) -> None:
    """Reject ground truth the checker cannot read: an unknown function, acceptable values that are not a list."""
    if call.name not in functions:
        raise InputError(source, pointer, f"expected call {call.name!r} is not among the offered tools")
    for pname, options in call.arguments.items():
        if not isinstance(options, list) or not options:
            raise InputError(source, f"{pointer}/arguments/{pname}", "acceptable values must be a non-empty list")


def _prepared_checks(expected: list[ExpectedCall], functions: dict[str, FunctionSchema], source: str, pointer: str) -> tuple:
    from inftool_jax.grading.bfcl_checker import prepare

    answers = [{c.name: c.arguments} for c in expected]
    entry = prepare(answers, [functions[c.name].doc for c in expected], "parallel", matching="optimal")
    if entry.broken:
        raise InputError(source, pointer, f"ground truth the BFCL checker cannot read: {entry.broken}")
    return tuple(entry.calls)


def make_target(
    decision: str,
    calls: list[dict[str, Any]],
    tools: list[Any] | dict[str, FunctionSchema],
    *,
    results: list[Any] | None = None,
    state: Any = None,
    source: str = "<ground truth>",
    pointer: str = "",
) -> RewardTarget:
    """Validate and build a target from ground-truth fields (``calls`` as ``[{"name", "arguments"}]``)."""
    if decision not in DECISIONS:
        raise InputError(source, f"{pointer}/decision", f"decision must be one of {DECISIONS}, got {decision!r}")
    if decision != "call" and calls:
        raise InputError(source, f"{pointer}/calls", f"a {decision} turn has no expected calls")
    if decision == "call" and not calls:
        raise InputError(source, f"{pointer}/calls", "a call turn needs at least one expected call")
    functions = tools if isinstance(tools, dict) else function_schemas(tools, source)
    expected = []
    for i, c in enumerate(calls):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not isinstance(c.get("arguments", {}), dict):
            raise InputError(source, f"{pointer}/calls/{i}", "an expected call needs a name and an arguments object")
        call = ExpectedCall(c["name"], dict(c.get("arguments") or {}))
        _check_expected(call, functions, source, f"{pointer}/calls/{i}")
        expected.append(call)
    res = None
    if results is not None:
        if len(results) != len(expected):
            raise InputError(source, f"{pointer}/results", f"{len(results)} results for {len(expected)} expected calls")
        res = tuple(canonical_result(r) for r in results)
    checks = _prepared_checks(expected, functions, source, pointer) if expected else ()
    return RewardTarget(decision, tuple(expected), functions, res, None if state is None else canonical_result(state), checks)


def _turn_results(messages: list[dict[str, Any]], index: int, n_calls: int) -> list[str] | None:
    """Outputs of the tool calls made by messages[index], in call order, from the tool messages answering them."""
    if not 0 <= index < len(messages):
        return None
    ids = [tc.get("id") for tc in messages[index].get("tool_calls") or []]
    if len(ids) != n_calls:
        return None
    by_id = {m.get("tool_call_id"): m.get("content") for m in messages[index + 1 :] if m.get("role") == "tool"}
    if any(i not in by_id for i in ids):
        return None
    return [by_id[i] for i in ids]


def targets_from_episode(episode: dict[str, Any], source: str = "<episode>") -> list[RewardTarget]:
    """One target per ground-truth turn of an episode (DESIGN.md §3, ``synth/episode.py``).

    For turns with ``"execution": true`` the expected outputs are the tool
    messages that answer that assistant message's tool_calls (matched by
    ``tool_call_id``, in the order of the ground truth's calls).
    """
    functions = function_schemas(episode.get("tools") or [], source)
    messages = episode.get("messages") or []
    targets = []
    for t, turn in enumerate(episode.get("ground_truth") or []):
        pointer = f"/ground_truth/{t}"
        calls = turn.get("calls") or []
        results = None
        if turn.get("execution"):
            results = _turn_results(messages, int(turn.get("message_index", -1)), len(calls))
            if results is None:
                raise InputError(source, pointer, "execution is scored but the tool results of this turn are not in messages")
        targets.append(make_target(turn.get("decision", "call"), calls, functions, results=results, source=source, pointer=pointer))
    return targets
