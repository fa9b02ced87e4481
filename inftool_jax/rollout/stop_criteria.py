"""When a completion ends: stop token ids (checked on device) and stop strings (checked on the host).

Stop strings are matched on decoded text, not on token ids: a string like ``</tool_call>``
can be produced by many different token sequences, and the decoded text is what a
user of the output sees. The sampler decodes in jitted chunks and calls
:meth:`StopStringMatcher.first_stop` on the host between chunks; the match is exact:
the completion's tokens end with the first token after which the text contains a stop
string, and its text ends right after that stop string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inftool_jax.errors import InputError


def eos_token_ids(tokenizer: Any | None, hf_config: dict[str, Any] | None) -> list[int]:
    """The end-of-sequence ids of the tokenizer and of the model's ``config.json`` (int or list), sorted."""
    ids: set[int] = set()
    if tokenizer is not None and getattr(tokenizer, "eos_token_id", None) is not None:
        ids.add(int(tokenizer.eos_token_id))
    value = (hf_config or {}).get("eos_token_id")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, int):
            ids.add(item)
    return sorted(ids)


def resolve_stop_token_ids(
    stop_token_ids: Sequence[int], stop_at_eos: bool, tokenizer: Any | None, hf_config: dict[str, Any] | None, vocab_size: int
) -> list[int]:
    """The stop ids a generation uses; ids outside the vocabulary are an :class:`InputError`."""
    ids = set(int(i) for i in stop_token_ids)
    if stop_at_eos:
        ids.update(eos_token_ids(tokenizer, hf_config))
    for i in sorted(ids):
        if not 0 <= i < vocab_size:
            raise InputError("<sampling config>", "stop_token_ids", f"token id {i} is outside the vocabulary [0, {vocab_size})")
    return sorted(ids)


class StopStringMatcher:
    """Finds where the first stop string completes in a row of generated tokens."""

    def __init__(self, tokenizer: Any | None, stop_strings: Sequence[str], skip_special_tokens: bool = True):
        strings = [s for s in stop_strings]
        if any(not isinstance(s, str) or not s for s in strings):
            raise InputError("<sampling config>", "stop_strings", "stop strings must be non-empty strings")
        if strings and tokenizer is None:
            raise InputError("<sampling config>", "stop_strings", "stop strings need a tokenizer (Sampler(model, tokenizer))")
        self.tokenizer = tokenizer
        self.stop_strings = tuple(strings)
        self.skip_special_tokens = skip_special_tokens

    def __bool__(self) -> bool:
        return bool(self.stop_strings)

    def decode(self, tokens: Sequence[int]) -> str:
        return self.tokenizer.decode(list(tokens), skip_special_tokens=self.skip_special_tokens)

    def cut(self, text: str) -> str | None:
        """``text`` up to and including the stop string occurrence that ends first, or None without one."""
        ends = [text.find(s) + len(s) for s in self.stop_strings if s in text]
        return text[: min(ends)] if ends else None

    def first_stop(self, tokens: Sequence[int], checked: int = 0) -> tuple[int, str] | None:
        """``(n_tokens, text)`` for the shortest prefix ``tokens[:n_tokens]`` whose text holds a stop string.

        ``text`` is that prefix's text cut right after the stop string. ``checked`` is a
        prefix length already known to hold none (the previous check), so only the new
        tokens are scanned; one decode when there is no match.
        """
        if not self.stop_strings or len(tokens) <= checked or self.cut(self.decode(tokens)) is None:
            return None
        for n in range(max(checked, 0) + 1, len(tokens) + 1):
            text = self.cut(self.decode(tokens[:n]))
            if text is not None:
                return n, text
        # The full text matched but no prefix did: only possible if decoding is not prefix-stable
        # (e.g. whitespace clean-up); end at the whole row then.
        return len(tokens), self.cut(self.decode(tokens)) or ""
