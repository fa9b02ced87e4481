"""`inftool export`: HF folders re-saved through the Flax model, tokenizer files kept."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from inftool_jax.cli import main
from inftool_jax.commands.export import ExportOptions, export_checkpoint
from inftool_jax.errors import InputError
from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

SMALL = TinyModelConfig(
    bpe_vocab_size=300, hidden_size=32, intermediate_size=48, num_layers=2, num_heads=4, num_kv_heads=2, pad_vocab_to_multiple_of=8
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return init_tiny_model(tmp_path_factory.mktemp("ck") / "tiny", [], SMALL, seed=1, progress=False)


def _tensors(folder):
    out = {}
    for file in sorted(folder.glob("*.safetensors")):
        out.update(load_file(str(file)))
    return out


def test_export_of_an_hf_folder_keeps_tensors_config_and_tokenizer(checkpoint, tmp_path):
    out = export_checkpoint(checkpoint, tmp_path / "hf", ExportOptions(progress=False))
    src, dst = _tensors(checkpoint), _tensors(out)
    assert sorted(src) == sorted(dst)
    for name in src:
        np.testing.assert_array_equal(src[name], dst[name])
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        assert (out / name).read_bytes() == (checkpoint / name).read_bytes()
    assert json.loads((out / "config.json").read_text()) == json.loads((checkpoint / "config.json").read_text())
    assert (out / "generation_config.json").is_file()
    assert not (tmp_path / "hf.partial").exists()


def test_exported_folder_loads_back_with_the_same_logits_and_tokenizer(checkpoint, tmp_path):
    import jax.numpy as jnp

    from inftool_jax.model import load_pretrained
    from inftool_jax.model.tokenizer import load_tokenizer

    out = export_checkpoint(checkpoint, tmp_path / "hf", ExportOptions(progress=False))
    ids = jnp.asarray([[3, 7, 11, 2]])
    a = load_pretrained(checkpoint, progress=False)(ids, attention_mask=jnp.ones_like(ids))
    b = load_pretrained(out, progress=False)(ids, attention_mask=jnp.ones_like(ids))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert load_tokenizer(out).chat_template == load_tokenizer(checkpoint).chat_template


def test_export_casts_to_bfloat16_and_splits_into_shards(checkpoint, tmp_path):
    out = export_checkpoint(checkpoint, tmp_path / "bf16", ExportOptions(dtype="bfloat16", max_shard_size="20KB", progress=False))
    index = json.loads((out / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 1
    config = json.loads((out / "config.json").read_text())
    assert config["torch_dtype"] == "bfloat16"
    header_len = int.from_bytes((out / sorted(set(index["weight_map"].values()))[0]).read_bytes()[:8], "little")
    header = json.loads((out / sorted(set(index["weight_map"].values()))[0]).read_bytes()[8 : 8 + header_len])
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} == {"BF16"}


def test_cli_export_prints_the_folder(checkpoint, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert (out / "model.safetensors").is_file()


def test_non_empty_output_needs_force(checkpoint, tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "old.txt").write_text("x")
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(out), "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(out), "--quiet", "--force"]) == 0
    assert not (out / "old.txt").exists()


@pytest.mark.parametrize("case", ["missing", "not_a_checkpoint", "same_folder", "bad_shard_size"])
def test_bad_export_requests_are_input_errors_naming_the_path(checkpoint, tmp_path, case):
    src, dst, options = checkpoint, tmp_path / "out", ExportOptions(progress=False)
    if case == "missing":
        src = tmp_path / "nope"
    elif case == "not_a_checkpoint":
        src = tmp_path / "empty"
        src.mkdir()
        (src / "notes.txt").write_text("hi")
    elif case == "same_folder":
        dst = checkpoint
    else:
        options = ExportOptions(max_shard_size="lots", progress=False)
    with pytest.raises(InputError) as err:
        export_checkpoint(src, dst, options)
    expected = {"missing": "nope", "not_a_checkpoint": "config.json", "same_folder": str(checkpoint), "bad_shard_size": "<command line>"}
    assert expected[case] in err.value.source
