"""``inftool train --stage grpo``: GRPO on synthesized episodes from files on disk, resumable.

``run_grpo(config, model_dir, data_dir, out_dir, resume)`` loads the policy
(HF folder) sharded on the config's mesh, the episodes in ``data_dir`` and the
spec catalog (the tool world), then runs ``grpo.max_steps`` GRPO steps
(0: ``train.epochs`` passes over the tasks) at ``grpo.learning_rate``. Task order is a seeded permutation per epoch and
the rollout key of step ``s`` is ``fold_in(key(seed), s)``, so a run resumed
from its last checkpoint continues exactly as if never stopped. OUT_DIR ends
up holding the final model as an HF folder (loadable by ``--model`` anywhere),
``checkpoints/`` (orbax), ``metrics.jsonl`` and ``tensorboard/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from inftool_jax.errors import InputError
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.model.config import MeshConfig, ModelConfig
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
from inftool_jax.train.config import SharedTrainSettings, TrainConfig


class GRPOExperiment(Protocol):
    """What the GRPO stage reads of the experiment config (``inftool_jax.config.Config`` is one; the stage cannot
    import it: the composition root sits above every stage)."""

    seed: int
    specs: Any  # tools.specs_config.SpecsConfig

    def load_catalog(self, warn: Any = None) -> Any: ...
    mesh: MeshConfig
    model: ModelConfig
    train: SharedTrainSettings
    reward: RewardConfig
    grpo: GRPOStageConfig

    def resolve(self, path: str | Path) -> Path: ...


def sections(config: GRPOExperiment) -> tuple[GRPOStageConfig, TrainConfig, RewardConfig]:
    """The grpo section, the trainer's settings (``train:`` with the grpo section's schedule) and the reward section."""
    return config.grpo, TrainConfig.for_stage(config.train, config.grpo), config.reward


def load_tasks(data_dir: str | Path, env: Any, grpo: GRPOStageConfig) -> list[Any]:
    """Every task of every episode in ``data_dir`` (optionally only some categories / decisions), in file order."""
    from inftool_jax.rollout.episode_rollout import agentic_tasks, single_turn_tasks
    from inftool_jax.synth.dataset import read_episodes, shard_paths

    folder = Path(data_dir)
    if not folder.is_dir() or not shard_paths(folder):
        raise InputError(str(folder), "", "no episodes-*.jsonl shards in the data folder")
    make = agentic_tasks if grpo.rollout == "agentic" else single_turn_tasks
    tasks = []
    for i, episode in enumerate(read_episodes(folder)):
        if grpo.categories and (episode.get("meta") or {}).get("category") not in grpo.categories:
            continue
        source = f"{folder}/episode {episode.get('id', i)}"
        env.check_episode(episode, source)
        tasks.extend(t for t in make(episode, source) if not grpo.decisions or t.target.decision in grpo.decisions)
    if not tasks:
        raise InputError(str(folder), "grpo.categories", "no tasks to train on (no episodes, or none in grpo.categories / grpo.decisions)")
    return tasks


def prompt_limit(grpo: GRPOStageConfig, train: TrainConfig) -> int:
    """The longest prompt a task may have (grpo.max_prompt_length, or what max_length leaves beside a completion)."""
    limit = grpo.max_prompt_length or train.max_length - grpo.max_completion_length
    if limit <= 0:
        raise InputError("config", "grpo.max_completion_length",
                         f"{grpo.max_completion_length} leaves no room for a prompt in train.max_length={train.max_length}; "
                         "raise train.max_length or set grpo.max_prompt_length")
    return limit


def fitting_tasks(tasks: list[Any], prompt_tokens: Any, limit: int, source: str) -> tuple[list[Any], int]:
    """The tasks whose prompt has at most ``limit`` tokens, in order, and how many were left out."""
    kept = [t for t in tasks if len(prompt_tokens(t)) <= limit]
    if not kept:
        raise InputError(source, "grpo.max_prompt_length",
                         f"every one of the {len(tasks)} tasks has a prompt over {limit} tokens; raise grpo.max_prompt_length "
                         "or train.max_length")
    return kept, len(tasks) - len(kept)


def task_order(num_tasks: int, step: int, per_step: int, seed: int) -> list[int]:
    """Indices of the tasks of GRPO step ``step``: consecutive slices of one seeded permutation per epoch."""
    out = []
    for j in range(step * per_step, (step + 1) * per_step):
        epoch, pos = divmod(j, num_tasks)
        out.append(int(np.random.default_rng([seed, epoch]).permutation(num_tasks)[pos]))
    return out


def run_grpo(config: GRPOExperiment, model_dir: str | Path, data_dir: str | Path, out_dir: str | Path, resume: bool = False,
             progress: bool = True, endpoint: Any = None) -> dict[str, Any]:
    """Train with GRPO; returns the last step's metrics (see the module docstring).

    Rollouts come from the engine ``rollout.engine`` names (:mod:`inftool_jax.serve.rollout_engines`); with
    ``sglang``, ``endpoint`` is the caller's running server (the loop's), else one is made from ``sglang:``."""
    import jax
    from tqdm import tqdm

    from inftool_jax.model.pretrained import load_pretrained, save_pretrained
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rl.grpo_trainer import GRPOTrainer
    from inftool_jax.rollout.episode_rollout import EpisodeRollouts
    from inftool_jax.rollout.tool_env import ToolEnvironment
    from inftool_jax.serve.rollout_engines import make_rollout_engine
    from inftool_jax.train.metrics import measure_peak_flops

    grpo, train, reward = sections(config)
    seed = train.seed if train.seed >= 0 else int(config.seed)
    out = Path(out_dir)
    if out.exists() and (out / "checkpoints").exists() and any((out / "checkpoints").iterdir()) and not resume:
        raise InputError(str(out), "", "holds a run already; pass --resume to continue it or choose another --out")
    mesh = make_mesh(config.mesh)
    tokenizer = load_tokenizer(model_dir)
    model = load_pretrained(model_dir, dtype=config.model.compute_dtype, param_dtype=config.model.param_dtype, mesh=mesh,
                            progress=False, remat=config.model.remat, scan_layers=config.model.scan_layers)
    env = ToolEnvironment(config.load_catalog().tools)
    tasks = load_tasks(data_dir, env, grpo)
    rollouts = EpisodeRollouts(tokenizer, env, reward.call_format, grpo.max_turns, max_prompt_tokens=train.max_length)
    tasks, long_prompts = fitting_tasks(tasks, rollouts.prompt_tokens, prompt_limit(grpo, train), str(data_dir))
    total = train.max_steps or max(1, train.epochs * len(tasks) // grpo.prompts_per_step)
    rollout_cfg = getattr(config, "rollout", None)
    engine = make_rollout_engine(rollout_cfg.engine if rollout_cfg is not None else "inprocess", tokenizer=tokenizer,
                                 mesh=mesh, model_dir=model_dir, out_dir=out, sglang=getattr(config, "sglang", None),
                                 endpoint=endpoint, base_dir=getattr(config, "_base_dir", None))
    trainer = GRPOTrainer(model, tokenizer, rollouts, mesh, grpo, train, reward, total, seed, out, engine=engine)
    if resume:
        trainer.trainer.resume()
    peak = train.peak_flops or measure_peak_flops()
    base_key = jax.random.PRNGKey(seed)
    last: dict[str, Any] = {}
    bar = tqdm(total=total, initial=trainer.grpo_step, desc="grpo", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    try:
        while trainer.grpo_step < total:
            s = trainer.grpo_step
            batch_tasks = [tasks[i] for i in task_order(len(tasks), s, grpo.prompts_per_step, seed)]
            last = trainer.step(batch_tasks, jax.random.fold_in(base_key, s), peak)
            last.update(tasks=float(len(tasks)), tasks_long_prompt=float(long_prompts))
            done = trainer.grpo_step >= total
            bar.update(1)
            bar.set_postfix(reward=f"{last['reward_mean']:.3f}", tok_s=f"{last['tokens_per_second']:.0f}", refresh=False)
            if trainer.grpo_step % train.log_every == 0 or done:
                trainer.trainer.log_window(last)
            if (train.checkpoint_every and trainer.grpo_step % train.checkpoint_every == 0) or done:
                trainer.trainer.save({"grpo_step": trainer.grpo_step})
    finally:
        bar.close()
        engine.close()
    save_pretrained(trainer.policy(), out, tokenizer_dir=model_dir, progress=False)
    trainer.trainer.close()
    return last
