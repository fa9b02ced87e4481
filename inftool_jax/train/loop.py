"""``Trainer``: the orchestration SFT and GRPO share around the jitted step.

It owns the sharded :class:`TrainState`, the compiled step, the orbax
checkpointer and the metrics logger; a stage supplies the model, a loss function
and batches. SFT calls :meth:`Trainer.fit` with a :class:`BatchLoader`; a stage
that makes its own batches (GRPO rollouts) calls :meth:`step`, :meth:`log_window`
and :meth:`save` itself and keeps its own resume data in ``extra``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from inftool_jax.train.checkpoint import Checkpointer
from inftool_jax.train.config import TrainConfig
from inftool_jax.train.data import BatchLoader, global_batch
from inftool_jax.train.metrics import MetricsLogger, measure_peak_flops, train_flops_per_token
from inftool_jax.train.optimizer import learning_rate, make_optimizer
from inftool_jax.train.state import ModelDef, TrainState, create_train_state, flat_params, state_shardings
from inftool_jax.train.step_fn import LossFn, compile_train_step


class TrainingAborted(RuntimeError):
    """Too many non-finite steps in a row (or another condition training cannot go on from)."""


def check_batch_layout(cfg: TrainConfig, mesh: Mesh, source: str = "<config>") -> None:
    """Raise :class:`InputError` unless each micro-batch splits evenly over the mesh's batch axes."""
    from inftool_jax.errors import InputError

    if cfg.batch_size % cfg.micro_batches:
        raise InputError(source, "train.micro_batches", f"{cfg.micro_batches} does not divide train.batch_size={cfg.batch_size}")
    shards = mesh.shape["data"] * mesh.shape["fsdp"]
    micro = cfg.batch_size // cfg.micro_batches
    if micro % shards:
        raise InputError(
            source, "train.batch_size",
            f"each micro-batch ({cfg.batch_size} / {cfg.micro_batches} micro-batches = {micro} sequences) must split "
            f"evenly over the mesh's data x fsdp = {shards} batch shards",
        )


