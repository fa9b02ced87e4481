"""The device check's GRPO parts (benchmarks/device_check.py, parts 3 and 4): one GRPO step's time and MFU in bf16 on
a synthesized single-call task, and `inftool plan`'s GRPO-stage estimate for the same settings against the measured
peak memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

from device_check_report import Report, median, memory_now

# `inftool plan --accelerator` names by device_kind substring (capacity only changes the plan's "fits" verdict).
PLAN_ACCELERATORS = ((("h200",), "h200"), (("h100",), "h100-80gb"), (("v5 lite",), "v5e"), (("v5e",), "v5e"),
                     (("v5p",), "v5p"), (("tpu v5",), "v5p"))


def plan_accelerator(platform: str, device_kind: str) -> str | None:
    if platform == "cpu":
        return "cpu"
    kind = device_kind.lower()
    return next((name for keys, name in PLAN_ACCELERATORS if all(k in kind for k in keys)), None)


# ---------------------------------------------------------------------------
# 3. one GRPO step


def grpo_overrides(args) -> list[str]:
    """The experiment settings of the GRPO part, as `inftool plan` overrides (the plan reads the same ones)."""
    return [
        "model.param_dtype=bfloat16", "model.compute_dtype=bfloat16", "model.remat=none",
        "mesh.data=1", "mesh.fsdp=-1", "mesh.tp=1",
        f"grpo.prompts_per_step={args.grpo_prompts}", f"grpo.num_generations={args.group}",
        f"grpo.max_completion_length={args.grpo_new}", "grpo.beta=0.0", "grpo.drop_zero_variance_groups=false",
        "grpo.steps_per_generation=1", "grpo.temperature=1.0", "grpo.warmup_steps=0",
        "train.micro_batches=1", "train.tensorboard=false", f"train.bucket_multiple={args.bucket_multiple}",
        f"train.max_length={args.grpo_prompt + args.grpo_new}",
    ]


def grpo_task(tokenizer, work: Path, prompt_len: int):
    """A real synthesized single-call task whose prompt (system + user text, no tool schema) is at most, and about,
    ``prompt_len`` tokens (the user request's words repeated); the reward target stays the episode's ground-truth call
    (as in bench_grpo.py)."""
    from single_call_task import single_call_task

    from inftool_jax.model.episode_tokens import tokenize_prompt

    task, episode, catalog = single_call_task(work / "grpo-data")
    request = next(m["content"] for m in episode["messages"] if m["role"] == "user").split() or ["call"]
    system = {"role": "system", "content": "You are a helpful assistant."}

    def messages(words):
        return [system, {"role": "user", "content": " ".join(words)}]

    def length(words):
        return len(tokenize_prompt(tokenizer, None, messages(words)))

    words: list[str] = []
    if length(words) > prompt_len:
        raise ValueError(f"the shortest chat prompt is {length(words)} tokens, above --grpo-prompt {prompt_len}")
    while length(words) < prompt_len:
        words.append(request[len(words) % len(request)])
    while length(words) > prompt_len:  # at most prompt_len tokens: train.max_length is set from it
        words.pop()
    fixed = dataclasses.replace(task, episode={**episode, "tools": None, "messages": messages(words)},
                                message_index=2)
    return fixed, catalog


def run_grpo(folder: Path, args, device: dict[str, Any], keep: dict[str, Any]) -> dict[str, Any]:
    import jax

    from inftool_jax.config import load_config
    from inftool_jax.model import load_pretrained
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rl.grpo_run import sections
    from inftool_jax.rl.grpo_trainer import GRPOTrainer
    from inftool_jax.rollout.episode_rollout import EpisodeRollouts
    from inftool_jax.rollout.tool_env import ToolEnvironment
    from inftool_jax.train.metrics import measure_peak_flops, train_flops_per_token

    overrides = grpo_overrides(args)
    keep["grpo_overrides"] = overrides
    config = load_config(None, overrides)
    grpo, train, reward = sections(config)
    mesh = make_mesh(config.mesh)
    tokenizer = load_tokenizer(folder)
    task, catalog = grpo_task(tokenizer, Path(args.work), args.grpo_prompt)
    memory_before = memory_now()
    model = load_pretrained(folder, dtype=config.model.compute_dtype, param_dtype=config.model.param_dtype, mesh=mesh,
                            progress=False, remat=config.model.remat, scan_layers=config.model.scan_layers)
    rollouts = EpisodeRollouts(tokenizer, ToolEnvironment(catalog), reward.call_format, max_turns=1,
                               max_prompt_tokens=train.max_length)
    steps = args.grpo_steps + 1
    trainer = GRPOTrainer(model, tokenizer, rollouts, mesh, grpo, train, reward, total_steps=steps, seed=0,
                          out_dir=Path(args.work) / "grpo-out", log_to_files=False)
    # Full-length completions every step: the same work each time (a random policy may emit EOS anywhere).
    trainer.sampling = trainer.sampling.model_copy(update={"stop_at_eos": False})
    tasks = [task] * grpo.prompts_per_step
    key = jax.random.PRNGKey(0)
    records = []
    for s in range(steps):
        t0 = time.perf_counter()
        rollout_list, rewards = trainer.collect(tasks, jax.random.fold_in(key, s))
        t1 = time.perf_counter()
        batch = trainer.build_batch(rollout_list, rewards)
        metrics = trainer.update(batch)  # returns host floats: the step has finished on the device
        t2 = time.perf_counter()
        update_flops = train_flops_per_token(trainer.decoder_config, batch.seq_len) * batch.padded_tokens
        records.append({"step_s": t2 - t0, "rollout_s": t1 - t0, "update_s": t2 - t1, "flops": trainer.step_flops(batch),
                        "update_flops": update_flops, "generated": batch.generated_tokens, "positions": batch.padded_tokens,
                        "seq_len": batch.seq_len, "loss": metrics["loss"], "skipped": metrics["skipped"],
                        "reward_mean": float(rewards.rewards.mean()), "reward_std": float(rewards.rewards.std())})
    memory_after = memory_now()
    timed = records[1:]
    step_s, rollout_s, update_s = (median([r[k] for r in timed]) for k in ("step_s", "rollout_s", "update_s"))
    flops, update_flops = median([r["flops"] for r in timed]), median([r["update_flops"] for r in timed])
    measured_peak = measure_peak_flops(args.matmul, 10, dtype="bfloat16")
    table_peak = device["peak_bf16_flops_total"]
    out = {
        "what": "GRPOTrainer collect (in-JAX sampler, temperature 1) + build_batch + update (shared jitted train step, "
                "AdamW), bf16 params and compute, beta 0, one update per step",
        "prompts_per_step": grpo.prompts_per_step, "num_generations": grpo.num_generations,
        "prompt_tokens": int(len(rollouts.prompt_tokens(task))), "completion_tokens": grpo.max_completion_length,
        "mesh": dict(mesh.shape), "generated_tokens_per_step": timed[0]["generated"],
        "update_positions_per_step": timed[0]["positions"], "update_seq_len": timed[0]["seq_len"],
        "first_step_s": round(records[0]["step_s"], 3), "compile_s_estimate": round(records[0]["step_s"] - step_s, 3),
        "step_s": [round(r["step_s"], 4) for r in timed], "median_step_s": round(step_s, 4),
        "median_rollout_s": round(rollout_s, 4), "median_update_s": round(update_s, 4),
        "generated_tokens_per_s": timed[0]["generated"] / step_s,
        "step_flops": flops, "update_flops": update_flops, "achieved_flops_per_s": flops / step_s,
        "flops_convention": "GRPOTrainer.step_flops: 2*matmul_params per token fed to the sampler + train_flops_per_token "
                            "(6*matmul_params + 12*layers*q_size*seq_len) per update position",
        "peak_flops_per_s": table_peak, "peak_source": device["peak_source"],
        "mfu": flops / step_s / table_peak if table_peak else None,
        "update_mfu": update_flops / update_s / table_peak if table_peak else None,
        "measured_bf16_matmul_flops_per_s": measured_peak, "matmul_size": args.matmul,
        "mfu_vs_measured_matmul": flops / step_s / measured_peak,
        "update_mfu_vs_measured_matmul": update_flops / update_s / measured_peak,
        "losses": [r["loss"] for r in records], "skipped_updates": sum(r["skipped"] for r in records),
        "reward_means": [r["reward_mean"] for r in records], "reward_stds": [r["reward_std"] for r in records],
        "note": "a random policy's completions mostly score alike (reward std 0 gives zero advantages and a zero loss); "
                "the update does the same work either way (forward, backward, AdamW on every parameter)",
        "memory_before": memory_before, "memory_after": memory_after,
    }
    if not table_peak:
        out["mfu_null_reason"] = device["peak_source"]
    del trainer, model
    return out


# ---------------------------------------------------------------------------
# 4. memory: `inftool plan` against the measured peak


def run_memory(folder: Path, args, device: dict[str, Any], keep: dict[str, Any], report: Report) -> dict[str, Any]:
    from inftool_jax.commands.plan import build_plans

    overrides = keep.get("grpo_overrides") or grpo_overrides(args)
    accelerator = plan_accelerator(device["platform"], device["device_kind"])
    namespace = argparse.Namespace(config=None, model_config=str(folder), accelerator=accelerator,
                                   devices=device["device_count"], remat=None, master_dtype=None, json=True,
                                   overrides=overrides)
    plan = build_plans(namespace)
    stage = plan["stages"]["grpo"]
    measured = memory_now()["peak_bytes_in_use"]
    grpo_part = report.data.get("grpo", {})
    out = {
        "what": "`inftool plan` (commands/plan.py build_plans) GRPO stage, per device, vs peak_bytes_in_use of local "
                "device 0 over the whole process (read after the GRPO part)",
        "plan_command": ("inftool plan --model-config MODEL_FOLDER --devices "
                         f"{device['device_count']}" + (f" --accelerator {accelerator}" if accelerator else "") + " "
                         + " ".join(overrides)),
        "plan_accelerator": plan["accelerator"], "plan_mesh": plan["mesh"],
        "planned": {k: stage[k] for k in ("parameters", "gradients", "optimizer_state", "reference", "activations",
                                          "kv_cache", "train_peak", "rollout_peak", "peak", "rows_per_device")},
        "planned_peak_bytes": stage["peak"],
        "measured_peak_bytes": measured,
        "measured_over_planned": measured / stage["peak"] if measured else None,
        "grpo_part_ran": "median_step_s" in grpo_part,
        "notes": plan["notes"] + [
            "the plan sizes GRPO's update as full rows of train.max_length tokens; GRPOTrainer with micro_batches=1 runs "
            "each distinct prompt once and the completions against its cache, so its activation figure counts more "
            "token positions than this step runs",
        ],
    }
    if measured is None:
        out["measured_null_reason"] = f"jax's {device['platform']} backend reports no memory_stats()"
    return out
