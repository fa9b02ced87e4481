"""Device check: the in-JAX sampler's decode tokens/s against SGLang serving the same weights on the same GPU, one
GRPO step's MFU in bf16, and `inftool plan`'s per-device estimate against the measured peak memory; one JSON file.

The model is a random Qwen2 built in this process with the project's own classes (``create_model``) at Qwen2.5-0.5B's
dimensions (24 layers, hidden 896, intermediate 4864, 14 heads / 2 KV heads, vocabulary 151,936, tied embeddings,
QKV bias), in bfloat16, written once as an HF folder with ``save_pretrained`` (what `inftool export` and the loop's
weight hand-over write) next to a small byte-level BPE tokenizer trained here (`inftool init-model`'s, no hub access;
token ids above its size are valid model ids and decode to nothing). Every part loads that folder, so the sampler,
SGLang and the GRPO step run the same weights. Parts, each recorded on its own (an exception is kept as
``{"error": ...}`` and the next part still runs; a part that the time budget, ``--budget-s``, no longer leaves room for
is ``{"skipped": ...}``):

1. ``sampler``: the project's ``Sampler`` on the mesh of all local devices, ``--batch`` distinct random prompts of
   ``--prompt`` tokens, greedy, exactly ``--new`` tokens per row (EOS does not stop it); the first call (compilation)
   is reported on its own, then the median of ``--repeats`` timed calls. Prefill is inside the timed call.
2. ``sglang``: SGLang's server (``python -m sglang.launch_server``, started and stopped with the project's
   ``LaunchedServer``, ``--skip-tokenizer-init --disable-radix-cache``) on the same folder, the same prompt ids through
   its native ``POST /generate`` (``SGLangClient``), greedy with ``ignore_eos``; one warm-up request, then the median
   of ``--repeats`` requests (HTTP included). ``ratio_sampler_over_sglang`` is the sampler's tokens/s over SGLang's.
   Skipped without a GPU (unless ``--sglang on``) or when ``--sglang-python`` cannot ``import sglang``.
   ``--sglang-launch`` replaces the command (e.g. the project's stand-in, ``python -m inftool_jax.serve.sglang_standin``,
   which is NOT SGLang: the JSON names the command that served).
3. ``grpo``: ``GRPOTrainer.step``'s pieces (rollouts with the in-JAX sampler at temperature 1, gated reward, the shared
   jitted train step with AdamW) on ``--grpo-prompts`` x ``--group`` completions of ``--grpo-new`` tokens on a real
   synthesized single-call task whose prompt is ~``--grpo-prompt`` tokens, bf16 params and compute, beta 0, one
   update per step; the first step (compilation) is excluded, then the median of ``--grpo-steps`` steps. FLOPs are the
   repository's convention (``GRPOTrainer.step_flops``: 2 x matmul params per token fed to the sampler, plus
   ``train_flops_per_token`` = 6 x matmul params + 12 x layers x q_size x seq_len per update position). ``mfu`` is
   over the device's bf16 dense peak from :data:`PEAK_BF16_FLOPS` (null for a device not in the table);
   ``mfu_vs_measured_matmul`` is over a bf16 matmul timed in this run; ``update_mfu`` counts the update alone.
4. ``memory``: `inftool plan`'s GRPO-stage estimate for this model, mesh and batch (``build_plans``, the function behind
   the command, with the same overrides the GRPO part ran with) against the process's measured peak
   (``memory_stats()["peak_bytes_in_use"]`` of local device 0, taken after the GRPO part; null where the backend
   reports none, e.g. the CPU). The peak is the process's whole life (model writing, the sampler part, GRPO).

``--smoke`` runs the same code on the CPU with a tiny model and batches (well under a minute), SGLang skipped unless
``--sglang on``; that is what tests/benchmarks/test_device_check.py runs. The JSON is rewritten after every part, so a
run cut short still leaves the parts it finished. Exit status 1 when any part holds an ``error`` (skips are not
failures). Without ``--smoke`` a CPU-only jax stops at once (``aborted`` in the JSON): a GPU needs jax's CUDA plugin in
the venv (e.g. ``pip install "jax[cuda12]"`` at the installed jax version) and, for part 2, a python with a CUDA build
of sglang (``INFTOOL_SGLANG_PYTHON``; .venv-sglang from scripts/setup_sglang.sh is the CPU build).

    bash scripts/device_check.sh runs/device_check.json              # GPU: the full check (~10 min budget)
    bash scripts/device_check.sh /tmp/dc.json --smoke                # CPU: the same path, tiny
    INFTOOL_SGLANG_PYTHON=/opt/sglang/bin/python bash scripts/device_check.sh out.json --budget-s 500
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

# Parts 2-4 and the report live in sibling modules (device_check_sglang, device_check_grpo, device_check_report);
# run as `python benchmarks/device_check.py` or loaded from its file (the test), they import from this folder.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from device_check_grpo import run_grpo, run_memory  # noqa: E402
from device_check_hf import run_transformers  # noqa: E402
from device_check_report import Report, finite, median, memory_now  # noqa: E402
from device_check_sglang import run_sglang  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# bf16 dense (no sparsity) peak FLOP/s of one device, matched in order by substrings of jax's device_kind (lower case).
PEAK_BF16_FLOPS: list[tuple[tuple[str, ...], float, str]] = [
    (("h200",), 989e12, "NVIDIA H200, bf16 dense"),
    (("h100", "pcie"), 756e12, "NVIDIA H100 PCIe, bf16 dense"),
    (("h100", "nvl"), 835e12, "NVIDIA H100 NVL, bf16 dense"),
    (("h100",), 989e12, "NVIDIA H100 SXM, bf16 dense"),
    (("a100",), 312e12, "NVIDIA A100, bf16 dense"),
    (("v5 lite",), 197e12, "TPU v5e, bf16"),
    (("v5e",), 197e12, "TPU v5e, bf16"),
    (("v5p",), 459e12, "TPU v5p, bf16"),
    (("tpu v5",), 459e12, "TPU v5p (device_kind 'TPU v5'), bf16"),
]

PRESETS: dict[str, dict[str, Any]] = {
    # Qwen2.5-0.5B's architecture; batches sized to finish within the budget on one H100/H200.
    "gpu": dict(layers=24, hidden=896, intermediate=4864, heads=14, kv_heads=2, vocab=151936, rope_theta=1e6,
                batch=32, prompt=128, new=128, repeats=3, grpo_prompts=4, group=8, grpo_prompt=128, grpo_new=128,
                grpo_steps=3, bucket_multiple=128, matmul=8192),
    "smoke": dict(layers=2, hidden=64, intermediate=128, heads=4, kv_heads=2, vocab=512, rope_theta=1e4,
                  batch=8, prompt=16, new=16, repeats=2, grpo_prompts=1, group=8, grpo_prompt=48, grpo_new=16,
                  grpo_steps=2, bucket_multiple=16, matmul=256),
}

PARTS = ("model", "sampler", "transformers", "sglang", "grpo", "memory")
"""The JSON's sections, in the order they run; the exit status is 1 when any of them holds an "error"."""