class Trainer:
    """Step, guard, log and checkpoint one training run in ``out_dir``.

    ``out_dir/checkpoints`` (orbax), ``out_dir/metrics.jsonl``, ``out_dir/tensorboard``.
    ``total_steps`` sets the schedule's length and where :meth:`fit` stops.
    """

    def __init__(
        self,
        cfg: TrainConfig,
        model: Any,
        loss_fn: LossFn,
        mesh: Mesh,
        out_dir: str | Path,
        *,
        total_steps: int,
        seed: int,
        progress: bool = True,
        log_to_files: bool = True,
    ):
        self.cfg = cfg
        self.mesh = mesh
        check_batch_layout(cfg, mesh)
        self.out_dir = Path(out_dir)
        self.total_steps = int(total_steps)
        self.progress = progress
        self.model_def = ModelDef(model)
        self.decoder_config = getattr(model, "config", None)
        self.schedule = learning_rate(cfg, total_steps)
        self.optimizer = make_optimizer(cfg, total_steps)
        params = flat_params(model)
        abstract = jax.eval_shape(lambda p: create_train_state(p, self.optimizer, seed), params)
        self.shardings = state_shardings(abstract, mesh)
        self.state: TrainState = jax.jit(lambda p: create_train_state(p, self.optimizer, seed), out_shardings=self.shardings)(params)
        self._step = compile_train_step(
            loss_fn, model_def=self.model_def, optimizer=self.optimizer, state_shardings=self.shardings, mesh=mesh,
            schedule=self.schedule, micro_batches=cfg.micro_batches,
        )
        self.step_count = 0
        self.checkpointer = Checkpointer(self.out_dir / "checkpoints", cfg.keep_checkpoints) if log_to_files else None
        writer = jax.process_index() == 0 and log_to_files
        self.logger = MetricsLogger(self.out_dir, tensorboard=cfg.tensorboard, enabled=writer)
        self._peak_flops: float | None = cfg.peak_flops or None
        self._window: list[dict[str, float]] = []
        self._window_start = time.perf_counter()

    # -- state ---------------------------------------------------------------

    def model(self) -> Any:
        """A ``CausalLM`` holding the current parameters (shares their buffers; do not step while using it)."""
        return self.model_def.merge(self.state.params)

    def resume(self) -> dict[str, Any] | None:
        """Restore the latest checkpoint if there is one; returns its extra JSON (None when starting fresh)."""
        if self.checkpointer is None or self.checkpointer.latest_step() is None:
            return None
        self.state, extra = self.checkpointer.restore(self.state, self.shardings)
        self.step_count = int(jax.device_get(self.state.step))
        return extra

    def save(self, extra: dict[str, Any]) -> None:
        """Checkpoint the current step with ``extra`` (e.g. the loader position)."""
        if self.checkpointer is not None:
            self.checkpointer.save(self.step_count, self.state, extra)

    # -- stepping ------------------------------------------------------------

    def step(self, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One optimiser step on a global numpy batch; returns its metrics as floats.

        Raises :class:`TrainingAborted` after ``max_nonfinite_steps`` non-finite steps in a row.
        """
        arrays = global_batch(batch, self.mesh)
        self.state, metrics = self._step(self.state, arrays)
        self.step_count += 1
        out = {k: float(v) for k, v in jax.device_get(metrics).items()}
        mask = batch.get("attention_mask")
        if mask is not None:
            out["tokens"] = float(mask.sum())
            out["padded_tokens"] = float(mask.size)
            if self.decoder_config is not None:
                out["flops"] = out["tokens"] * train_flops_per_token(self.decoder_config, mask.shape[1])
        self._window.append(out)
        if out["nonfinite_streak"] >= self.cfg.max_nonfinite_steps:
            self.log_window()
            raise TrainingAborted(
                f"step {self.step_count}: loss or gradients were NaN/inf for {int(out['nonfinite_streak'])} steps in a row "
                f"(train.max_nonfinite_steps={self.cfg.max_nonfinite_steps}); lower the stage's learning_rate (sft.learning_rate / grpo.learning_rate) or check the data"
            )
        return out

    def peak_flops(self) -> float:
        if self._peak_flops is None:
            self._peak_flops = measure_peak_flops()
        return self._peak_flops

    def log_window(self, extra: dict[str, float] | None = None) -> dict[str, float]:
        """Write one metrics line summarising the steps since the last one: means, tokens/s and MFU."""
        window, self._window = self._window, []
        elapsed = time.perf_counter() - self._window_start
        self._window_start = time.perf_counter()
        if not window and not extra:
            return {}
        summary: dict[str, float] = {}
        if window:
            weight = sum(w["weight"] for w in window)
            finite = [w for w in window if not w["skipped"]]
            summary["loss"] = (sum(w["loss"] * w["weight"] for w in finite) / max(sum(w["weight"] for w in finite), 1e-9)) if finite else float("nan")
            for key in window[-1]:
                if key in ("loss", "tokens", "padded_tokens", "flops", "skipped", "nonfinite_streak", "learning_rate"):
                    continue
                summary[key] = float(np.mean([w[key] for w in window]))
            summary["weight"] = weight
            summary["learning_rate"] = window[-1]["learning_rate"]
            summary["skipped"] = sum(w["skipped"] for w in window)
            summary["nonfinite_streak"] = window[-1]["nonfinite_streak"]
            summary["steps_per_s"] = len(window) / max(elapsed, 1e-9)
            if "tokens" in window[-1]:
                tokens = sum(w["tokens"] for w in window)
                summary["tokens_per_s"] = tokens / max(elapsed, 1e-9)
                summary["padding_fraction"] = 1 - tokens / max(sum(w["padded_tokens"] for w in window), 1)
            if "flops" in window[-1]:
                summary["mfu"] = sum(w["flops"] for w in window) / max(elapsed, 1e-9) / self.peak_flops()
        summary.update(extra or {})
        self.logger.log(self.step_count, summary)
        return summary

    def fit(
        self,
        loader: BatchLoader,
        evaluate: Callable[[], dict[str, float]] | None = None,
        eval_every: int = 0,
        until: int | None = None,
    ) -> dict[str, float]:
        """Step until ``total_steps`` on ``loader``'s batches, logging, evaluating and checkpointing on schedule.

        ``until`` stops earlier (at that step, with a checkpoint) without changing the schedule.
        Returns the last logged summary. The loader's position goes into each checkpoint,
        so :meth:`resume` + :meth:`fit` continues exactly where the run stopped.
        """
        from tqdm import tqdm

        cfg = self.cfg
        last: dict[str, float] = {}
        bar = tqdm(total=self.total_steps, initial=self.step_count, desc="train", disable=not self.progress, dynamic_ncols=True)
        self._window_start = time.perf_counter()
        try:
            stop = self.total_steps if until is None else min(until, self.total_steps)
            while self.step_count < stop:
                out = self.step(next(loader))
                bar.update(1)
                bar.set_postfix(loss=f"{out['loss']:.4f}", refresh=False)
                done = self.step_count >= stop
                if self.step_count % cfg.log_every == 0 or done:
                    last = self.log_window()
                    if "tokens_per_s" in last:
                        bar.set_postfix(loss=f"{last['loss']:.4f}", tok_s=f"{last['tokens_per_s']:.0f}", refresh=False)
                if evaluate is not None and eval_every and (self.step_count % eval_every == 0 or done):
                    scores = evaluate()
                    self.logger.log(self.step_count, scores)
                    last = {**last, **scores}
                    self._window_start = time.perf_counter()  # evaluation time is not training throughput
                if (cfg.checkpoint_every and self.step_count % cfg.checkpoint_every == 0) or done:
                    self.save({"loader": loader.position()})
        finally:
            bar.close()
        return last

    def close(self) -> None:
        self.logger.close()
        if self.checkpointer is not None:
            self.checkpointer.close()
