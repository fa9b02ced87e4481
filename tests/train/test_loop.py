"""The Trainer: bit-exact resume, keep-last-N checkpoints, non-finite abort, metrics files."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.model import make_mesh
from inftool_jax.model.config import MeshConfig
from inftool_jax.sft.loss_fn import sft_loss
from inftool_jax.train.config import TrainConfig
from inftool_jax.train.data import BatchLoader, TokenizedEpisodes
from inftool_jax.train.loop import Trainer, TrainingAborted


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    ids, masks = [], []
    for _ in range(n):
        length = int(rng.integers(6, 30))
        ids.append(rng.integers(1, 64, length).astype(np.int32))
        mask = np.zeros(length, np.int32)
        mask[length // 2 :] = 1
        masks.append(mask)
    return TokenizedEpisodes(ids, masks, [str(i) for i in range(n)])


def _mesh():
    # One device keeps compiles short; sharded steps are covered by test_step_fn and the CLI test.
    return make_mesh(MeshConfig(data=1, fsdp=1, tp=1), devices=jax.devices()[:1])


# bucket_multiple 32 > every length: one batch shape, one compile per trainer.
CFG = dict(batch_size=4, micro_batches=2, learning_rate=1e-2, warmup_steps=1, bucket_multiple=32, bucket_window=2, log_every=1, tensorboard=False)


def _trainer(model_factory, out, **overrides):
    cfg = TrainConfig(**{**CFG, **overrides})
    return Trainer(cfg, model_factory(), sft_loss, _mesh(), out, total_steps=4, seed=7, progress=False), cfg


def _loader(cfg):
    return BatchLoader(_data(), cfg.batch_size, seed=7, bucket_multiple=cfg.bucket_multiple, bucket_window=cfg.bucket_window)


@pytest.fixture
def factory():
    from inftool_jax.model import create_model
    from train_fixtures import TINY_HF_CONFIG

    return lambda: create_model(TINY_HF_CONFIG, seed=0)


def test_k_steps_resume_k_steps_equals_2k_steps_bit_for_bit(factory, tmp_path):
    # The rng advances every step and the loader position crosses the stop point mid-epoch.
    straight, cfg = _trainer(factory, tmp_path / "a", checkpoint_every=0)
    straight.fit(_loader(cfg))
    expected = jax.device_get(straight.state)
    straight.close()

    first, cfg = _trainer(factory, tmp_path / "b", checkpoint_every=0)
    first.fit(_loader(cfg), until=2)
    first.close()
    second, cfg = _trainer(factory, tmp_path / "b", checkpoint_every=0)
    loader = _loader(cfg)
    extra = second.resume()
    assert second.step_count == 2 and extra["loader"] == {"epoch": 0, "batch": 2}
    loader.restore(extra["loader"])
    second.fit(loader)
    got = jax.device_get(second.state)
    second.close()

    jax.tree.map(np.testing.assert_array_equal, got, expected)
    assert int(got.step) == 4
    losses = lambda path: [r["loss"] for r in map(json.loads, path.read_text().splitlines()) if "loss" in r]  # noqa: E731
    assert losses(tmp_path / "b" / "metrics.jsonl") == losses(tmp_path / "a" / "metrics.jsonl")


def test_only_the_last_n_checkpoints_are_kept(factory, tmp_path):
    trainer, cfg = _trainer(factory, tmp_path, checkpoint_every=1, keep_checkpoints=2, micro_batches=1)
    trainer.fit(_loader(cfg), until=3)
    assert trainer.checkpointer.steps() == [2, 3]
    trainer.close()


def test_nonfinite_steps_in_a_row_abort_with_a_clear_message(factory, tmp_path):
    def nan_loss(model, batch, rng):
        loss_sum, count, aux = sft_loss(model, batch, rng)
        return loss_sum * jnp.nan, count, aux

    cfg = TrainConfig(**{**CFG, "max_nonfinite_steps": 3, "micro_batches": 1})
    trainer = Trainer(cfg, factory(), nan_loss, _mesh(), tmp_path, total_steps=10, seed=0, progress=False)
    before = jax.device_get(trainer.state.params)
    with pytest.raises(TrainingAborted, match="NaN/inf for 3 steps in a row"):
        trainer.fit(_loader(cfg))
    assert trainer.step_count == 3
    jax.tree.map(np.testing.assert_array_equal, jax.device_get(trainer.state.params), before)
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["skipped"] for line in lines] == [1, 1, 1]
    trainer.close()


def test_fit_writes_throughput_and_mfu(factory, tmp_path):
    trainer, cfg = _trainer(factory, tmp_path, checkpoint_every=0, log_every=2, peak_flops=1e9, micro_batches=1)
    trainer.fit(_loader(cfg), until=2)
    trainer.close()
    (line,) = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    for key in ("loss", "grad_norm", "learning_rate", "tokens_per_s", "mfu", "padding_fraction", "correct_tokens"):
        assert key in line and np.isfinite(line[key])
    assert line["tokens_per_s"] > 0 and 0 < line["mfu"]
