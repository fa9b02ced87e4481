"""A ``tokenizer.json`` (built with ``tokenizers``) and chat template from a GGUF file's vocabulary.

A GGUF carries the vocabulary (``tokenizer.ggml.tokens``, in id order), the token kinds
(``token_type``: 1 normal, 3 control, 4 user-defined, ...), the BPE merges, which pre-tokenizer
split the text while the merges were learned (``tokenizer.ggml.pre``), the special token ids
and the chat template. Byte-level BPE (``tokenizer.ggml.model = gpt2``, every Llama 3, Qwen and
SmolLM model) is rebuilt exactly; sentencepiece vocabularies are refused with a clear error.

The pre-tokenizer matters: it decides, for instance, whether ``2024`` is one piece or four
digits before BPE runs. Each ``pre`` name maps to the split its model was trained with (the
same regexes llama.cpp uses for those names and the models' own tokenizer.json files hold).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.model.gguf_reader import GGUFFile

CONTROL, USER_DEFINED = 3, 4  # llama.cpp's token types

# GPT-2's split (what ByteLevel(use_regex=True) applies).
_GPT2 = "gpt2"
# Llama 3: up to three digits per piece, case-insensitive contractions.
_LLAMA3 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# Qwen2 / Qwen2.5 / Qwen3: one digit per piece.
_QWEN2 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# StarCoder / SmolLM: every digit its own piece, then GPT-2's split.
_DIGITS_THEN_GPT2 = "digits+gpt2"

# tokenizer.ggml.pre -> (split, NFC normalizer, BPE ignore_merges), as the models' own tokenizer.json files have them.
PRE_TOKENIZERS: dict[str, tuple[str, bool, bool]] = {
    "default": (_GPT2, False, False),
    "gpt-2": (_GPT2, False, False),
    "gpt2": (_GPT2, False, False),
    "smollm": (_DIGITS_THEN_GPT2, False, False),
    "starcoder": (_DIGITS_THEN_GPT2, False, False),
    "refact": (_DIGITS_THEN_GPT2, False, False),
    "qwen2": (_QWEN2, True, False),
    "deepseek-r1-qwen": (_QWEN2, True, False),
    "llama-bpe": (_LLAMA3, False, True),
    "llama3": (_LLAMA3, False, True),
    "llama-v3": (_LLAMA3, False, True),
    "smaug-bpe": (_LLAMA3, False, True),
}


def _tokens(gguf: GGUFFile) -> list[str]:
    tokens = gguf.get("tokenizer.ggml.tokens")
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
        raise InputError(gguf.source, "tokenizer.ggml.tokens", "expected a non-empty list of strings")
    return tokens


def _token_types(gguf: GGUFFile, count: int) -> list[int]:
    types = gguf.get("tokenizer.ggml.token_type", None)
    if types is None:
        return [1] * count
    if not isinstance(types, list) or len(types) != count:
        raise InputError(gguf.source, "tokenizer.ggml.token_type", f"expected {count} token types, one per token")
    return [int(t) for t in types]


def _merges(gguf: GGUFFile) -> list[tuple[str, str]]:
    merges = gguf.get("tokenizer.ggml.merges")
    out = []
    for i, merge in enumerate(merges if isinstance(merges, list) else [None]):
        parts = merge.split(" ") if isinstance(merge, str) else []
        if len(parts) != 2 or not all(parts):
            raise InputError(gguf.source, f"tokenizer.ggml.merges/{i}", f"expected two tokens separated by one space, got {merge!r}")
        out.append((parts[0], parts[1]))
    return out


def special_token(gguf: GGUFFile, key: str, tokens: list[str]) -> str | None:
    """The text of special token ``key`` (bos, eos, unknown, padding, eot), or None when the file names none."""
    token_id = gguf.get(f"tokenizer.ggml.{key}_token_id", None)
    if token_id is None:
        return None
    if not isinstance(token_id, int) or not 0 <= token_id < len(tokens):
        raise InputError(gguf.source, f"tokenizer.ggml.{key}_token_id", f"{token_id!r} is not a token id (vocabulary of {len(tokens)})")
    return tokens[token_id]


def build_tokenizer(gguf: GGUFFile) -> Any:
    """The ``tokenizers.Tokenizer`` the GGUF vocabulary describes (byte-level BPE)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    kind = gguf.get("tokenizer.ggml.model")
    if kind != "gpt2":
        raise InputError(
            gguf.source, "tokenizer.ggml.model", f"tokenizer {kind!r} is not supported (only byte-level BPE, 'gpt2', is)"
        )
    pre = gguf.get("tokenizer.ggml.pre", "default")
    if pre not in PRE_TOKENIZERS:
        raise InputError(
            gguf.source, "tokenizer.ggml.pre", f"unknown pre-tokenizer {pre!r} (supported: {', '.join(sorted(PRE_TOKENIZERS))})"
        )
    split, nfc, ignore_merges = PRE_TOKENIZERS[pre]
    tokens = _tokens(gguf)
    types = _token_types(gguf, len(tokens))
    vocab: dict[str, int] = {}
    for index, token in enumerate(tokens):
        vocab.setdefault(token, index)  # a repeated spelling keeps its first id, as llama.cpp's lookup does
    tok = Tokenizer(models.BPE(vocab=vocab, merges=_merges(gguf), ignore_merges=ignore_merges, byte_fallback=False))
    if nfc:
        tok.normalizer = normalizers.NFC()
    if split == _GPT2:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif split == _DIGITS_THEN_GPT2:
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
        )
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Split(Regex(split), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
        )
    tok.decoder = decoders.ByteLevel()
    # Control tokens (<|im_start|>, <|endoftext|>) are special; user-defined ones (<tool_call> in Qwen) are
    # matched whole but kept in decoded text. Both must never be cut by BPE.
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, k in zip(tokens, types) if k == CONTROL])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t, k in zip(tokens, types) if k == USER_DEFINED])
    bos = special_token(gguf, "bos", tokens)
    if gguf.get("tokenizer.ggml.add_bos_token", False) and bos is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1", special_tokens=[(bos, vocab[bos])]
        )
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