# Seconds a part needs to be worth starting (compilation included); below that it is skipped for the budget.
MIN_SECONDS = {"gpu": {"sampler": 60, "transformers": 40, "sglang": 150, "grpo": 90},
               "smoke": {"sampler": 5, "transformers": 5, "sglang": 20, "grpo": 5}}


def peak_bf16(device_kind: str) -> tuple[float | None, str]:
    kind = device_kind.lower()
    for keys, flops, label in PEAK_BF16_FLOPS:
        if all(k in kind for k in keys):
            return flops, label
    return None, f"device kind {device_kind!r} is not in the peak table (benchmarks/device_check.py PEAK_BF16_FLOPS)"


# ---------------------------------------------------------------------------
# The shared model folder


def hf_config(args, tokenizer) -> dict[str, Any]:
    from inftool_jax.bootstrap.config import TinyModelConfig
    from inftool_jax.bootstrap.tiny_model import tiny_hf_config

    arch = TinyModelConfig(hidden_size=args.hidden, intermediate_size=args.intermediate, num_layers=args.layers,
                           num_heads=args.heads, num_kv_heads=args.kv_heads, rope_theta=args.rope_theta,
                           max_position_embeddings=32768, tie_word_embeddings=True, pad_vocab_to_multiple_of=1)
    hf = tiny_hf_config(arch, tokenizer)  # Qwen2, the tokenizer's special ids
    if args.vocab < len(tokenizer):
        raise ValueError(f"--vocab {args.vocab} is below the tokenizer's {len(tokenizer)} tokens")
    hf["vocab_size"] = args.vocab
    return hf


