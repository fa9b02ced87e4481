"""The embedded default policy: a byte-level BPE trained on the tool catalog plus a tiny random Qwen2.

``init_tiny_model`` writes an ordinary HF folder (config.json, safetensors,
tokenizer.json, tokenizer_config.json, chat_template.jinja), so from then on
the tiny model loads through the same path as a real checkpoint
(``load_pretrained`` + ``load_tokenizer``).
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from inftool_jax.config_base import Section
from inftool_jax.errors import InputError
from inftool_jax.model.chat_template import (
    CHAT_TEMPLATE,
    END_OF_TEXT,
    IM_END,
    IM_START,
    SPECIAL_TOKENS,
    TOOL_CALL_END,
    TOOL_CALL_START,
    TOOL_RESPONSE_END,
    TOOL_RESPONSE_START,
    TOOL_RENDERINGS,
    render_chat,
)
from inftool_jax.model.tokenizer import save_tokenizer

# Pre-tokenizer split: letter runs, single digits, punctuation runs and whitespace runs, each its own piece.
# Unlike Qwen2's split (which glues a leading space or quote onto a word), a word is cut into the same tokens
# wherever it stands: "Paris" in the user's sentence, in a tool listing and inside a JSON call string are one
# token sequence. A model trained from scratch can then copy a value by token identity instead of learning a
# " Paris" -> "Paris" mapping for every word, which a tiny model never does for values it has not seen.
# Single digits keep numbers compositional for the same reason.
WORD_SPLIT_PATTERN = r"\p{L}+|\p{N}|[^\s\p{L}\p{N}]+|\s+"  # whitespace is already cut as Qwen2 cuts it (below)
# Qwen2's own split, applied first: the word split then only cuts Qwen2's pieces further, so no merge learned here
# crosses a boundary of Qwen2's, and vLLM, SGLang or AutoTokenizer loading an exported tiny model as Qwen2Tokenizer
# (which re-applies this pattern) get the same ids.
QWEN2_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# Added as real special tokens (skipped by decode(skip_special_tokens=True)) ...
CONTROL_TOKENS = [END_OF_TEXT, IM_START, IM_END]
# ... while the tool markup stays visible in decoded text, as in Qwen2.5.
MARKUP_TOKENS = [TOOL_CALL_START, TOOL_CALL_END, TOOL_RESPONSE_START, TOOL_RESPONSE_END]


class TinyModelConfig(Section):
    """The tiny default model made by `inftool init-model` (a few million parameters)."""

    bpe_vocab_size: int = 3072
    """Target size of the byte-level BPE vocabulary (the trainer may stop earlier on a small corpus)."""
    bpe_min_frequency: int = 2
    """A pair must occur this often in the corpus to become a merge."""
    examples_per_tool: int = 4
    """Example conversations rendered per catalog tool for the BPE corpus."""
    corpus_episodes: int = 400
    """Episodes synthesized from the catalog (programmatic agents, the config's synth settings) and rendered into the BPE
    corpus, so the user simulator's phrasing and the generated values (names, cities, ids) get tokens of their own:
    shorter sequences, and a value is copied as one or two tokens instead of a run of letters. 0 = catalog and generic
    text only."""
    pad_vocab_to_multiple_of: int = 64
    """Model embedding rows are padded up to a multiple of this (friendlier to sharding; 1 = no padding)."""
    hidden_size: int = 256
    """Width of the residual stream."""
    intermediate_size: int = 704
    """Width of the SwiGLU MLP."""
    num_layers: int = 4
    """Number of decoder layers."""
    num_heads: int = 4
    """Attention (query) heads."""
    num_kv_heads: int = 2
    """Key/value heads (grouped-query attention)."""
    max_position_embeddings: int = 4096
    """Longest sequence the model is meant for."""
    rope_theta: float = 10000.0
    """RoPE base frequency."""
    rms_norm_eps: float = 1e-6
    """RMSNorm epsilon."""
    tie_word_embeddings: bool = True
    """Share the input embedding with the output projection."""
    copy_prior: bool = False
    """Plant heads that look one and two tokens back (layer 0) and two induction heads (layer 1) in the random
    weights (see inftool_jax/bootstrap/copy_prior.py): a model this small does not learn to copy from its context within
    minutes of training, and tool calls are mostly copying. Needs tied embeddings, 2+ layers, 2+ KV heads and
    head_dim >= 24, and wants a large rope_theta (1e6) so the induction heads' match holds across a prompt."""
    copy_warmup_steps: int = Field(default=0, ge=0)
    """Steps of training on repeated random token strings after planting (0 = none; 150 at 128 wide take ~40 s on 2
    CPU cores). Measured at 128 wide on a 500-token alphabet: the planted circuit copies 0.77 of the predictable tokens
    at step 0 and 0.995 after 100 steps. Without copy_prior it is a control: the unplanted model stays near chance."""
    copy_warmup_learning_rate: float = Field(default=3.0e-3, gt=0)
    """Peak AdamW learning rate of the copy warm-up (10% linear warm-up, cosine decay to a tenth)."""
    copy_warmup_batch_size: int = Field(default=16, ge=1)
    """Rows per copy warm-up step."""
    copy_warmup_length: int = Field(default=128, ge=32)
    """Tokens per copy warm-up row (string periods are 8 to 48 tokens, at most half the row)."""
    tool_rendering: Literal["compact", "full"] = "compact"
    """How the chat template lists offered tools: compact = one signature line per tool (names, types, enums,
    optional marks; a few dozen tokens each), full = each tool's whole JSON schema as in Qwen2.5 (~220 tokens each)."""


# ---------------------------------------------------------------------------
# Corpus


_GENERIC_SENTENCES = """\
Hello! How can I help you today?
Sure, I can help with that.
Thanks, that is exactly what I needed.
Could you tell me a bit more about what you are looking for?
I could not find a tool that can do that, sorry.
Which city do you mean? Please give me the name.
What date would you like? For example 2024-05-17 or next Monday.
Here is the result of the search.
The request failed because a required parameter was missing.
Please find the details below.
Let me check that for you.
I have booked the table for two people at 7:30 pm.
The weather in Paris is 18 degrees Celsius and cloudy.
Your order number is 48213 and it will arrive on Friday.
Convert 250 US dollars to euros, please.
Send an email to alice@example.com with the subject "Meeting notes".
Set a reminder for tomorrow at 9 am to call the dentist.
How many users signed up last week?
Find flights from New York to London on March 3rd.
Book a hotel in Tokyo from June 10 to June 14 for 2 adults.
Create a new task called "Write report" with high priority.
Delete the file with id abc-123.
What is the status of ticket #5521?
Translate "good morning" into Spanish.
List the last 10 transactions on my account.
Play some jazz music in the living room.
Turn off the lights in the kitchen.
Get the stock price of AAPL and MSFT.
Calculate the area of a circle with radius 4.5.
The total is $1,299.99 including tax.
Yes, please go ahead.
No, that is not what I meant.
I need the answer in kilometers, not miles.
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January February March April May June July August September October November December
true false null
id name type value status error message result results data items count total page limit offset
{"status": "ok", "data": {"items": [], "count": 0}}
{"error": {"code": 404, "message": "not found"}}
[1, 2, 3, 4.5, -7, 0.25, 1e-3]
"""


def _numbers_and_dates(rng: random.Random, n: int = 200) -> Iterator[str]:
    for _ in range(n):
        yield (
            f"{rng.randint(0, 9999)} {rng.uniform(-1000, 1000):.2f} "
            f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        )


def generic_text(seed: int = 0) -> list[str]:
    """Built-in chat phrases, numbers, dates and JSON punctuation for the BPE corpus."""
    rng = random.Random(seed)
    return _GENERIC_SENTENCES.splitlines() + list(_numbers_and_dates(rng))


_WORDS = ["alpha", "new york", "paris", "report", "blue", "john smith", "2024-05-17", "ok", "main", "example"]


def example_value(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A plausible value for a JSON Schema, for corpus text only (not validated)."""
    if not isinstance(schema, dict):
        return rng.choice(_WORDS)
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("integer",):
        return rng.randint(0, 500)
    if kind in ("number", "float"):
        return round(rng.uniform(0, 500), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("array", "tuple") and depth < 3:
        return [example_value(schema.get("items"), rng, depth + 1) for _ in range(rng.randint(1, 2))]
    if kind in ("object", "dict") and depth < 3:
        return _example_object(schema, rng, depth + 1)
    return rng.choice(_WORDS)


def _example_object(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> dict[str, Any]:
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    return {
        key: example_value(sub, rng, depth)
        for key, sub in props.items()
        if key in required or rng.random() < 0.5
    }


def _tool_conversations(tools: Sequence[dict[str, Any]], per_tool: int, rng: random.Random,
                        template: str = CHAT_TEMPLATE) -> Iterator[str]:
    """Chat-template text for each tool: the tools system prompt, calls and responses."""
    for start in range(0, len(tools), 4):
        group = list(tools[start : start + 4])
        for tool in group:
            fn = tool["function"]
            for _ in range(per_tool):
                args = _example_object(fn.get("parameters") or {}, rng)
                messages = [
                    {"role": "user", "content": f"Please use {fn['name']}: {fn.get('description', '')}"},
                    {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": fn["name"], "arguments": args}}]},
                    {"role": "tool", "content": json.dumps({"result": args}, ensure_ascii=False)},
                    {"role": "assistant", "content": f"Done: {fn['name']} returned the result."},
                ]
                yield render_chat(messages, tools=group, template=template)


def catalog_tools(spec_paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """The catalog under ``spec_paths`` as OpenAI tool dicts (empty for no paths)."""
    if not spec_paths:
        return []
    from inftool_jax.tools import load_catalog

    return [spec.to_openai() for spec in load_catalog([str(p) for p in spec_paths]).tools]


def synthesized_conversations(spec_paths: Sequence[str | Path], count: int, synth: Any = None, seed: int = 0,
                              template: str = CHAT_TEMPLATE) -> list[str]:
    """``count`` episodes synthesized from the catalog by the programmatic agents, rendered through ``template``.

    ``synth`` is a :class:`~inftool_jax.synth.config.SynthConfig` (default settings when None); its
    role backends are replaced by the programmatic ones, so no server is needed. Empty when there
    are no spec paths or ``count`` is 0.
    """
    if not spec_paths or count <= 0:
        return []
    import tempfile

    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.pipeline import Synthesis
    from inftool_jax.tools import load_catalog

    config = (synth or SynthConfig()).model_copy(update={"backends": SynthConfig().backends})
    tools = load_catalog([str(p) for p in spec_paths]).tools
    texts: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        while True:  # a small catalog may lack what a category needs (chains, ...): leave such categories out here
            try:
                run = Synthesis(tools, config, seed, scratch)
                break
            except InputError as err:
                category = err.pointer.removeprefix("synth.categories.")
                weights = config.categories.model_dump()
                if category == err.pointer or not weights.get(category) or sum(weights.values()) == weights[category]:
                    raise
                config = config.model_copy(update={"categories": config.categories.model_copy(update={category: 0.0})})
        try:
            index = 0
            while len(texts) < count and index < 3 * count:
                episode, _ = run.produce(index)
                index += 1
                if episode is not None:
                    texts.append(render_chat(episode["messages"], tools=episode["tools"], template=template))
        finally:
            run.close()
    return texts


def corpus_texts(spec_paths: Sequence[str | Path], examples_per_tool: int = 4, seed: int = 0,
                 template: str = CHAT_TEMPLATE, episodes: int = 0, synth: Any = None) -> list[str]:
    """The BPE training corpus: catalog tools rendered through the chat ``template``, ``episodes``
    synthesized conversations (:func:`synthesized_conversations`) and generic text.

    Bad or missing spec paths raise :class:`InputError` (from the catalog loader).
    """
    rng = random.Random(seed)
    texts: list[str] = []
    tools = catalog_tools(spec_paths)
    for tool in tools:
        fn = tool["function"]
        texts.append(f"{fn['name']}: {fn.get('description', '')}")
        texts.append(json.dumps(tool, ensure_ascii=False))
    texts.extend(_tool_conversations(tools, examples_per_tool, rng, template))
    texts.extend(synthesized_conversations(spec_paths, episodes, synth, seed, template))
    # Generic conversations too, so the template's own text is always well covered.
    generic = generic_text(seed)
    for i in range(0, len(generic) - 1, 2):
        texts.append(
            render_chat(
                [{"role": "user", "content": generic[i]}, {"role": "assistant", "content": generic[i + 1]}],
                add_generation_prompt=False,
                template=template,
            )
        )
    texts.extend(generic)
    return texts


# ---------------------------------------------------------------------------
# Tokenizer


def _strip_special(texts: Iterable[str]) -> Iterator[str]:
    """Cut special-token strings out of the corpus so no merge spans them."""
    import re

    pattern = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS))
    for text in texts:
        for piece in pattern.split(text):
            if piece:
                yield piece


def train_tokenizer(texts: Sequence[str], vocab_size: int = 3072, min_frequency: int = 2,
                    chat_template: str = CHAT_TEMPLATE) -> Any:
    """Train a Qwen-style byte-level BPE on ``texts``; a transformers tokenizer with the chat template.

    Deterministic for the same texts. Control tokens ``<|endoftext|>``,
    ``<|im_start|>``, ``<|im_end|>`` get the first ids; the tool markup tokens
    come after the merges. ``eos_token`` is ``<|im_end|>`` (the end of an
    assistant turn) and ``pad_token`` is ``<|endoftext|>``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if vocab_size < 256 + len(SPECIAL_TOKENS):
        raise InputError("<config>", "tiny_model.bpe_vocab_size", f"must be at least {256 + len(SPECIAL_TOKENS)}")
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.Split(Regex(WORD_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(MARKUP_TOKENS),
        min_frequency=min_frequency,
        special_tokens=CONTROL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_strip_special(texts), trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in MARKUP_TOKENS])

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        unk_token=None,
        bos_token=None,
        additional_special_tokens=[IM_START, IM_END],
        chat_template=chat_template,
        clean_up_tokenization_spaces=False,
        model_max_length=131072,
        padding_side="right",
    )


# ---------------------------------------------------------------------------
# Model


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
