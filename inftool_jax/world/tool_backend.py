"""The programmatic tools backend, and the one definition of an episode's tool world.

An episode's world is fixed by the run seed and the episode seed (recorded in
``meta.blueprint``: ``seed`` and ``index``; :func:`episode_seed`) and by
the records that existed before the episode began: the ones the user names by
an id ("cancel order ORD-12345"). :func:`open_world` builds it; synthesis
(:meth:`SimulatedTools.prepare`) and rollouts (``rollout/tool_env.py``) both
call it, so a rollout acts in the world synthesis ran the episode in.

Which records pre-existed is derived, never stored: synthesis knows the
user's stated ids from the plan (:func:`named_record_ids` of its stated
calls); a rollout has only the episode's messages, whose calls also hold ids
taken from earlier results (a chain's "the first flight you found").
:func:`pre_existing_ids` tells them apart by running the episode's calls once:
the simulator brings a pre-existing record into the world only when a call
first names it while no result has shown that id (``world/simulator.py``), so
an id a result produced never counts, and the ids that do come in are exactly
the ones synthesis's world brought in.
"""

from __future__ import annotations

from typing import Any, Iterable

from inftool_jax.calls.call import Call
from inftool_jax.world.batch_records import batch_keys
from inftool_jax.world.simulator import EpisodeState, ToolSimulator
from inftool_jax.tools.spec import ToolSpec

NEEDS_RECORD = ("read", "update", "cancel", "delete")
"""Operation kinds that look a record up by its id (the others make one, list, or act statelessly)."""


def episode_seed(run_seed: int, index: int) -> int:
    """The seed of episode ``index``'s tool world in the run seeded ``run_seed`` (stable across runs and resumes).

    The one rule: synthesis (``Blueprint.episode_seed``) and rollouts (``rollout/tool_env.py``) both call it,
    so a rollout opens the world synthesis ran the episode in.
    """
    return (int(run_seed) * 1_000_003 + int(index)) & 0x7FFFFFFF


def named_record_ids(sim: ToolSimulator, calls: Iterable[Call]) -> list[Any]:
    """Ids that ``calls`` look records up by (reads, updates, cancels, deletes), in order, without repeats."""
    out: list[Any] = []
    seen: set[str] = set()
    for call in calls:
        try:
            op = sim.operation(call.name)
        except KeyError:
            continue  # a tool the simulator does not have: its call names nothing in this world
        if op.kind not in NEEDS_RECORD or not op.id_param or not isinstance(call.arguments, dict):
            continue
        values = batch_keys(sim.tool(call.name), call.arguments) if op.batch else [call.arguments.get(op.id_param)]
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                continue
            if str(value) not in seen:
                seen.add(str(value))
                out.append(value)
    return out


def open_world(sim: ToolSimulator, episode_seed: int, existing: Iterable[Any] = ()) -> EpisodeState:
    """The world an episode starts in: a fresh state for ``episode_seed`` in which the records with the ids
    ``existing`` were there before the episode (each appears when a call first names it)."""
    return sim.new_state(episode_seed, existing=existing)


def pre_existing_ids(sim: ToolSimulator, episode_seed: int, calls: Iterable[Call]) -> list[Any]:
    """The ids of records that existed before an episode, from the calls it made (in order).

    Runs ``calls`` once in a scratch world where every id they look up could
    have pre-existed, and keeps the ids that actually came into the world that
    way (ids taken from an earlier result never do).
    """
    calls = list(calls)
    scratch = open_world(sim, episode_seed, named_record_ids(sim, calls))
    for call in calls:
        sim.call(call.name, call.arguments, state=scratch)
    return list(scratch.revealed)


class SimulatedTools:
    """Wraps :class:`ToolSimulator` for the role-play loop: ``reset(episode_seed)``, ``prepare(calls)``, ``call``."""

    name = "programmatic"

    def __init__(self, tools: dict[str, ToolSpec], seed: int):
        self.sim = ToolSimulator(list(tools.values()), seed=seed)

    def reset(self, episode_seed: int) -> None:
        self.sim.reset(episode_seed)

    def prepare(self, calls: list[Call]) -> None:
        """Open the episode's world (:func:`open_world`): the records ``calls`` (the plan's calls with only
        the user's stated values) look up by id were there before the episode."""
        self.sim.state = open_world(self.sim, self.sim.state.episode_seed, named_record_ids(self.sim, calls))

    def call(self, name: str, arguments: dict[str, Any]):
        return self.sim.call(name, arguments)


def make_simulated_tools(ctx) -> SimulatedTools:
    """Backend factory (see backends.py)."""
    return SimulatedTools(ctx.tools, ctx.seed)