# --- chat template ---------------------------------------------------------------------------------------------
CHAT_TEMPLATE_MODES = ("gguf", "tools-compact", "tools-full")
_CHATML_SYSTEM = re.compile(r"^<\|im_start\|>system\n(.*?)<\|im_end\|>", re.S)


def default_system_prompt(template: str) -> str | None:
    """The system text a ChatML template writes when the conversation has no system turn (None: it writes none)."""
    from inftool_jax.model.chat_template import render_chat

    try:
        text = render_chat([{"role": "user", "content": "hello"}], template=template)
    except Exception:  # a template may call raise_exception or helpers this renderer lacks
        return None
    m = _CHATML_SYSTEM.match(text)
    return m.group(1) if m else None


def chat_template(gguf: GGUFFile, mode: str, tokens: list[str]) -> str:
    """The chat template for the folder.

    ``gguf``: the file's own template as written. ``tools-compact`` / ``tools-full``: the project's
    ChatML template with a tools section (compact signature lines / full JSON schemas, calls as
    ``<tool_call>`` JSON, see model/chat_template.py) and the model's own default system prompt,
    for models whose template ignores ``tools``; needs ``<|im_start|>`` and ``<|im_end|>`` in the vocabulary.
    """
    own = gguf.get("tokenizer.chat_template", None)
    if mode == "gguf":
        if not isinstance(own, str) or not own.strip():
            raise InputError(
                gguf.source, "tokenizer.chat_template", "the file has no chat template (use --chat-template tools-compact or tools-full)"
            )
        return own
    if mode not in CHAT_TEMPLATE_MODES:
        raise InputError("<command line>", "--chat-template", f"must be one of {', '.join(CHAT_TEMPLATE_MODES)}, got {mode!r}")
    from inftool_jax.model.chat_template import DEFAULT_SYSTEM_PROMPT, IM_END, IM_START, TOOL_RENDERINGS

    missing = [t for t in (IM_START, IM_END) if t not in tokens]
    if missing:
        raise InputError(
            gguf.source, "tokenizer.ggml.tokens", f"--chat-template {mode} writes ChatML, but the vocabulary lacks {', '.join(missing)}"
        )
    template = TOOL_RENDERINGS[mode.split("-", 1)[1]]
    prompt = default_system_prompt(own) if isinstance(own, str) else None
    if prompt is not None:
        literal = json.dumps(DEFAULT_SYSTEM_PROMPT)
        assert template.count(literal) == 1, "the project's template must name its default system prompt once"
        # A JSON string literal is a valid Jinja string literal (same escapes).
        template = template.replace(literal, json.dumps(prompt))
    return template


def write_tokenizer(gguf: GGUFFile, out: str | Path, chat_template_mode: str = "gguf") -> Any:
    """Write tokenizer.json, tokenizer_config.json, special_tokens_map.json and the chat template into ``out``."""
    from transformers import PreTrainedTokenizerFast

    from inftool_jax.model.tokenizer import save_tokenizer

    tokens = _tokens(gguf)
    template = chat_template(gguf, chat_template_mode, tokens)
    backend = build_tokenizer(gguf)
    specials = {
        name: special_token(gguf, key, tokens)
        for name, key in (("bos_token", "bos"), ("eos_token", "eos"), ("unk_token", "unknown"), ("pad_token", "padding"))
    }
    context = gguf.get(f"{gguf.architecture}.context_length", None)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, chat_template=template, clean_up_tokenization_spaces=False,
        **({"model_max_length": context} if isinstance(context, int) and context > 0 else {}),
        **{k: v for k, v in specials.items() if v is not None},
    )
    save_tokenizer(tokenizer, out)
    return tokenizer
