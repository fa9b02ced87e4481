"""GGUF file -> Hugging Face model folder (config.json, safetensors, tokenizer.json, chat template).

The folder loads through :func:`inftool_jax.model.pretrained.load_pretrained` and through
transformers like any checkpoint, so a model held as a GGUF (many small models are shared only
that way) can be trained, served and evaluated here. Quantized tensors are dequantized (the
folder holds the quantized values exactly in float32; bfloat16 rounds them); llama's q/k rows
are put back in HF order (:mod:`inftool_jax.model.gguf_weights`).
"""

from __future__ import annotations

import collections
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from inftool_jax.errors import InputError
from inftool_jax.model import hf_checkpoint
from inftool_jax.model.gguf_config import hf_config
from inftool_jax.model.gguf_reader import GGUFFile
from inftool_jax.model.gguf_tokenizer import CHAT_TEMPLATE_MODES, special_token, write_tokenizer
from inftool_jax.model.gguf_weights import hf_name, hf_tensor

DTYPES = ("float32", "bfloat16")


def _numpy_dtype(dtype: str) -> np.dtype:
    if dtype == "float32":
        return np.dtype(np.float32)
    if dtype == "bfloat16":
        import jax.numpy as jnp  # numpy has no bfloat16; jax's (ml_dtypes) is what safetensors writes

        return np.dtype(jnp.bfloat16)
    raise InputError("<command line>", "--dtype", f"must be one of {', '.join(DTYPES)}, got {dtype!r}")


def _write_weights(gguf: GGUFFile, config: dict[str, Any], out: Path, dtype: np.dtype, max_shard_bytes: int) -> dict[str, str]:
    """Dequantize, reorder and write every tensor; returns GGUF block type per HF tensor name."""
    arch = gguf.architecture
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    by_hf: dict[str, str] = {}
    for name in gguf.tensor_names:
        target = hf_name(name, gguf.source)
        if target in by_hf:
            raise InputError(gguf.source, name, f"a second tensor for {target}")
        by_hf[target] = name

    def get(target: str) -> np.ndarray:
        name = by_hf[target]
        try:
            values = hf_tensor(name, gguf.tensor(name), arch, heads, kv_heads)
        except ValueError as err:
            raise InputError(gguf.source, name, str(err)) from None
        return values.astype(dtype)

    names = sorted(by_hf)
    nbytes = {n: int(np.prod(gguf.shape(by_hf[n]))) * dtype.itemsize for n in names}
    hf_checkpoint.write_safetensors(out, names, get, nbytes, max_shard_bytes)
    return {n: gguf.tensor_type(by_hf[n]) for n in names}


def _write_configs(gguf: GGUFFile, config: dict[str, Any], out: Path, dtype: np.dtype) -> None:
    config = dict(config, dtype=dtype.name, torch_dtype=dtype.name)  # transformers 5 reads dtype, 4.x torch_dtype
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    gen = {k: config[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id") if k in config}
    tokens = gguf.get("tokenizer.ggml.tokens", None)
    eot = gguf.get("tokenizer.ggml.eot_token_id", None)
    # Chat models often end a turn with a token other than EOS (llama.cpp's "end of turn"): stop on both.
    if isinstance(eot, int) and isinstance(tokens, list) and special_token(gguf, "eot", tokens) and eot != gen.get("eos_token_id"):
        gen["eos_token_id"] = [e for e in (gen.get("eos_token_id"), eot) if e is not None]
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def import_gguf(
    path: str | Path,
    out: str | Path,
    dtype: str = "float32",
    chat_template: str = "gguf",
    max_shard_size: str | int = "5GB",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the model in the GGUF file ``path`` as an HF folder ``out``; returns a summary.

    The folder is written as ``<out>.partial`` and moved into place at the end, so a failed
    import leaves nothing that looks finished. ``chat_template``: ``gguf`` (the file's own),
    ``tools-compact`` or ``tools-full`` (see :func:`inftool_jax.model.gguf_tokenizer.chat_template`).
    InputError names the file and the metadata key or tensor for anything unsupported or broken.
    """
    started = time.perf_counter()
    np_dtype = _numpy_dtype(dtype)
    if chat_template not in CHAT_TEMPLATE_MODES:
        raise InputError("<command line>", "--chat-template", f"must be one of {', '.join(CHAT_TEMPLATE_MODES)}, got {chat_template!r}")
    dst = Path(out)
    if dst.exists() and (not dst.is_dir() or any(dst.iterdir())) and not overwrite:
        raise InputError(str(dst), "", "output folder exists and is not empty (pass --force to replace it)")
    gguf = GGUFFile(path)
    config = hf_config(gguf)
    partial = dst.with_name(dst.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        # The tokenizer first: it is the cheap part, and an unsupported vocabulary should fail before minutes of tensors.
        write_tokenizer(gguf, partial, chat_template)
        types = _write_weights(gguf, config, partial, np_dtype, hf_checkpoint.parse_size(max_shard_size))
        _write_configs(gguf, config, partial, np_dtype)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if dst.exists():
        shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
    partial.rename(dst)
    return {
        "out": str(dst),
        "architecture": gguf.architecture,
        "model_type": config["model_type"],
        "tensors": len(types),
        "block_types": dict(sorted(collections.Counter(types.values()).items())),
        "vocab_size": config["vocab_size"],
        "dtype": dtype,
        "chat_template": chat_template,
        "seconds": round(time.perf_counter() - started, 2),
    }
