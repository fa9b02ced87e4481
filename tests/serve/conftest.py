"""A tiny random model folder and `inftool serve openai`'s app over it, on a free loopback port."""

from __future__ import annotations

from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


def make_tiny_model(out: Path) -> Path:
    """A small Qwen2 with the catalog-trained BPE and the Qwen2.5-style tool chat template."""
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1, bpe_vocab_size=1024, examples_per_tool=1)
    return init_tiny_model(out, [SPECS], cfg, seed=0, progress=False)


def perturbed_copy(src: Path, dst: Path, scale: float = 1.7) -> Path:
    """The same model folder with every weight scaled: other logits, same architecture and tokenizer."""
    import shutil

    from safetensors.numpy import load_file, save_file

    shutil.copytree(src, dst)
    weights = load_file(str(dst / "model.safetensors"))
    save_file({k: (v * scale).astype(v.dtype) for k, v in weights.items()}, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return dst


@pytest.fixture(scope="session")
def perturb():
    """:func:`perturbed_copy`, for the test modules (they cannot import conftest)."""
    return perturbed_copy


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("serve") / "tiny")


@pytest.fixture(scope="module")
def served(tiny_model_dir):
    """(base url, engine) of a running server; stopped after the module."""
    from inftool_jax.serve.loopback import AppThread
    from inftool_jax.serve.openai_server import build_app, load_engine

    engine = load_engine(tiny_model_dir, max_batch=4, model_name="tiny", max_tokens_limit=64)
    with AppThread(build_app(engine)) as url:
        yield url, engine