def build_model_folder(work: Path, args) -> dict[str, Any]:
    """The tokenizer (init-model's BPE, trained on generic text only) and the random bf16 model, as one HF folder."""
    import jax

    from inftool_jax.bootstrap.config import TinyModelConfig
    from inftool_jax.bootstrap.tiny_model import init_tiny_model
    from inftool_jax.model import create_model, save_pretrained
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.train.memory_plan import parameter_count
    from inftool_jax.model.architecture import parse_hf_config

    tok_cfg = TinyModelConfig(bpe_vocab_size=300, hidden_size=32, intermediate_size=48, num_layers=1, num_heads=2,
                              num_kv_heads=1, pad_vocab_to_multiple_of=8, corpus_episodes=0)
    tok_dir = init_tiny_model(work / "tokenizer-source", [], tok_cfg, seed=0, progress=False)
    tokenizer = load_tokenizer(tok_dir)
    hf = hf_config(args, tokenizer)
    model = create_model(hf, seed=0, dtype="bfloat16", param_dtype="bfloat16")
    folder = save_pretrained(model, work / "model", dtype="bfloat16", tokenizer_dir=tok_dir, progress=False)
    del model
    jax.clear_caches()
    cfg = parse_hf_config(hf)
    return {
        "folder": str(folder), "family": "qwen2, random weights (seed 0)",
        "qwen2_5_0_5b_dimensions": all(getattr(args, k) == PRESETS["gpu"][k] for k in
                                       ("layers", "hidden", "intermediate", "heads", "kv_heads", "vocab")),
        "layers": cfg.num_layers, "hidden": cfg.hidden_size, "intermediate": cfg.intermediate_size,
        "heads": cfg.num_heads, "kv_heads": cfg.num_kv_heads, "head_dim": cfg.head_dim, "vocab": cfg.vocab_size,
        "tie_word_embeddings": cfg.tie_word_embeddings, "parameter_count": parameter_count(cfg), "dtype": "bfloat16",
        "tokenizer_size": len(tokenizer),
        "folder_bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
    }


def random_prompts(folder: Path, rows: int, length: int) -> list[list[int]]:
    """``rows`` distinct prompts of ``length`` non-special ids the tokenizer knows (fixed seed)."""
    import numpy as np

    from inftool_jax.model.tokenizer import load_tokenizer

    tokenizer = load_tokenizer(folder)
    special = set(tokenizer.all_special_ids)
    regular = np.array([i for i in range(len(tokenizer)) if i not in special])
    rng = np.random.default_rng(0)
    return rng.choice(regular, size=(rows, length)).tolist()


def device_mesh():
    import jax

    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.sharding import make_mesh

    return make_mesh(MeshConfig(data=1, fsdp=-1, tp=1), devices=jax.devices())


# ---------------------------------------------------------------------------
# 1. the sampler


