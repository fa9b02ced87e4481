"""scripts/device_check.sh (benchmarks/device_check.py): the device check's JSON, run end to end in its --smoke form.

The smoke run is the GPU check's code on the CPU with a tiny model: every part must be there, with positive rates,
the plan's estimate, and an explicit reason wherever a figure cannot exist on the CPU (SGLang skipped, no bf16 peak
in the table, no memory_stats). The stand-in run drives the SGLang part (launcher, /generate with input_ids, the
ratio) through the project's stand-in server, which is not SGLang and is reported as such. No timed assertions.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "device_check.sh"


def _module(name: str = "device_check"):
    """benchmarks/device_check.py loaded from its file, or one of its sibling modules (it puts benchmarks/ on sys.path)."""
    spec = importlib.util.spec_from_file_location("device_check", ROOT / "benchmarks" / "device_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module if name == "device_check" else importlib.import_module(name)


def _run(tmp_path: Path, *extra: str) -> tuple[dict, dict]:
    """Run the wrapper with --smoke; returns (the JSON file, the JSON printed on stdout)."""
    out = tmp_path / "device_check.json"
    env = {k: v for k, v in os.environ.items() if k != "INFTOOL_SGLANG_PYTHON"}
    proc = subprocess.run(["bash", str(SCRIPT), str(out), "--smoke", "--work", str(tmp_path / "work"), *extra],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}\nstdout:\n{proc.stdout[-2000:]}"
    return json.loads(out.read_text()), json.loads(proc.stdout)


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_peak_table_and_plan_accelerator_names():
    dc = _module()
    assert dc.peak_bf16("NVIDIA H100 80GB HBM3")[0] == 989e12
    assert dc.peak_bf16("NVIDIA H100 PCIe")[0] == 756e12
    assert dc.peak_bf16("NVIDIA H200")[0] == 989e12
    assert dc.peak_bf16("NVIDIA A100-SXM4-80GB")[0] == 312e12
    assert dc.peak_bf16("TPU v5 lite")[0] == 197e12
    assert dc.peak_bf16("TPU v5")[0] == 459e12
    for unknown in ("cpu", "NVIDIA L4", "TPU v4"):
        flops, why = dc.peak_bf16(unknown)
        assert flops is None and unknown in why

    from inftool_jax.train.memory_plan import ACCELERATORS

    grpo = _module("device_check_grpo")
    assert grpo.plan_accelerator("gpu", "NVIDIA H100 80GB HBM3") == "h100-80gb"
    assert grpo.plan_accelerator("gpu", "NVIDIA H200") == "h200"
    assert grpo.plan_accelerator("tpu", "TPU v5 lite") == "v5e"
    assert grpo.plan_accelerator("cpu", "cpu") == "cpu"
    assert grpo.plan_accelerator("gpu", "NVIDIA L4") is None
    assert {name for _, name in grpo.PLAN_ACCELERATORS} <= set(ACCELERATORS)


def test_sglang_is_skipped_with_a_reason_without_a_gpu():
    import argparse

    sg = _module("device_check_sglang")
    args = argparse.Namespace(sglang_launch=None, sglang_python=None, sglang="auto", sglang_mem_fraction=0.4, batch=8,
                              sglang_extra="")
    cmd, why, _ = sg.sglang_command(args, on_gpu=False)
    assert cmd is None and "no CUDA device" in why
    args.sglang_launch = "python -m inftool_jax.serve.sglang_standin --dtype bfloat16"
    cmd, why, _ = sg.sglang_command(args, on_gpu=False)
    assert cmd == ["python", "-m", "inftool_jax.serve.sglang_standin", "--dtype", "bfloat16"] and why is None


@pytest.mark.slow  # ~25-30 s on 2 loaded cores (compilation of the sampler and the GRPO step)
def test_smoke_run_writes_every_part_with_figures_or_reasons(tmp_path):
    dc = _module()
    data, printed = _run(tmp_path)
    assert printed == data
    assert data["mode"] == "smoke" and data["device"]["platform"] == "cpu" and data["device"]["device_count"] >= 1
    assert data["device"]["peak_bf16_flops_per_device"] is None and "cpu" in data["device"]["peak_source"]
    for part in dc.PARTS:
        assert part in data, part
        assert "error" not in data[part], (part, data[part].get("error"), data[part].get("traceback_tail"))
        assert data[part]["wall_s"] >= 0
    settings = data["settings"]

    model = data["model"]
    assert model["parameter_count"] > 0 and model["vocab"] >= model["tokenizer_size"] > 0

    sampler = data["sampler"]
    assert sampler["generated_tokens"] == settings["batch"] * settings["new"]
    assert _positive(sampler["tokens_per_s"]) and _positive(sampler["median_s"])
    assert len(sampler["run_s"]) == settings["repeats"]

    # transformers' PyTorch generate on the same folder and prompt ids: the peer of the sampler's tokens/s. The first
    # greedy token must agree; later ones may split at a bf16 near-tie (30% identical on the H200: benchmarks/results/).
    peer = data["transformers"]
    assert peer["device"] == "cpu" and peer["generated_tokens"] == sampler["generated_tokens"]
    assert _positive(peer["tokens_per_s"]) and len(peer["run_s"]) == settings["repeats"]
    assert peer["ratio_sampler_over_transformers"] == pytest.approx(sampler["tokens_per_s"] / peer["tokens_per_s"])
    assert peer["greedy_first_token_identical_fraction"] == 1.0

    assert data["sglang"]["skipped"].startswith("not asked")

    grpo = data["grpo"]
    assert grpo["generated_tokens_per_step"] == settings["grpo_prompts"] * settings["group"] * settings["grpo_new"]
    assert grpo["prompt_tokens"] <= settings["grpo_prompt"]
    assert grpo["mesh"]["fsdp"] == data["device"]["device_count"]
    for key in ("median_step_s", "median_rollout_s", "median_update_s", "step_flops", "update_flops",
                "measured_bf16_matmul_flops_per_s", "mfu_vs_measured_matmul", "update_mfu_vs_measured_matmul"):
        assert _positive(grpo[key]), (key, grpo[key])
    assert grpo["update_flops"] < grpo["step_flops"]
    assert len(grpo["step_s"]) == settings["grpo_steps"]
    assert grpo["mfu"] is None and grpo["update_mfu"] is None and grpo["mfu_null_reason"]

    memory = data["memory"]
    planned = memory["planned"]
    assert memory["grpo_part_ran"] is True
    assert memory["planned_peak_bytes"] == planned["peak"] == max(planned["train_peak"], planned["rollout_peak"])
    assert planned["parameters"] > 0 and planned["activations"] > 0 and planned["kv_cache"] > 0
    assert memory["plan_accelerator"] == "cpu"
    assert memory["measured_peak_bytes"] is None and memory["measured_over_planned"] is None
    assert "memory_stats" in memory["measured_null_reason"]


@pytest.mark.slow  # a second process serves the stand-in; GRPO and the plan are left out (the test above runs them)
def test_smoke_run_through_the_standin_server(tmp_path):
    data, _ = _run(tmp_path, "--parts", "sampler,sglang", "--sglang", "on", "--sglang-launch",
                   f"{sys.executable} -m inftool_jax.serve.sglang_standin --dtype bfloat16")
    sglang = data["sglang"]
    assert "error" not in sglang and "skipped" not in sglang, sglang
    assert sglang["is_sglang"] is False and "inftool_jax.serve.sglang_standin" in sglang["server_command"]
    assert sglang["generated_tokens"] == data["settings"]["batch"] * data["settings"]["new"]
    assert _positive(sglang["tokens_per_s"]) and _positive(sglang["startup_s"])
    assert sglang["ratio_sampler_over_sglang"] == pytest.approx(data["sampler"]["tokens_per_s"] / sglang["tokens_per_s"])
    assert 0.0 <= sglang["greedy_tokens_identical_fraction"] <= 1.0
    assert data["grpo"]["skipped"] == data["memory"]["skipped"] == "not selected (--parts)"
