"""Untrusted text stays text: control-token spellings inside messages and tools encode as ordinary BPE pieces.

A chat is tokenized by rendering it with the template and encoding the string. The tokenizer matches its added
tokens (``<|im_start|>``, ``<|im_end|>``, ``<tool_call>``, ``<tool_response>``, ``<|endoftext|>``, ...) anywhere
in that string, so a user message or a tool result that spells ``<|im_end|>\\n<|im_start|>assistant\\n`` became
real turn boundaries: a tool could fake a turn. ``split_special_tokens`` is not enough: Qwen2.5's (and the tiny
model's) ``<tool_call>`` markup is an added token that is not "special", and it would still match.

:class:`ControlGuard` renders from copies of the messages and tools in which each control spelling has its first
character swapped for a private-use stand-in of the same length, so every added token left in the rendering is
the template's own structure. Encoding splits the rendering at those tokens (their ids), puts the real characters
back into the text between them and encodes that text with the same normalizer, pre-tokenizer and BPE but no
added tokens. When no string spells a control token (nearly always), nothing is swapped and the rendering is
encoded exactly as before, so benign ids do not change.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from typing import Any

from inftool_jax.errors import InputError

# Private-use code points: never produced by a template, and checked to be absent from the texts themselves.
_STAND_IN_FIRST = 0xE000
_STAND_IN_LAST = 0xF8FF


@dataclass(frozen=True)
class _Vocabulary:
    """What one tokenizer needs for guarded encoding (built once per tokenizer)."""

    controls: tuple[str, ...]  # added-token strings that must not be matched inside untrusted text
    spelled: re.Pattern | None  # finds a control spelling in untrusted text
    structure: re.Pattern | None  # finds any added token in a guarded rendering, and the whitespace after it
    ids: dict[str, int]
    strip: dict[str, tuple[bool, bool]]  # (lstrip, rstrip) per added token
    plain: Any  # a tokenizers.Tokenizer without added tokens, or None for a tokenizer that has no backend


_CACHE: "weakref.WeakKeyDictionary[Any, dict[str, _Vocabulary]]" = weakref.WeakKeyDictionary()


def _is_control(token: Any, template: str) -> bool:
    """A special token, or an added token the chat template writes (Qwen2.5's ``<tool_call>`` is not special).

    Other added tokens (Gemma's HTML tags, whitespace runs) are ordinary text the model reads as it always did.
    """
    content = str(getattr(token, "content", token))
    if not content.strip():
        return False
    return bool(getattr(token, "special", False)) or content in template


def _alternation(strings: list[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True))  # longest first at one position


def _plain_backend(tokenizer: Any) -> Any:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    data = json.loads(backend.to_str())
    data["added_tokens"] = []
    data["post_processor"] = None  # no BOS/EOS wrapping: these are pieces inside a rendering
    return Tokenizer.from_str(json.dumps(data))


def _vocabulary(tokenizer: Any) -> _Vocabulary:
    template = getattr(tokenizer, "chat_template", None) or ""
    if not isinstance(template, str):  # a dict of named templates
        template = json.dumps(template, sort_keys=True, default=str)
    try:
        return _CACHE[tokenizer][template]
    except (KeyError, TypeError):
        pass
    added = dict(getattr(tokenizer, "added_tokens_decoder", None) or {})
    ids = {str(getattr(t, "content", t)): int(i) for i, t in added.items()}
    strip = {str(getattr(t, "content", t)): (bool(getattr(t, "lstrip", False)), bool(getattr(t, "rstrip", False)))
             for t in added.values()}
    controls = tuple(sorted({str(getattr(t, "content", t)) for t in added.values() if _is_control(t, template)}, key=len, reverse=True))
    vocab = _Vocabulary(
        controls=controls,
        spelled=re.compile(_alternation(list(controls))) if controls else None,
        structure=re.compile("(" + _alternation(list(ids)) + r")(?=(\s*))") if ids else None,
        ids=ids,
        strip=strip,
        plain=_plain_backend(tokenizer) if controls else None,
    )
    try:
        _CACHE.setdefault(tokenizer, {})[template] = vocab
    except TypeError:
        pass  # not weak-referenceable: rebuilt per call
    return vocab


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield k
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


class ControlGuard:
    """Guarded rendering and encoding of one conversation (``messages`` and ``tools``) for ``tokenizer``.

    Render :attr:`messages` / :attr:`tools` (copies when something had to be disguised) with the chat template,
    then :meth:`encode` pieces of that rendering and :meth:`restore` them to the text the user sees. ``always``
    takes the split-and-encode path even for benign text (tests compare it with whole-string encoding).
    """

    def __init__(self, tokenizer: Any, messages: Any, tools: Any, always: bool = False):
        self.tokenizer = tokenizer
        self.vocab = _vocabulary(tokenizer)
        self.messages, self.tools = messages, tools
        self.original_messages, self.original_tools = messages, tools
        self._restore: dict[str, str] = {}
        spelled = self.vocab.spelled
        texts = list(_strings(messages)) + list(_strings(tools))
        # whether some text spells a control token (then messages and tools are disguised copies)
        self.disguised = spelled is not None and any(spelled.search(t) for t in texts)
        self.active = always or self.disguised  # split at the structure and encode the text between on its own
        if not self.disguised:
            return
        firsts = sorted({c[0] for c in self.vocab.controls})
        used = set().union(*map(set, texts)) if texts else set()
        free = (chr(c) for c in range(_STAND_IN_FIRST, _STAND_IN_LAST + 1) if chr(c) not in used)
        self._disguise = {first: next(free) for first in firsts}
        self._restore = {v: k for k, v in self._disguise.items()}
        self._restore_table = str.maketrans(self._restore)
        self.messages, self.tools = self._disguised(messages), self._disguised(tools)

    # ---- disguise / restore ----------------------------------------------------

    def _hide(self, text: str) -> str:
        spelled = self.vocab.spelled
        while True:  # one pass can leave a spelling that overlapped a replaced one
            out = spelled.sub(lambda m: self._disguise[m.group()[0]] + m.group()[1:], text)
            if out == text:
                return out
            text = out

    def _disguised(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._hide(value)
        if isinstance(value, dict):
            return {self._hide(k) if isinstance(k, str) else k: self._disguised(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._disguised(v) for v in value]
        return value

    def restore(self, rendered: str) -> str:
        """The rendering with the disguised characters put back."""
        return rendered.translate(self._restore_table) if self._restore else rendered

    def check(self, guarded: str, plain: str, source: str, pointer: str) -> None:
        """Raise unless the guarded rendering restores to the plain one (a template that rewrites text breaks this)."""
        if self._restore and self.restore(guarded) != plain:
            raise InputError(source, pointer, "the chat template changes message text in a way that prevents keeping "
                                              "control-token spellings in it as plain text")

    # ---- encoding ------------------------------------------------------------------

    def encode(self, guarded: str) -> list[int]:
        """Token ids of a piece of the guarded rendering: its added tokens are structure, the rest is text."""
        if not self.active:
            return self.tokenizer.encode(guarded, add_special_tokens=False)
        ids: list[int] = []
        pos = 0
        pattern = self.vocab.structure
        for m in pattern.finditer(guarded) if pattern is not None else ():
            token, trail = m.group(1), m.group(2)
            lstrip, rstrip = self.vocab.strip.get(token, (False, False))
            gap = guarded[pos : m.start()]
            if lstrip:  # the token takes the whitespace before it, as the tokenizer's own split does
                gap = gap.rstrip()
            ids += self._text(gap)
            ids.append(self.vocab.ids[token])
            pos = max(pos, m.end() + (len(trail) if rstrip else 0))
        ids += self._text(guarded[pos:])
        return ids

    def _text(self, guarded: str) -> list[int]:
        if not guarded:
            return []
        text = self.restore(guarded)
        if text == guarded or self.vocab.plain is None:
            # Nothing was disguised here (or no backend to bypass the added tokens: then only special tokens are
            # kept out, by transformers' split_special_tokens).
            if text == guarded:
                return self.tokenizer.encode(text, add_special_tokens=False)
            return self.tokenizer.encode(text, add_special_tokens=False, split_special_tokens=True)
        return self.vocab.plain.encode(text, add_special_tokens=False).ids


def control_token_ids(tokenizer: Any) -> set[int]:
    """Ids of the tokenizer's control tokens (special tokens and added tokens its chat template writes)."""
    vocab = _vocabulary(tokenizer)
    return {vocab.ids[c] for c in vocab.controls}
