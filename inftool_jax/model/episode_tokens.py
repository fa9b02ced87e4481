"""Episode -> token ids plus a loss mask that is 1 exactly on assistant-generated tokens.

The episode (DESIGN.md §3: ``{"tools", "messages"}``) is rendered with the
tokenizer's own chat template and cut into segments at the assistant turns:
for assistant message ``k`` the prompt is the template's rendering of
``messages[:k]`` with the generation prompt, and the turn is what rendering
``messages[:k+1]`` adds, up to and including the end-of-turn token
(``tokenizer.eos_token``). Everything else (system, user, tool results, role
headers, the newline after ``<|im_end|>``) gets mask 0.

Each segment is tokenized on its own, exactly as a rollout builds its sequence
(prompt tokens, then generated tokens, then the environment's tokens), so the
first prompt of an episode tokenizes identically to :func:`tokenize_prompt`
and the masked tokens are what the policy itself would emit.

Message and tool text is untrusted: a control-token spelling in it
(``<|im_end|>``, ``<tool_call>``, ...) encodes as plain text, and only the
template's own structure yields control tokens
(:mod:`inftool_jax.model.untrusted_text`).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np

from inftool_jax.errors import InputError
from inftool_jax.model.chat_template import IM_END
from inftool_jax.model.untrusted_text import ControlGuard


def canonical_messages(messages: Any, source: str = "<episode>") -> list[dict[str, Any]]:
    """A copy of OpenAI chat messages with tool-call ``arguments`` parsed from JSON strings to objects.

    The OpenAI wire form carries arguments as a JSON string; parsing them lets
    the template print the canonical ``json.dumps`` text that
    ``inftool_jax.calls.render_hermes`` produces and the model is trained on.
    """
    if not isinstance(messages, list) or not messages:
        raise InputError(source, "/messages", "must be a non-empty list of chat messages")
    out = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise InputError(source, f"/messages/{i}", "a message must be an object with a string 'role'")
        message = copy.deepcopy(message)
        for j, call in enumerate(message.get("tool_calls") or []):
            fn = call.get("function", call) if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise InputError(source, f"/messages/{i}/tool_calls/{j}", "a tool call needs a function name")
            args = fn.get("arguments")
            pointer = f"/messages/{i}/tool_calls/{j}/function/arguments"
            if args is None:
                fn["arguments"] = {}
            elif not isinstance(args, (str, dict)):
                raise InputError(source, pointer, "arguments must be a JSON object or a JSON string of one")
            elif isinstance(args, str):
                try:
                    fn["arguments"] = json.loads(args) if args.strip() else {}
                except json.JSONDecodeError as err:
                    raise InputError(source, pointer, f"arguments are not valid JSON ({err.msg})") from None
                if not isinstance(fn["arguments"], dict):
                    raise InputError(source, pointer, "arguments must be a JSON object")
        out.append(message)
    return out


def _render(tokenizer: Any, messages: list[dict[str, Any]], tools: Any, add_generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(
        messages, tools=tools or None, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def episode_segments(tokenizer: Any, episode: dict[str, Any], source: str = "<episode>") -> list[tuple[str, bool]]:
    """The rendered episode as ``(text, is_assistant)`` pieces whose concatenation is the full rendering."""
    segments, guard = _guarded_segments(tokenizer, episode, source)
    return [(guard.restore(text), flag) for text, flag in segments]


def _guarded_segments(
    tokenizer: Any, episode: dict[str, Any], source: str, always: bool = False
) -> tuple[list[tuple[str, bool]], ControlGuard]:
    """Segments of the guarded rendering (control spellings in the episode's text disguised) and the guard."""
    if not isinstance(episode, dict):
        raise InputError(source, "", "an episode must be a JSON object with 'messages'")
    tools = episode.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise InputError(source, "/tools", "must be a list of OpenAI tool schemas")
    guard = ControlGuard(tokenizer, canonical_messages(episode.get("messages"), source), tools, always)
    messages, tools = guard.messages, guard.tools
    eos = tokenizer.eos_token
    if not eos:
        raise InputError(source, "", "the tokenizer has no eos_token to end an assistant turn")

    segments: list[tuple[str, bool]] = []
    done = ""  # the rendering covered by segments so far
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = _render(tokenizer, messages[:k], tools, True)
        full = _render(tokenizer, messages[: k + 1], tools, False)
        if not prompt.startswith(done) or not full.startswith(prompt):
            raise InputError(
                source, f"/messages/{k}", "the chat template does not render this conversation prefix-stably"
            )
        turn = full[len(prompt) :]
        end = turn.rfind(eos)
        if end < 0:
            raise InputError(source, f"/messages/{k}", f"the rendered assistant turn has no end token {eos!r}")
        turn = turn[: end + len(eos)]
        segments.append((prompt[len(done) :], False))
        segments.append((turn, True))
        done = prompt + turn
    final = _render(tokenizer, messages, tools, False)
    if not final.startswith(done):
        raise InputError(source, "/messages", "the chat template does not render this conversation prefix-stably")
    guard.check(final, _render(tokenizer, guard.original_messages, guard.original_tools, False) if guard.disguised else final,
                source, "/messages")
    segments.append((final[len(done) :], False))
    return [(text, flag) for text, flag in segments if text], guard


def tokenize_episode(
    tokenizer: Any, episode: dict[str, Any], max_length: int | None = None, source: str = "<episode>"
) -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids, loss_mask)``, int32 arrays of one length; mask 1 on assistant-generated tokens.

    An assistant turn's masked tokens are its content and tool-call text and
    its end-of-turn token, not its role header. ``max_length`` truncates both
    arrays from the right. Bad episodes raise :class:`InputError` naming
    ``source`` and the JSON pointer.
    """
    ids: list[int] = []
    mask: list[int] = []
    segments, guard = _guarded_segments(tokenizer, episode, source)
    for text, is_assistant in segments:
        piece = guard.encode(text)
        ids.extend(piece)
        mask.extend([int(is_assistant)] * len(piece))
    if max_length is not None:
        ids, mask = ids[:max_length], mask[:max_length]
    return np.asarray(ids, dtype=np.int32), np.asarray(mask, dtype=np.int32)


def tokenize_prompt(tokenizer: Any, tools: list[dict[str, Any]] | None, messages: list[dict[str, Any]]) -> np.ndarray:
    """Token ids of the conversation so far plus the assistant generation prompt (for rollouts, the sampler's chat
    entry, the OpenAI server and the policy backends); control spellings in the messages and tools stay text."""
    guard = ControlGuard(tokenizer, canonical_messages(messages), tools)
    text = _render(tokenizer, guard.messages, guard.tools, True)
    if guard.disguised:
        guard.check(text, _render(tokenizer, guard.original_messages, guard.original_tools, True), "<messages>", "/messages")
    return np.asarray(guard.encode(text), dtype=np.int32)


def tokenize_continuation(
    tokenizer: Any, tools: list[dict[str, Any]] | None, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> np.ndarray:
    """Tokens the template adds after the conversation ``before`` (ending in an assistant turn and its end token)
    to reach ``after`` plus the generation prompt: tool results and the next header, for a rollout to append.

    Tool results are untrusted: their control spellings stay text, as in :func:`tokenize_prompt`.
    """
    guard = ControlGuard(tokenizer, canonical_messages(after), tools)
    eos = tokenizer.eos_token
    guarded_before = guard.messages[: len(before)] if guard.disguised else canonical_messages(before)
    rendered_before = _render(tokenizer, guarded_before, guard.tools, False)
    rendered_after = _render(tokenizer, guard.messages, guard.tools, True)
    end_token = IM_END if IM_END in rendered_before else eos
    if not end_token or end_token not in rendered_before:
        raise InputError("<messages>", f"/messages/{len(before) - 1}", "the rendered conversation has no end-of-turn token")
    cut = rendered_before.rfind(end_token) + len(end_token)
    if not rendered_after.startswith(rendered_before[:cut]):
        raise InputError("<messages>", "/messages", "the chat template does not render this conversation prefix-stably")
    if guard.disguised:
        guard.check(rendered_after, _render(tokenizer, guard.original_messages, guard.original_tools, True), "<messages>", "/messages")
    return np.asarray(guard.encode(rendered_after[cut:]), dtype=np.int32)
