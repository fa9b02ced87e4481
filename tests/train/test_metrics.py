"""metrics.jsonl and TensorBoard output; the FLOPs estimate."""

import json

from inftool_jax.model.architecture import parse_hf_config
from inftool_jax.train.metrics import MetricsLogger, matmul_params, train_flops_per_token
from train_fixtures import TINY_HF_CONFIG


def test_logger_writes_jsonl_lines_and_tensorboard_events(tmp_path):
    logger = MetricsLogger(tmp_path, tensorboard=True)
    logger.log(1, {"loss": 2.5, "note": "x"})
    logger.log(2, {"loss": float("nan")})
    logger.close()
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert lines[0]["step"] == 1 and lines[0]["loss"] == 2.5 and lines[0]["note"] == "x"
    assert lines[1]["loss"] == "nan"
    events = list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def test_disabled_logger_writes_nothing(tmp_path):
    MetricsLogger(tmp_path / "off", enabled=False).log(1, {"loss": 1.0})
    assert not (tmp_path / "off").exists()


def test_flops_per_token_by_hand():
    cfg = parse_hf_config(TINY_HF_CONFIG)
    d, f, v = 32, 64, 64
    per_layer = d * 32 + 2 * d * 16 + 32 * d + 3 * d * f  # q, k, v (2 kv heads x 8), o, mlp
    assert matmul_params(cfg) == per_layer * 1 + v * d
    assert train_flops_per_token(cfg, 100) == 6 * (per_layer + v * d) + 12 * 1 * 32 * 100
