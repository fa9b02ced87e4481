"""Every config in configs/ loads, shows and plans here, without weights (the real-run configs' dry run)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from inftool_jax.commands import config as config_command
from inftool_jax.commands import plan as plan_command
from inftool_jax.config import load_config
from inftool_jax.errors import InputError

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))
REAL = {"gpu_1xh100_qwen2_5_7b": ("h100-80gb", 1), "gpu_8xh100_qwen2_5_7b": ("h100-80gb", 8),
        "tpu_v5e_16_qwen2_5_7b": ("v5e", 16), "tpu_v5p_64_qwen2_5_32b": ("v5p", 32)}


def _parser() -> argparse.ArgumentParser:
    # The commands' own parsers, registered as the CLI registers them.
    parser = argparse.ArgumentParser(prog="inftool")
    sub = parser.add_subparsers(dest="command", required=True)
    plan_command.register(sub)
    config_command.register(sub)
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)


def test_the_real_run_configs_are_all_there():
    assert REAL.keys() <= {p.stem for p in CONFIGS}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_loads_shows_and_plans(path, capsys):
    config = load_config(path)
    assert _run(["config", "show", "--config", str(path)]) == 0
    assert f"name: {config.name}" in capsys.readouterr().out
    # A mesh axis of -1 is planned for one device (the plan's default without --devices).
    assert _run(["plan", "--config", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["stages"]) == {"sft", "grpo"}
    for stage in report["stages"].values():
        assert stage["parameters"] > 0 and stage["optimizer_state"] > 0 and stage["activations"] > 0
        assert stage["peak"] == max(stage["train_peak"], stage["rollout_peak"])
    assert report["stages"]["grpo"]["kv_cache"] > 0
    if path.stem in REAL:
        accelerator, devices = REAL[path.stem]
        assert report["accelerator"] == accelerator and report["mesh"]["devices"] == devices
        assert report["precision"]["param_dtype"] == "bfloat16" == report["precision"]["compute_dtype"]
        # Sized to fit with per-layer rematerialisation; a full decoder's activations without it do not fit.
        assert {k: report["fits_by_remat"][k] for k in ("none", "full")} == {"none": False, "full": True}, report["fits_by_remat"]
        assert set(report["fits_by_remat"]) == {"none", "full", "dots"}
        assert _run(["plan", "--config", str(path), "--remat", "full"]) == 0
        assert "fits (full remat)" in capsys.readouterr().out


def test_plan_errors_name_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: gpu_x\nmodel: {path: /nowhere/SomeModel}\n")
    with pytest.raises(InputError, match="model.path"):
        _run(["plan", "--config", str(bad)])
    bad.write_text("name: x\nmesh: {data: 1, fsdp: 3, tp: 1}\ntrain: {batch_size: 8}\n")
    with pytest.raises(InputError, match="train.batch_size"):
        _run(["plan", "--config", str(bad)])
    with pytest.raises(InputError, match="--model-config"):
        _run(["plan", "--config", str(CONFIGS[0]), "--model-config", str(tmp_path / "missing.json")])
