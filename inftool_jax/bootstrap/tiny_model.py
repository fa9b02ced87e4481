"""The embedded default policy: a byte-level BPE trained on the tool catalog plus a tiny random Qwen2.

``init_tiny_model`` writes an ordinary HF folder (config.json, safetensors,
tokenizer.json, tokenizer_config.json, chat_template.jinja), so from then on
the tiny model loads through the same path as a real checkpoint
(``load_pretrained`` + ``load_tokenizer``).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inftool_jax.bootstrap.config import TinyModelConfig
from inftool_jax.bootstrap.corpus import corpus_texts
from inftool_jax.bootstrap.tokenizer_training import train_tokenizer
from inftool_jax.errors import InputError
from inftool_jax.model.chat_template import END_OF_TEXT, IM_END, TOOL_RENDERINGS
from inftool_jax.model.tokenizer import save_tokenizer


def tiny_hf_config(cfg: TinyModelConfig, tokenizer: Any = None) -> dict[str, Any]:
    """The HF ``config.json`` of the tiny Qwen2 for this tokenizer.

    Without a tokenizer the vocabulary size and special token ids are placeholders: the architecture alone, for
    checks before the tokenizer is trained.
    """
    multiple = max(1, cfg.pad_vocab_to_multiple_of)
    vocab = -(-len(tokenizer) // multiple) * multiple if tokenizer is not None else multiple
    if cfg.hidden_size % cfg.num_heads or cfg.num_heads % cfg.num_kv_heads:
        raise InputError(
            "<config>", "tiny_model.num_heads", "hidden_size must divide by num_heads and num_heads by num_kv_heads"
        )
    pad_id = tokenizer.convert_tokens_to_ids(END_OF_TEXT) if tokenizer is not None else 0
    eos_id = tokenizer.convert_tokens_to_ids(IM_END) if tokenizer is not None else 0
    return {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": vocab,
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_heads,
        "num_key_value_heads": cfg.num_kv_heads,
        "hidden_act": "silu",
        "max_position_embeddings": cfg.max_position_embeddings,
        "rope_theta": cfg.rope_theta,
        "rms_norm_eps": cfg.rms_norm_eps,
        "tie_word_embeddings": cfg.tie_word_embeddings,
        "use_sliding_window": False,
        "attention_dropout": 0.0,
        "initializer_range": 0.02,
        "bos_token_id": pad_id,
        "eos_token_id": eos_id,
        "pad_token_id": pad_id,
        "torch_dtype": "float32",
    }


def init_tiny_model(
    out_dir: str | Path,
    spec_paths: Sequence[str | Path],
    cfg: TinyModelConfig | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
    synth: Any = None,
) -> Path:
    """Train the tokenizer, create the random tiny Qwen2 and save both as one HF folder.

    The folder is written next to ``out_dir`` and moved into place at the end,
    so an interrupted run never leaves a half-written model behind.
    Deterministic for the same specs, config and seed. ``synth`` (a SynthConfig, default settings
    when None) shapes the ``cfg.corpus_episodes`` conversations synthesized for the BPE corpus.
    """
    from tqdm.auto import tqdm

    from inftool_jax.bootstrap.copy_prior import check_copy_prior, plant_copy_circuit

    cfg = cfg or TinyModelConfig()
    if cfg.copy_prior:  # before minutes of corpus rendering and BPE training
        check_copy_prior(tiny_hf_config(cfg))
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not overwrite:
            raise InputError(str(out), "", "output folder exists and is not empty (pass --force to replace it)")
    steps = tqdm(total=4, desc="init-model", disable=not progress, unit="step")

    steps.set_postfix_str("rendering corpus")
    template = TOOL_RENDERINGS[cfg.tool_rendering]
    texts = corpus_texts(spec_paths, cfg.examples_per_tool, seed, template, cfg.corpus_episodes, synth)
    steps.update()

    steps.set_postfix_str(f"training BPE on {sum(map(len, texts)):,} chars")
    tokenizer = train_tokenizer(texts, cfg.bpe_vocab_size, cfg.bpe_min_frequency, template)
    steps.update()

    steps.set_postfix_str("initialising model")
    from inftool_jax.model import create_model, save_pretrained
    from inftool_jax.bootstrap.copy_warmup import copy_warmup

    hf_config = tiny_hf_config(cfg, tokenizer)
    model = create_model(hf_config, seed=seed, dtype="float32")
    if cfg.copy_prior:
        plant_copy_circuit(model, hf_config, seed=seed)
    if cfg.copy_warmup_steps:
        steps.set_postfix_str("copy warm-up")
        special = set(tokenizer.all_special_ids)
        regular = [i for i in range(len(tokenizer)) if i not in special]
        copy_warmup(model, regular, steps=cfg.copy_warmup_steps, learning_rate=cfg.copy_warmup_learning_rate,
                    batch_size=cfg.copy_warmup_batch_size, length=cfg.copy_warmup_length, seed=seed, progress=progress)
    steps.update()

    steps.set_postfix_str("saving")
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    save_pretrained(model, partial, progress=progress)
    save_tokenizer(tokenizer, partial)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    partial.rename(out)
    steps.update()
    steps.close()
    return out
