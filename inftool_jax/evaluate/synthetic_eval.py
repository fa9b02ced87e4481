"""Held-out synthetic evaluation: greedy turns on held-out episodes, scored by the checker and the gated reward.

Every ground-truth assistant turn of every held-out episode is one task: the
policy sees the true conversation up to that turn and writes one assistant
turn (greedy). A turn is an *exact match* when its text parses and

- for a call turn, the BFCL checker accepts its calls against the turn's
  acceptable values (parallel semantics, order-free, optimal matching);
- for a no-call or clarification turn, it makes no call.

``accuracy`` is the share of exact-match turns; ``call_accuracy`` is the
share over the turns whose ground-truth decision is "call" (any prose passes a
closing no-call turn, so ``accuracy`` alone hides whether calls are learned),
and ``decisions`` breaks every figure down per ground-truth decision. The same completions are
scored by the gated reward (execution-scored turns run their calls against the
episode's re-created world), giving ``reward_mean`` and per-gate pass rates.
Figures are also broken down per episode category.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

import numpy as np

from inftool_jax.grading.bfcl_checker import check_calls
from inftool_jax.grading.reward_config import GATES, RewardConfig
from inftool_jax.rollout.episode_rollout import Rollout
from inftool_jax.synth.episode import turn_to_bfcl_answer


def turn_error_type(rollout: Rollout) -> str | None:
    """Why one single-turn rollout is wrong, in the checker's words (None when it is right)."""
    task = rollout.task
    turn = task.episode["ground_truth"][task.turn_indices[0]]
    parsed = rollout.attempt.parsed
    if not parsed.ok:
        return "format:unparseable"
    decision = turn.get("decision", "call")
    if decision != "call":
        return "decision:called_instead_of_" + decision if parsed.calls else None
    if not parsed.calls:
        return "decision:no_call"
    docs = [t.get("function", t) for t in task.episode.get("tools") or []]
    verdict = check_calls(parsed.calls, turn_to_bfcl_answer(turn), docs, "parallel", matching="optimal")
    return None if verdict.valid else (verdict.error_type or "checker:invalid")


def exact_match(rollout: Rollout) -> bool:
    """The checker's verdict on one single-turn rollout (see the module docstring)."""
    return turn_error_type(rollout) is None


def score_rollouts(rollouts: Sequence[Rollout], reward_config: RewardConfig) -> dict[str, Any]:
    """Accuracy, reward mean, per-gate pass rates, overall and per category, plus one row per turn."""
    from inftool_jax.grading.gated_reward import GatedReward

    if not rollouts:
        return {"turns": 0, "accuracy": 0.0, "call_accuracy": 0.0, "reward_mean": 0.0, "gates": {g: 0.0 for g in GATES},
                "decisions": {}, "categories": {}, "rows": []}
    scorer = GatedReward(reward_config)
    batch = scorer.score([r.attempt for r in rollouts], [r.task.target for r in rollouts])
    exact = np.array([exact_match(r) for r in rollouts], bool)
    rows = []
    for i, r in enumerate(rollouts):
        rows.append({
            "episode": r.task.episode.get("id"),
            "message_index": r.task.message_index,
            "category": r.task.category,
            "decision": r.task.target.decision,
            "exact": bool(exact[i]),
            "reward": float(batch.rewards[i]),
            "first_failed_gate": GATES[int(batch.first_failed[i])] if int(batch.first_failed[i]) < len(GATES) else None,
            "text": r.texts[0] if r.texts else "",
        })

    def summary(idx: np.ndarray) -> dict[str, Any]:
        return {
            "turns": int(len(idx)),
            "accuracy": float(exact[idx].mean()),
            "reward_mean": float(batch.rewards[idx].mean()),
            "gates": {g: float(batch.passed[idx, k].mean()) for k, g in enumerate(GATES)},
        }

    by_cat: dict[str, list[int]] = defaultdict(list)
    by_decision: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rollouts):
        by_cat[r.task.category].append(i)
        by_decision[r.task.target.decision].append(i)
    out = summary(np.arange(len(rollouts)))
    calls = np.asarray(by_decision.get("call", []), int)
    out["call_accuracy"] = float(exact[calls].mean()) if len(calls) else 0.0
    out["episodes"] = len({id(r.task.episode) for r in rollouts})
    out["decisions"] = {d: summary(np.asarray(ix)) for d, ix in sorted(by_decision.items())}
    out["categories"] = {c: summary(np.asarray(ix)) for c, ix in sorted(by_cat.items())}
    out["rows"] = rows
    return out


def heldout_tasks(data_dir: Any, env: Any, limit: int | None = None) -> list[Any]:
    """Single-turn tasks of the held-out episodes in ``data_dir`` (the first ``limit`` episodes when given)."""
    from pathlib import Path

    from inftool_jax.errors import InputError
    from inftool_jax.rollout.episode_rollout import single_turn_tasks
    from inftool_jax.synth.dataset import read_episodes, shard_paths

    folder = Path(data_dir)
    if not folder.is_dir() or not shard_paths(folder):
        raise InputError(str(folder), "", "no episodes-*.jsonl shards in the held-out data folder")
    tasks = []
    for i, episode in enumerate(read_episodes(folder)):
        if limit is not None and i >= limit:
            break
        source = f"{folder}/episode {episode.get('id', i)}"
        env.check_episode(episode, source)
        tasks.extend(single_turn_tasks(episode, source))
    return tasks


