"""`inftool train`: errors, a sharded SFT run equal to a single-device one, the output folder, orbax export."""

import functools
import json
import pathlib

import jax
import numpy as np
import pytest

from inftool_jax.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
CPU_TINY = ROOT / "configs" / "cpu_tiny.yaml"
# Small and fixed-shape: one compile per mesh.
FAST = ["train.batch_size=8", "train.max_length=1024", "train.bucket_multiple=1024", "sft.warmup_steps=0",
        "sft.learning_rate=1e-3", "train.log_every=1", "train.checkpoint_every=1", "train.tensorboard=false",
        "sft.heldout_episodes=8"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    root = tmp_path_factory.mktemp("train_cli")
    section = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=1, num_heads=4, num_kv_heads=2)
    model = init_tiny_model(root / "model", [ROOT / "configs" / "specs"], section, seed=0, progress=False)
    assert main(["synth", "--config", str(CPU_TINY), "--out", str(root / "data"), "--num", "80", "--quiet"]) == 0
    return root, pathlib.Path(model), root / "data"


def _train(workspace, out, *extra, stage="sft"):
    root, model, data = workspace
    return main(["train", "--config", str(CPU_TINY), "--stage", stage, "--model", str(model), "--data", str(data),
                 "--out", str(out), "--quiet", *FAST, *extra])


def test_unknown_train_key_is_named(workspace, tmp_path, capsys):
    assert _train(workspace, tmp_path / "o", "sft.learning_rat=1") == 2
    err = capsys.readouterr().err
    assert "<command line>" in err and "learning_rat" in err and "learning_rate" in err


def test_bad_value_is_named(workspace, tmp_path, capsys):
    assert _train(workspace, tmp_path / "o", "train.batch_size=0") == 2
    assert "train.batch_size" in capsys.readouterr().err


def test_missing_data_folder_is_an_input_error(workspace, tmp_path, capsys):
    root, model, _ = workspace
    code = main(["train", "--stage", "sft", "--model", str(model), "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")])
    assert code == 2 and "--data folder not found" in capsys.readouterr().err


def test_batch_that_does_not_split_over_the_mesh_is_refused(workspace, tmp_path, capsys):
    assert _train(workspace, tmp_path / "o", "train.batch_size=6", "mesh.fsdp=4", "mesh.tp=2") == 2
    assert "train.batch_size" in capsys.readouterr().err


def test_non_empty_out_needs_resume_or_force(workspace, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "x").write_text("keep")
    assert _train(workspace, out) == 2
    assert "--resume" in capsys.readouterr().err and (out / "x").exists()


@pytest.mark.slow
def test_sharded_sft_matches_one_device_and_writes_a_loadable_folder(workspace, tmp_path):
    out = tmp_path / "sharded"
    assert _train(workspace, out, "sft.max_steps=2", "mesh.data=1", "mesh.fsdp=4", "mesh.tp=2") == 0
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    sharded = [r["loss"] for r in lines if "loss" in r]
    assert len(sharded) == 2

    # The same two steps on one device, in process.
    from inftool_jax.commands.train import load_stage_config
    from inftool_jax.model import load_pretrained, make_mesh
    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.sft.loss_fn import sft_loss
    from inftool_jax.train.data import BatchLoader, heldout_split, tokenize_folder
    from inftool_jax.train.loop import Trainer

    root, model_dir, data_dir = workspace
    config = load_stage_config(str(CPU_TINY), FAST + ["sft.max_steps=2"])
    cfg = config.stage_train("sft")
    tok = load_tokenizer(model_dir)
    data = tokenize_folder(data_dir, tok, cfg.max_length, cfg.overlong)
    train_idx, _ = heldout_split(len(data), config.sft.heldout_episodes, config.seed)
    loader = BatchLoader(data.subset(train_idx), cfg.batch_size, config.seed, cfg.bucket_multiple, cfg.bucket_window, tok.pad_token_id)
    mesh = make_mesh(MeshConfig(data=1, fsdp=1, tp=1), devices=jax.devices()[:1])
    loss_fn = functools.partial(sft_loss, prompt_loss_weight=config.sft.prompt_loss_weight)  # as the stage binds it
    trainer = Trainer(cfg, load_pretrained(model_dir, progress=False), loss_fn, mesh, tmp_path / "single", total_steps=2,
                      seed=config.seed, progress=False, log_to_files=False)
    single = [trainer.step(next(loader))["loss"] for _ in range(2)]
    np.testing.assert_allclose(sharded, single, rtol=0, atol=1e-5)
    assert sharded[1] != sharded[0]

    # OUT_DIR is an HF folder the model loader and the tokenizer loader accept, and the final params are the trained ones.
    trained = load_pretrained(out, progress=False)
    assert load_tokenizer(out).chat_template
    final = jax.device_get(trainer.state.params)
    from inftool_jax.train.state import flat_params

    for name, value in flat_params(trained).items():
        np.testing.assert_allclose(np.asarray(value), final[name], atol=1e-5)
    trainer.close()
    assert sorted(p.name for p in (out / "checkpoints").iterdir() if p.name.isdigit()) == ["1", "2"]
    summary = json.loads((out / "train_summary.json").read_text())
    assert summary["steps"] == 2 and summary["initial_heldout_loss"] > 0


@pytest.mark.slow
def test_resume_continues_and_export_reads_the_orbax_checkpoint(workspace, tmp_path):
    out = tmp_path / "run"
    assert _train(workspace, out, "sft.max_steps=1") == 0
    assert _train(workspace, out, "sft.max_steps=2", "--resume") == 0
    steps = [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines() if "loss" in json.loads(x)]
    assert steps == [1, 2]  # the resumed run took only the missing step
    assert main(["export", "--checkpoint", str(out / "checkpoints" / "2"), "--out", str(tmp_path / "hf"), "--quiet"]) == 0
    from safetensors.numpy import load_file

    a, b = load_file(tmp_path / "hf" / "model.safetensors"), load_file(out / "model.safetensors")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_grpo_stage_dispatches_lazily(monkeypatch, capsys, workspace, tmp_path):
    from inftool_jax.commands import train as train_cmd

    monkeypatch.setitem(train_cmd.STAGES, "grpo", ("inftool_jax.rl.no_such_module", "run_grpo"))
    assert _train(workspace, tmp_path / "g", stage="grpo") == 2
    assert "stage 'grpo' is not available" in capsys.readouterr().err
