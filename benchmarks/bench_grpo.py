"""One full GRPO step of inftool_jax's GRPOTrainer against TRL's ``GRPOTrainer`` on PyTorch, CPU, same run.

A step is: generate G completions for each of B prompts, score them, one optimiser update. Both sides:

- the same weights: the tiny default Qwen2 (`inftool init-model`: 4 layers, hidden 256, 4 heads, 2 KV heads,
  intermediate 704, BPE tokenizer trained on configs/specs), saved once as an HF folder; ours loads it with
  ``load_pretrained``, TRL with ``Qwen2ForCausalLM.from_pretrained``; float32 on both;
- the same prompt token ids: a chat prompt of exactly ``--prompt`` tokens (the user request of a real
  synthesized single-call episode, words repeated to fill; no tool schema, since the shortest prompt with one
  schema is already ~200 tokens); checked equal to what TRL's tokenisation gives;
- the same reward meaning: the gated reward against that episode's ground-truth call. Ours scores the group
  with the batched JAX kernel (``GatedReward``); TRL calls a Python reward function that parses each
  completion with the hermes parser and scores it with the plain-Python reference (``score_reference``);
  the two are property-tested to agree exactly;
- the same work: B x G completions of exactly ``--new`` tokens (EOS neither stops nor is suppressed on ours;
  TRL gets ``min_new_tokens``, so both generate the full length), sampling at temperature 1 with the KV cache
  (ours: the in-JAX sampler; TRL: transformers ``generate``, no vLLM), beta = 0 (no reference model), one
  optimiser update per step, no gradient accumulation, loss_type dapo (token mean) with clip 0.2 / 0.28, AdamW with
  clipping at 1.0, log-probs recomputed by the trainer (on-policy, no extra forward on either side).

Timing: the first step of each side is warm-up (ours: compilation, reported on its own) and is excluded;
the median of ``--steps`` steps is reported (ours runs ``--steps`` steps before TRL and as many after, so a
change of machine load hits both sides). TRL's step is the wall time between consecutive ``on_step_end``
callbacks (data, generation, reward, loss, backward, optimiser). PyTorch is timed at 1 thread and at all
threads (its OpenMP threads collapse on a shared machine; a run > 3x slower than the other is stopped early)
and its better median is used. MFU is our step's
model FLOPs (``GRPOTrainer.step_flops``) over the step time and the fp32 matmul peak measured in this run
(``measure_peak_flops``: a jitted 2048^3 matmul under XLA).

    python benchmarks/bench_grpo.py                         # B=1 x G=8 x 64 new tokens, prompt 128
    python benchmarks/bench_grpo.py --prompts 2 --group 8 --new 128 --steps 7
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "configs" / "specs"


# ---------------------------------------------------------------------------
# The shared setup: model folder, task, prompt


def make_model(folder: Path, args) -> Path:
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    cfg = TinyModelConfig(num_layers=args.layers, hidden_size=args.hidden, num_heads=4, num_kv_heads=2,
                          intermediate_size=args.intermediate)
    return init_tiny_model(folder / "model", [SPECS], cfg, seed=0, progress=False)


def make_task(folder: Path, tokenizer, prompt_len: int):
    """A real single-call task whose prompt is a tool-free chat prompt of exactly ``prompt_len`` tokens."""
    from inftool_jax.model.episode_tokens import tokenize_prompt
    from single_call_task import single_call_task

    task, episode, catalog = single_call_task(folder)
    request = next(m["content"] for m in episode["messages"] if m["role"] == "user")
    system = {"role": "system", "content": "You are a helpful assistant."}

    def prompt(words: list[str]):
        return [system, {"role": "user", "content": " ".join(words)}]

    base, words = request.split(), []
    length = lambda w: len(tokenize_prompt(tokenizer, None, prompt(w)))  # noqa: E731
    while length(words) < prompt_len:
        words.append(base[len(words) % len(base)])
    while length(words) > prompt_len and words:
        words.pop()
    while length(words) < prompt_len:
        words.append("a")
    if length(words) != prompt_len:
        raise SystemExit(f"could not build a prompt of exactly {prompt_len} tokens")
    messages = prompt(words)
    # The target (ground-truth call and its tools) stays the episode's; only the prompt the policy sees changes.
    fixed = dataclasses.replace(task, episode={**episode, "tools": None, "messages": messages}, message_index=len(messages))
    return fixed, catalog


# ---------------------------------------------------------------------------
# inftool_jax


class Ours:
    def __init__(self, model_dir: Path, out_dir: Path, task, catalog, args, steps: int):
        import jax

        from inftool_jax.model.config import MeshConfig
        from inftool_jax.model.pretrained import load_pretrained
        from inftool_jax.model.sharding import make_mesh
        from inftool_jax.model.tokenizer import load_tokenizer
        from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
        from inftool_jax.rl.grpo_trainer import GRPOTrainer
        from inftool_jax.grading.reward_config import RewardConfig
        from inftool_jax.rollout.episode_rollout import EpisodeRollouts
        from inftool_jax.rollout.tool_env import ToolEnvironment
        from inftool_jax.train.config import TrainConfig

        mesh = make_mesh(MeshConfig(data=1, fsdp=1, tp=1), devices=jax.devices()[:1])
        self.tokenizer = load_tokenizer(model_dir)
        model = load_pretrained(model_dir, mesh=mesh, progress=False)
        grpo = GRPOStageConfig(
            num_generations=args.group, prompts_per_step=args.prompts, max_completion_length=args.new, beta=0.0,
            epsilon=0.2, epsilon_high=0.28, loss_type="dapo", scale_rewards="group", drop_zero_variance_groups=False,
            temperature=1.0, top_p=1.0, top_k=0, steps_per_generation=1,
        )
        train = TrainConfig(learning_rate=args.lr, warmup_steps=0, weight_decay=0.0, clip_norm=1.0, b1=0.9, b2=0.95,
                            micro_batches=1, tensorboard=False)
        rollouts = EpisodeRollouts(self.tokenizer, ToolEnvironment(catalog), RewardConfig().call_format, max_turns=1)
        self.trainer = GRPOTrainer(model, self.tokenizer, rollouts, mesh, grpo, train, RewardConfig(), total_steps=steps,
                                   seed=0, out_dir=out_dir, log_to_files=False)
        # Full-length completions on both sides (TRL: min_new_tokens), so both do exactly the same work.
        self.trainer.sampling = self.trainer.sampling.model_copy(update={"stop_at_eos": False})
        self.tasks = [task] * args.prompts
        self.prompt_ids = rollouts.prompt_tokens(task)
        self.key = jax.random.PRNGKey(0)
        self.count = 0

    def step(self, peak: float) -> dict:
        import jax

        metrics = self.trainer.step(self.tasks, jax.random.fold_in(self.key, self.count), peak)
        self.count += 1
        return metrics


# ---------------------------------------------------------------------------
# TRL


def run_trl(model_dir: Path, out_dir: Path, prompt_text: str, target, args, steps: int, threads: int,
            give_up_after: float = float("inf")) -> dict:
    """``steps`` TRL GRPO steps; returns step wall times (first one is warm-up) and generated-token counts.

    A timed step slower than ``give_up_after`` seconds ends the run early (a thread count that collapses under load).
    """
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer, Qwen2ForCausalLM, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from inftool_jax.calls import get_format
    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.grading.reward_reference import score_reference
    from inftool_jax.grading.reward_target import Attempt

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    parse = get_format(RewardConfig().call_format).parse
    reward_config = RewardConfig()

    def gated_reward(prompts, completions, **kwargs):
        return [float(score_reference(Attempt(parse(text), ()), target, reward_config).reward) for text in completions]

    times: list[float] = []
    lengths: list[int] = []

    class Clock(TrainerCallback):
        def on_train_begin(self, *a, **k):
            times.append(time.perf_counter())

        def on_step_end(self, args_, state, control, **k):
            times.append(time.perf_counter())
            if len(times) > 2 and times[-1] - times[-2] > give_up_after:
                control.should_training_stop = True

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    config = GRPOConfig(
        output_dir=str(out_dir), per_device_train_batch_size=args.prompts * args.group, gradient_accumulation_steps=1,
        num_generations=args.group, steps_per_generation=1, num_iterations=1, max_completion_length=args.new,
        generation_kwargs={"min_new_tokens": args.new}, temperature=1.0, top_p=1.0, top_k=0, beta=0.0,
        epsilon=0.2, epsilon_high=0.28, loss_type="dapo", scale_rewards="group", mask_truncated_completions=False,
        learning_rate=args.lr, lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        adam_beta1=0.9, adam_beta2=0.95, use_vllm=False, bf16=False, fp16=False, use_cpu=True, max_steps=steps,
        logging_steps=10**6, save_strategy="no", report_to="none", disable_tqdm=True, log_completions=False, seed=0,
        dataloader_num_workers=0,
    )
    data = Dataset.from_dict({"prompt": [prompt_text] * (steps * args.prompts)})
    trainer = GRPOTrainer(model=model, reward_funcs=gated_reward, args=config, train_dataset=data,
                          processing_class=tokenizer, callbacks=[Clock()])
    original = trainer._generate

    def counting_generate(prompts):  # observe the generated lengths (to check both sides do the same work)
        out = original(prompts)
        lengths.extend(len(c) for c in out[1])
        return out

    trainer._generate = counting_generate
    trainer.train()
    return {"step_seconds": [b - a for a, b in zip(times, times[1:])], "lengths": lengths}


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=1, help="B: prompts per step")
    parser.add_argument("--group", type=int, default=8, help="G: completions per prompt")
    parser.add_argument("--new", type=int, default=64, help="tokens generated per completion")
    parser.add_argument("--prompt", type=int, default=128, help="prompt length in tokens")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per side (after one warm-up step); median reported")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--intermediate", type=int, default=704)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--torch-threads", type=int, default=0, help="PyTorch threads (0: time 1 and all, keep the better)")
    args = parser.parse_args()

    import jax
    import numpy as np
    import torch
    import transformers
    import trl

    from inftool_jax.train.metrics import measure_peak_flops

    all_threads = torch.get_num_threads()
    thread_counts = sorted({1, all_threads}) if args.torch_threads == 0 else [args.torch_threads]
    steps = args.steps + 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("building the tiny model and the task ...", flush=True)
        model_dir = make_model(folder, args)
        from inftool_jax.model.tokenizer import load_tokenizer

        task, catalog = make_task(folder, load_tokenizer(model_dir), args.prompt)

        peak = first_peak = measure_peak_flops()
        print("inftool_jax ...", flush=True)
        ours = Ours(model_dir, folder / "ours", task, catalog, args, steps)
        prompt_text = ours.tokenizer.decode(ours.prompt_ids.tolist(), skip_special_tokens=False)
        # TRL tokenises a text prompt with the tokenizer's __call__: it must give our ids exactly
        if transformers.AutoTokenizer.from_pretrained(model_dir)(text=[prompt_text])["input_ids"][0] != ours.prompt_ids.tolist():
            raise SystemExit("TRL would tokenise the prompt differently from ours: the comparison would not be like for like")
        our_steps = [ours.step(peak) for _ in range(steps)]

        trl_runs = {}
        for n in thread_counts:
            print(f"TRL ({n} torch threads) ...", flush=True)
            done = [statistics.median(r["step_seconds"][1:]) for r in trl_runs.values() if len(r["step_seconds"]) > 1]
            trl_runs[n] = run_trl(model_dir, folder / f"trl{n}", prompt_text, task.target, args, steps, n,
                                  give_up_after=3 * min(done) if done else float("inf"))
        print("inftool_jax again (load may have changed) ...", flush=True)
        our_steps += [ours.step(peak) for _ in range(args.steps)]
        peak = max(peak, measure_peak_flops())  # best of a measurement before and after (shared machine)

    timed = our_steps[1:]
    ours_s = statistics.median(m["step_seconds"] for m in timed)
    compile_s = our_steps[0]["step_seconds"] - ours_s
    tokens = args.prompts * args.group * args.new
    assert all(m["generated_tokens"] == tokens for m in our_steps), [m["generated_tokens"] for m in our_steps]
    best_threads = min(trl_runs, key=lambda n: statistics.median(trl_runs[n]["step_seconds"][1:]))
    run = trl_runs[best_threads]
    assert all(x == args.new for x in run["lengths"]), run["lengths"]
    trl_s = statistics.median(run["step_seconds"][1:])
    # step_mfu was taken against the first peak measurement; rescale to the best one
    mfu = statistics.median(m["step_mfu"] for m in timed) * first_peak / peak

    print()
    print(f"Qwen2 {args.layers} layers, hidden {args.hidden}, intermediate {args.intermediate}, vocab "
          f"{ours.trainer.decoder_config.vocab_size}; B={args.prompts} x G={args.group} completions x {args.new} new tokens, "
          f"prompt {args.prompt} tokens; float32")
    print(f"jax {jax.__version__} ({jax.devices()[0].platform}), torch {torch.__version__}, transformers "
          f"{transformers.__version__}, trl {trl.__version__}; median of {args.steps} steps after 1 warm-up "
          f"(ours: {args.steps} before and {args.steps} after TRL)")
    print(f"reward: ours GatedReward (JAX kernel) / TRL: hermes parse + score_reference, same target "
          f"(mean reward ours {np.mean([m['reward_mean'] for m in timed]):.3f})")
    print(f"inftool_jax compile (first step minus median): {compile_s:.2f} s")
    split = {k: statistics.median(m[k] for m in timed) for k in ("rollout_seconds", "update_seconds")}
    print(f"inftool_jax: {ours_s * 1000:8.1f} ms/step  {tokens / ours_s:8,.0f} generated tokens/s   "
          f"(rollout+reward {split['rollout_seconds'] * 1000:.1f} ms, update {split['update_seconds'] * 1000:.1f} ms)")
    for n, r in trl_runs.items():
        s = statistics.median(r["step_seconds"][1:])
        cut = f", stopped after {len(r['step_seconds']) - 1} timed steps: > 3x slower" if len(r["step_seconds"]) < steps else ""
        print(f"        TRL: {s * 1000:8.1f} ms/step  {tokens / s:8,.0f} generated tokens/s   ({n} torch threads"
              f"{', used' if n == best_threads else ''}{cut})")
    print(f"ratio inftool_jax / TRL (step time): {trl_s / ours_s:.2f}x  (target >= 2x)")
    print(f"fp32 matmul peak (XLA, this run): {peak / 1e9:.1f} GFLOP/s; our step MFU: {mfu:.1%}")
    print(f"machine load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