def evaluate_policy(model: Any, tokenizer: Any, tasks: Sequence[Any], env: Any, reward_config: RewardConfig,
                    mesh: Any = None, max_new_tokens: int = 256, batch_size: int = 32, progress: bool = False) -> dict[str, Any]:
    """Greedy single-turn rollouts of ``tasks`` with the in-JAX sampler, scored by :func:`score_rollouts`."""
    rollouts = greedy_rollouts(model, tokenizer, tasks, env, reward_config, mesh, max_new_tokens, batch_size, progress)
    return score_rollouts(rollouts, reward_config)


def greedy_rollouts(model: Any, tokenizer: Any, tasks: Sequence[Any], env: Any, reward_config: RewardConfig,
                    mesh: Any = None, max_new_tokens: int = 256, batch_size: int = 32, progress: bool = False) -> list[Rollout]:
    """One greedy single-turn rollout per task with the in-JAX sampler, in the order of ``tasks``."""
    from tqdm import tqdm

    from inftool_jax.rollout.episode_rollout import EpisodeRollouts
    from inftool_jax.rollout.policy_generate import sampler_generate_fn
    from inftool_jax.rollout.sampler import Sampler
    from inftool_jax.rollout.sampling_config import SamplingConfig

    generate = sampler_generate_fn(Sampler(model, tokenizer, mesh), SamplingConfig(max_new_tokens=max_new_tokens, temperature=0.0), 0)
    runner = EpisodeRollouts(tokenizer, env, reward_config.call_format)
    # Similar prompt lengths together: fewer prompt buckets, less padding.
    order = sorted(range(len(tasks)), key=lambda i: len(runner.prompt_tokens(tasks[i])))
    done: dict[int, Rollout] = {}
    for start in tqdm(range(0, len(order), batch_size), desc="eval", disable=not progress, leave=False):
        chunk = order[start : start + batch_size]
        for i, r in zip(chunk, runner.run_single([tasks[i] for i in chunk], generate)):
            done[i] = r
    return [done[i] for i in range(len(tasks))]


def tools_from_episodes(data_dir: Any, limit: int | None = None) -> list[Any]:
    """The tools the held-out episodes offer, as ToolSpecs (response schemas from ``meta.tool_responses``).

    The episodes carry their tools, so no spec catalog is needed to evaluate on them. A tool offered with two
    different schemas is an InputError naming the episode.
    """
    from dataclasses import replace
    from pathlib import Path

    from inftool_jax.errors import InputError
    from inftool_jax.synth.dataset import read_episodes, shard_paths
    from inftool_jax.tools.openai_functions import ingest_openai

    folder = Path(data_dir)
    if not folder.is_dir() or not shard_paths(folder):
        raise InputError(str(folder), "", "no episodes-*.jsonl shards in the held-out data folder")
    specs: dict[str, Any] = {}
    for i, episode in enumerate(read_episodes(folder)):
        if limit is not None and i >= limit:
            break
        source = f"{folder}/episode {episode.get('id', i)}"
        responses = (episode.get("meta") or {}).get("tool_responses") or {}
        for spec in ingest_openai({"tools": episode.get("tools") or []}, source, "episodes"):
            spec = replace(spec, response=responses.get(spec.name), source="", pointer="")
            known = specs.setdefault(spec.name, spec)
            if known.fingerprint() != spec.fingerprint():
                raise InputError(source, "/tools", f"tool {spec.name!r} differs from the one earlier episodes offer")
    return list(specs.values())


def run_synthetic_eval(config: Any, model_dir: Any, data_dir: Any, out_path: Any, limit: int | None = None,
                       max_new_tokens: int = 256, progress: bool = True, tools_from_config: bool = True) -> dict[str, Any]:
    """``inftool eval synthetic``: load, evaluate, write RESULT.json + report.md + PNG next to it.

    ``tools_from_config``: the tool world from the config's spec catalog; off, from the episodes themselves."""
    from inftool_jax.evaluate.synthetic_report import write_report
    from inftool_jax.model.pretrained import load_pretrained
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rollout.tool_env import ToolEnvironment

    reward_config = getattr(config, "reward", None) or RewardConfig()
    mesh = make_mesh(config.mesh)
    tokenizer = load_tokenizer(model_dir)
    model = load_pretrained(model_dir, dtype=config.model.compute_dtype, param_dtype=config.model.param_dtype, mesh=mesh, progress=False)
    env = ToolEnvironment(config.load_catalog().tools if tools_from_config else tools_from_episodes(data_dir, limit))
    tasks = heldout_tasks(data_dir, env, limit)
    result = evaluate_policy(model, tokenizer, tasks, env, reward_config, mesh, max_new_tokens, progress=progress)
    result["model"] = str(model_dir)
    result["data"] = str(data_dir)
    write_report(result, out_path)
    return result
