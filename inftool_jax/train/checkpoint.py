"""Orbax checkpoints of the training state plus the data-loader position and any JSON extras.

``OUT_DIR/checkpoints/<step>/`` holds ``state`` (the :class:`TrainState` pytree,
restored straight into its sharded placement) and ``extra`` (JSON: the data
loader's position and whatever the stage needs to resume bit for bit). Only the
last ``keep`` steps are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp

from inftool_jax.train.state import TrainState


class Checkpointer:
    """Save and restore ``(TrainState, extra JSON)`` under ``folder`` with orbax, keeping the last ``keep``."""

    def __init__(self, folder: str | Path, keep: int):
        self.folder = Path(folder).absolute()
        self.manager = ocp.CheckpointManager(
            self.folder,
            options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True, enable_async_checkpointing=False),
        )

    def steps(self) -> list[int]:
        """Saved steps, oldest first."""
        return sorted(self.manager.all_steps())

    def latest_step(self) -> int | None:
        return self.manager.latest_step()

    def save(self, step: int, state: TrainState, extra: dict[str, Any]) -> None:
        """Write step ``step`` (every process must call it on multi-host) and drop the oldest beyond ``keep``."""
        if step in self.manager.all_steps():
            return
        self.manager.save(
            step,
            args=ocp.args.Composite(state=ocp.args.StandardSave(state), extra=ocp.args.JsonSave(extra)),
        )
        self.manager.wait_until_finished()

    def restore(self, like: TrainState, shardings: TrainState, step: int | None = None) -> tuple[TrainState, dict[str, Any]]:
        """The state at ``step`` (default: latest) shaped like ``like`` and placed per ``shardings``, and its extra JSON."""
        step = self.latest_step() if step is None else step
        if step is None:
            raise FileNotFoundError(f"no checkpoint in {self.folder}")
        target = jax.tree.map(lambda x, s: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=s), like, shardings)
        restored = self.manager.restore(
            step, args=ocp.args.Composite(state=ocp.args.StandardRestore(target), extra=ocp.args.JsonRestore())
        )
        return restored["state"], dict(restored["extra"])

    def close(self) -> None:
        self.manager.close()
