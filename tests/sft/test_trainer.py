"""SFT end to end: a short run on synthesized episodes lowers held-out assistant-token loss."""

import json
import pathlib

import pytest

from inftool_jax.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
CPU_TINY = ROOT / "configs" / "cpu_tiny.yaml"


@pytest.mark.slow
def test_sft_lowers_heldout_loss_against_the_untrained_model(tmp_path):
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    section = TinyModelConfig(hidden_size=128, intermediate_size=256, num_layers=2, num_heads=4, num_kv_heads=2)
    model = init_tiny_model(tmp_path / "model", [ROOT / "configs" / "specs"], section, seed=0, progress=False)
    assert main(["synth", "--config", str(CPU_TINY), "--out", str(tmp_path / "data"), "--num", "300", "--quiet"]) == 0
    code = main([
        "train", "--config", str(CPU_TINY), "--stage", "sft", "--model", str(model), "--data", str(tmp_path / "data"),
        "--out", str(tmp_path / "sft"), "--quiet", "train.batch_size=8", "sft.max_steps=30", "sft.learning_rate=3e-3",
        "sft.warmup_steps=3", "train.max_length=1024", "train.bucket_multiple=1024", "train.checkpoint_every=0",
        "train.log_every=5", "sft.heldout_episodes=24",
    ])
    assert code == 0
    summary = json.loads((tmp_path / "sft" / "train_summary.json").read_text())
    # Baseline: the untrained model's held-out loss, measured by the same run before its first step.
    assert summary["final_heldout_loss"] < 0.6 * summary["initial_heldout_loss"]
    assert summary["final_heldout_token_accuracy"] > summary["initial_heldout_token_accuracy"] + 0.15
    # Call turns are measured on their own too (the tokens a call needs, and whole turns right).
    assert summary["final_heldout_call_token_accuracy"] > summary["initial_heldout_call_token_accuracy"] + 0.15
    assert 0.0 <= summary["final_heldout_call_turn_exact"] <= 1.0
