"""Train the tiny model's byte-level BPE: Qwen2's pre-tokenizer split, cut further so a value is the same tokens
wherever it stands, with the chat template's control and markup tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

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
)

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
