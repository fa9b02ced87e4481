"""HF interop: logits parity with transformers' PyTorch models, export round trips, bad checkpoints."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from inftool_jax.errors import InputError  # noqa: E402
from inftool_jax.model import create_model, load_pretrained, save_pretrained  # noqa: E402

LENGTHS = (12, 7, 3)  # a right-padded batch


def _logits(model, ids, mask) -> np.ndarray:
    # jitted: eager dispatch compiles every small op on its own, far slower on a shared CPU
    from flax import nnx

    return np.asarray(nnx.jit(lambda m, i, k: m(i, attention_mask=k))(model, ids, mask))


def _batch(vocab: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, vocab, size=(len(LENGTHS), max(LENGTHS)))
    mask = np.zeros_like(ids)
    for row, n in enumerate(LENGTHS):
        mask[row, :n] = 1
    ids = np.where(mask == 1, ids, 0)
    return ids.astype(np.int32), mask.astype(np.int32)


def _torch_model(hf_config: dict, seed: int = 0):
    """A transformers model with every weight randomised at O(1) scale (norm gains and biases too),
    so that a wrong bias, norm or rotation shows up far above the tolerance."""
    config = transformers.AutoConfig.for_model(**hf_config)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.3 * noise)
            else:
                p.copy_(noise / np.sqrt(p.shape[-1]))
    return model.eval()


def _torch_logits(model, ids, mask) -> np.ndarray:
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids).long(), attention_mask=torch.from_numpy(mask).long())
    return out.logits.float().numpy()


def _masked_max_abs(a, b, mask) -> float:
    return float(np.max(np.abs(a - b)[mask.astype(bool)]))


def test_logits_match_transformers_and_export_loads_back_into_transformers(family_config, tmp_path):
    ref = _torch_model(family_config)
    ref.save_pretrained(tmp_path / "hf")
    ids, mask = _batch(family_config["vocab_size"])
    expected = _torch_logits(ref, ids, mask)

    model = load_pretrained(tmp_path / "hf", progress=False)
    ours = _logits(model, ids, mask)
    assert ours.shape == expected.shape
    err = float(np.max(np.abs(ours - expected)))
    print(f"\nparity {family_config['model_type']} tie={family_config['tie_word_embeddings']}: max-abs {err:.2e} (logit scale {np.abs(expected).max():.1f})")
    assert err < 1e-4

    save_pretrained(model, tmp_path / "out", progress=False)
    assert (tmp_path / "out" / "generation_config.json").is_file()
    back = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "out", attn_implementation="eager").eval()
    np.testing.assert_allclose(_torch_logits(back, ids, mask), expected, atol=1e-6, rtol=0)


def test_sharded_safetensors_round_trip_through_transformers(qwen2_config, tmp_path):
    ref = _torch_model(qwen2_config, seed=1)
    ref.save_pretrained(tmp_path / "hf", max_shard_size="20KB")
    assert (tmp_path / "hf" / "model.safetensors.index.json").is_file()
    model = load_pretrained(tmp_path / "hf", progress=False)

    save_pretrained(model, tmp_path / "out", max_shard_bytes=30_000, progress=False)
    index = json.loads((tmp_path / "out" / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 2 and not (tmp_path / "out" / "model.safetensors").exists()

    ids, mask = _batch(qwen2_config["vocab_size"], seed=3)
    expected = _torch_logits(ref, ids, mask)
    back = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "out", attn_implementation="eager").eval()
    np.testing.assert_allclose(_torch_logits(back, ids, mask), expected, atol=1e-6, rtol=0)
    again = load_pretrained(tmp_path / "out", progress=False)
    assert _masked_max_abs(_logits(again, ids, mask), expected, mask) < 1e-4


def test_bfloat16_export_is_read_by_transformers_as_bfloat16(qwen2_config, tmp_path):
    model = create_model(qwen2_config, seed=0, param_dtype="bfloat16")
    save_pretrained(model, tmp_path / "out", progress=False)
    cfg = json.loads((tmp_path / "out" / "config.json").read_text())
    assert cfg["torch_dtype"] == "bfloat16"
    back = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "out", dtype="auto")
    assert back.model.embed_tokens.weight.dtype == torch.bfloat16
    again = load_pretrained(tmp_path / "out", dtype="float32", param_dtype="bfloat16", progress=False)
    np.testing.assert_array_equal(
        np.asarray(again.embed_tokens.weight[...]).astype(np.float32), np.asarray(model.embed_tokens.weight[...]).astype(np.float32)
    )


def test_tokenizer_and_generation_files_are_copied_from_the_source_folder(qwen2_config, tmp_path):
    src = tmp_path / "src"
    save_pretrained(create_model(qwen2_config), src, progress=False)
    (src / "tokenizer_config.json").write_text('{"chat_template": "x"}')
    (src / "generation_config.json").write_text('{"eos_token_id": 7}')
    model = load_pretrained(src, progress=False)
    save_pretrained(model, tmp_path / "dst", progress=False)
    assert (tmp_path / "dst" / "tokenizer_config.json").read_text() == '{"chat_template": "x"}'
    assert json.loads((tmp_path / "dst" / "generation_config.json").read_text()) == {"eos_token_id": 7}


# --- bad checkpoints -------------------------------------------------------------------------


@pytest.fixture
def saved(qwen2_config, tmp_path):
    path = tmp_path / "ckpt"
    save_pretrained(create_model(qwen2_config), path, progress=False)
    return path


def _rewrite_config(path, **changes):
    cfg = json.loads((path / "config.json").read_text())
    cfg.update(changes)
    (path / "config.json").write_text(json.dumps(cfg))


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="model folder not found"):
        load_pretrained(tmp_path / "nope")


def test_missing_config_json_names_the_file(saved):
    (saved / "config.json").unlink()
    with pytest.raises(InputError) as err:
        load_pretrained(saved)
    assert err.value.source.endswith("config.json")


def test_unsupported_model_type_names_the_key(saved):
    _rewrite_config(saved, model_type="gpt2", architectures=["GPT2LMHeadModel"])
    with pytest.raises(InputError) as err:
        load_pretrained(saved)
    assert err.value.pointer == "/model_type" and "gpt2" in err.value.problem


def test_unsupported_architecture_names_the_key(saved):
    _rewrite_config(saved, architectures=["Qwen2ForSequenceClassification"])
    with pytest.raises(InputError) as err:
        load_pretrained(saved)
    assert err.value.pointer == "/architectures"


def test_missing_weights_file_is_an_input_error(saved):
    (saved / "model.safetensors").unlink()
    with pytest.raises(InputError, match="no model.safetensors"):
        load_pretrained(saved)


def test_mis_shaped_tensor_names_file_and_tensor(saved):
    _rewrite_config(saved, intermediate_size=80)
    with pytest.raises(InputError) as err:
        load_pretrained(saved)
    assert err.value.source.endswith("model.safetensors")
    assert err.value.pointer.startswith("model.layers.0.mlp.") and "96" in err.value.problem and "80" in err.value.problem


def test_checkpoint_missing_a_tensor_names_the_tensor(saved):
    _rewrite_config(saved, num_hidden_layers=3)
    with pytest.raises(InputError) as err:
        load_pretrained(saved)
    assert err.value.pointer.startswith("model.layers.2.") and "missing" in err.value.problem


def test_tensor_the_config_does_not_expect_is_rejected(saved):
    _rewrite_config(saved, num_hidden_layers=1)
    with pytest.raises(InputError, match="unexpected tensor") as err:
        load_pretrained(saved)
    assert err.value.pointer.startswith("model.layers.1.")


def test_partial_sharded_checkpoint_names_the_missing_shard(qwen2_config, tmp_path):
    save_pretrained(create_model(qwen2_config), tmp_path / "c", max_shard_bytes=30_000, progress=False)
    shards = sorted((tmp_path / "c").glob("model-*.safetensors"))
    shards[-1].unlink()
    with pytest.raises(InputError, match="partial checkpoint") as err:
        load_pretrained(tmp_path / "c")
    assert err.value.source.endswith("model.safetensors.index.json")


def test_untied_config_with_tied_checkpoint_reports_the_missing_lm_head(tmp_path, qwen2_config):
    qwen2_config["tie_word_embeddings"] = True
    save_pretrained(create_model(qwen2_config), tmp_path / "c", progress=False)
    _rewrite_config(tmp_path / "c", tie_word_embeddings=False)
    with pytest.raises(InputError) as err:
        load_pretrained(tmp_path / "c")
    assert err.value.pointer == "lm_head.weight"


def test_a_folder_copy_without_tokenizer_files_loads(saved, tmp_path):
    copy = tmp_path / "bare"
    shutil.copytree(saved, copy)
    assert not any(copy.glob("tokenizer*"))
    assert load_pretrained(copy, progress=False).config.num_layers == 2
