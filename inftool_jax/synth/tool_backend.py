"""The programmatic tools backend: the in-process stateful simulator (synth/simulator.py).

Before an episode runs, :meth:`SimulatedTools.prepare` puts into the world the
records the user refers to by a stated id ("cancel order ORD-12345"), so
reads, updates and cancels of them succeed as they would for a real account.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.calls.call import Call
from inftool_jax.synth.simulator import ToolSimulator
from inftool_jax.tools.spec import ToolSpec

_NEEDS_RECORD = ("read", "update", "cancel", "delete")


class SimulatedTools:
    """Wraps :class:`ToolSimulator` for the role-play loop."""

    name = "programmatic"

    def __init__(self, tools: dict[str, ToolSpec], seed: int):
        self.sim = ToolSimulator(list(tools.values()), seed=seed)

    def reset(self, episode_seed: int) -> None:
        self.sim.reset(episode_seed)

    def prepare(self, calls: list[Call]) -> None:
        """Create the records that ``calls`` (with user-stated values) look up by id."""
        for call in calls:
            op = self.sim.operation(call.name)
            if op.kind in _NEEDS_RECORD and op.id_param and op.id_param in call.arguments:
                record_id = call.arguments[op.id_param]
                if isinstance(record_id, (str, int)) and not isinstance(record_id, bool):
                    self.sim.add_record(op.resource, {}, record_id)

    def call(self, name: str, arguments: dict[str, Any]):
        return self.sim.call(name, arguments)


def make_simulated_tools(ctx) -> SimulatedTools:
    """Backend factory (see backends.py)."""
    return SimulatedTools(ctx.tools, ctx.seed)
