"""Device check, part ``transformers``: Hugging Face transformers' PyTorch ``generate`` on the same HF folder and the
same prompt ids as the sampler part, greedy, exactly ``--new`` tokens per row, on the same device; the named peer the
sampler's tokens/s is compared with where SGLang cannot run (no CUDA build of it on the machine).

What runs is the eager model with transformers' default dynamic KV cache (``generate``, ``do_sample=False``,
``min_new_tokens = max_new_tokens``, no EOS), bf16 weights, ``sdpa`` attention; one warm-up call, then the median
of ``--repeats`` timed calls, synchronised. ``ratio_sampler_over_transformers`` is the sampler's tokens/s over this.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from device_check_report import median


def run_transformers(folder: Path, prompts: list[list[int]], args, keep: dict[str, Any], report, on_gpu: bool) -> dict[str, Any]:
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM
    except ImportError as err:
        return {"skipped": f"torch/transformers cannot be imported here: {err}"}
    import numpy as np

    device = "cuda" if on_gpu and torch.cuda.is_available() else "cpu"
    if on_gpu and device == "cpu":
        return {"skipped": f"jax sees a GPU but this torch ({torch.__version__}) does not: no same-device peer"}
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.bfloat16, attn_implementation="sdpa")
    model = model.to(device).eval()
    ids = torch.tensor(prompts, dtype=torch.long, device=device)
    mask = torch.ones_like(ids)

    def once():
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=args.new, min_new_tokens=args.new,
                                 do_sample=False, eos_token_id=None, pad_token_id=0, use_cache=True)
        if device == "cuda":
            torch.cuda.synchronize()
        return out[:, ids.shape[1]:]

    t0 = time.perf_counter()
    first = once()
    first_s = time.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        out = once()
        times.append(time.perf_counter() - t)
    if tuple(out.shape) != (len(prompts), args.new):
        raise RuntimeError(f"generate returned {tuple(out.shape)}, expected {(len(prompts), args.new)}")
    run_s = median(times)
    generated = len(prompts) * args.new
    rate = generated / run_s
    sampler_rate = report.data.get("sampler", {}).get("tokens_per_s")
    ours = keep.get("sampler_tokens")
    theirs = first.cpu().numpy()
    same = ours is not None and ours.shape == theirs.shape
    result = {
        "what": "transformers AutoModelForCausalLM.generate (PyTorch eager, dynamic KV cache, sdpa), greedy, bf16",
        "torch_version": torch.__version__, "transformers_version": transformers.__version__, "device": device,
        "torch_device_name": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "batch": len(prompts), "new_tokens": args.new, "generated_tokens": generated,
        "first_call_s": round(first_s, 3), "run_s": [round(t, 4) for t in times], "median_s": round(run_s, 4),
        "tokens_per_s": rate,
        "ratio_sampler_over_transformers": sampler_rate / rate if sampler_rate else None,
        # bf16 kernels differ: greedy paths split once a near-tie flips; information, not a check.
        "greedy_tokens_identical_fraction": float((ours == theirs).mean()) if same else None,
        "greedy_first_token_identical_fraction": float((ours[:, 0] == theirs[:, 0]).mean()) if same else None,
    }
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in result.items()}