def run_sampler(folder: Path, prompts: list[list[int]], args, keep: dict[str, Any]) -> dict[str, Any]:
    import jax
    import numpy as np

    from inftool_jax.model import load_pretrained
    from inftool_jax.rollout.sampler import Sampler
    from inftool_jax.rollout.sampling_config import SamplingConfig

    mesh = device_mesh()
    model = load_pretrained(folder, dtype="bfloat16", param_dtype="bfloat16", mesh=mesh, progress=False)
    sampler = Sampler(model, mesh=mesh)
    cfg = SamplingConfig(max_new_tokens=args.new, temperature=0.0, stop_at_eos=False)

    def once():
        out = sampler.generate(prompts, cfg, jax.random.key(0))
        if int(out.lengths.min()) != args.new or int(out.lengths.max()) != args.new:
            raise RuntimeError(f"rows generated {out.lengths.min()}..{out.lengths.max()} tokens, expected {args.new}")
        return out.tokens

    t0 = time.perf_counter()
    tokens = once()
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    keep["sampler_tokens"] = np.asarray(tokens)
    run_s = median(times)
    generated = len(prompts) * args.new
    out = {
        "what": "inftool_jax Sampler.generate, greedy, prefill + decode, one call per batch",
        "batch": len(prompts), "prompt_tokens": args.prompt, "new_tokens": args.new, "generated_tokens": generated,
        "first_call_s": round(first, 3), "compile_s_estimate": round(first - run_s, 3),
        "run_s": [round(t, 4) for t in times], "median_s": round(run_s, 4),
        "tokens_per_s": generated / run_s, **{f"after_{k}": v for k, v in memory_now().items()},
    }
    del sampler, model
    return out


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default=str(ROOT / "runs" / "device_check.json"), help="the JSON file to write")
    parser.add_argument("--smoke", action="store_true", help="the CPU, a tiny model and batches (what the test runs)")
    parser.add_argument("--budget-s", type=float, default=540.0, help="total seconds; parts that no longer fit are skipped")
    parser.add_argument("--sglang", choices=("auto", "on", "off"), default=None,
                        help="auto: with a GPU and an importable sglang (default; --smoke: off); on: try it anyway")
    parser.add_argument("--sglang-python", help="python with sglang installed (default: $INFTOOL_SGLANG_PYTHON, else this one)")
    parser.add_argument("--sglang-launch", help="a whole server command instead (e.g. the stand-in; --model-path/--host/--port are added)")
    parser.add_argument("--sglang-extra", default="", help="extra arguments for sglang.launch_server (one shell-quoted string)")
    parser.add_argument("--sglang-mem-fraction", type=float, default=0.4, help="SGLang's --mem-fraction-static on a GPU")
    parser.add_argument("--allow-cpu", action="store_true", help="run the full-size check even when jax sees only the CPU")
    parser.add_argument("--parts", default="sampler,transformers,sglang,grpo,memory",
                        help="comma-separated parts to run (the model folder is always made); the others are recorded as skipped")
    parser.add_argument("--work", help="scratch folder (model, server log); default: a temporary folder, removed at the end")
    for name in PRESETS["gpu"]:
        parser.add_argument("--" + name.replace("_", "-"), type=type(PRESETS["gpu"][name]), default=None,
                            help=f"default {PRESETS['gpu'][name]} (--smoke: {PRESETS['smoke'][name]})")
    args = parser.parse_args()
    args.preset = "smoke" if args.smoke else "gpu"
    for name, value in PRESETS[args.preset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.sglang is None:
        args.sglang = "off" if args.smoke else "auto"
    chosen = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = chosen - set(PARTS[1:])
    if unknown:
        raise SystemExit(f"device_check: unknown --parts {sorted(unknown)} (known: {', '.join(PARTS[1:])})")
    if args.smoke:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    # JAX would otherwise take 75% of a GPU at start, leaving SGLang too little; the peak figure is unaffected.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    report = Report(Path(args.out).resolve(), args.budget_s)
    scratch = None
    if not args.work:
        scratch = tempfile.TemporaryDirectory(prefix="device_check-")
        args.work = scratch.name
    Path(args.work).mkdir(parents=True, exist_ok=True)

    import jax
    import jaxlib

    devices = jax.devices()
    kind = devices[0].device_kind
    peak, source = peak_bf16(kind)
    device = {
        "platform": devices[0].platform, "device_kind": kind, "device_count": len(devices),
        "local_device_count": jax.local_device_count(), "process_count": jax.process_count(),
        "jax_version": jax.__version__, "jaxlib_version": jaxlib.__version__, "python": sys.version.split()[0],
        "peak_bf16_flops_per_device": peak, "peak_bf16_flops_total": peak * len(devices) if peak else None,
        "peak_source": source,
        "env": {k: os.environ.get(k) for k in ("JAX_PLATFORMS", "XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_FLAGS")},
    }
    report.data.update(mode=args.preset, device=device, settings={k: getattr(args, k) for k in PRESETS[args.preset]})
    on_gpu = device["platform"] == "gpu"
    if device["platform"] == "cpu" and not args.smoke and not args.allow_cpu:
        report.data["aborted"] = ("jax sees no accelerator, only the CPU (this venv's jax has no CUDA plugin? e.g. "
                                  "pip install 'jax[cuda12]==" + jax.__version__ + "'); the full-size check would run far "
                                  "past its budget here: use --smoke, or --allow-cpu to run it anyway")
        report.write()
        if scratch is not None:
            scratch.cleanup()
        raise SystemExit("device_check: " + report.data["aborted"])
    keep: dict[str, Any] = {}
    mins = MIN_SECONDS[args.preset]

    def part(name: str, needs_s: float, fn: Callable[[], dict[str, Any]]) -> None:
        if name in chosen:
            report.part(name, needs_s, fn)
        else:
            report.data[name] = {"skipped": "not selected (--parts)", "wall_s": 0.0}

    try:
        setup = report.part("model", 0, lambda: build_model_folder(Path(args.work), args))
        if "folder" not in setup:
            raise SystemExit(f"device_check: could not build the model folder: {setup.get('error')}")
        folder = Path(setup["folder"])
        prompts = random_prompts(folder, args.batch, args.prompt)
        part("sampler", mins["sampler"], lambda: run_sampler(folder, prompts, args, keep))
        part("transformers", mins["transformers"],
             lambda: run_transformers(folder, prompts, args, keep, report, on_gpu))
        part("sglang", mins["sglang"] if args.sglang != "off" else 0,
             lambda: run_sglang(folder, prompts, args, keep, report, on_gpu))
        part("grpo", mins["grpo"], lambda: run_grpo(folder, args, device, keep))
        part("memory", 0, lambda: run_memory(folder, args, device, keep, report))
    finally:
        report.write()
        if scratch is not None:
            scratch.cleanup()
    print(json.dumps(finite(report.data), indent=2))
    print(f"[device_check] wrote {report.path}", file=sys.stderr)
    failed = [name for name in PARTS if "error" in report.data.get(name, {})]
    if failed:
        raise SystemExit(f"device_check: these parts failed (see their 'error' in {report.path}): {', '.join(failed)}")


if __name__ == "__main__":
    main()
