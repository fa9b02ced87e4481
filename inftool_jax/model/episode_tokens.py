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
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np

from inftool_jax.errors import InputError


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
    if not isinstance(episode, dict):
        raise InputError(source, "", "an episode must be a JSON object with 'messages'")
    tools = episode.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise InputError(source, "/tools", "must be a list of OpenAI tool schemas")
    messages = canonical_messages(episode.get("messages"), source)
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
    segments.append((final[len(done) :], False))
    return [(text, flag) for text, flag in segments if text]


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
    for text, is_assistant in episode_segments(tokenizer, episode, source):
        piece = tokenizer.encode(text, add_special_tokens=False)
        ids.extend(piece)
        mask.extend([int(is_assistant)] * len(piece))
    if max_length is not None:
        ids, mask = ids[:max_length], mask[:max_length]
    return np.asarray(ids, dtype=np.int32), np.asarray(mask, dtype=np.int32)


def tokenize_prompt(tokenizer: Any, tools: list[dict[str, Any]] | None, messages: list[dict[str, Any]]) -> np.ndarray:
    """Token ids of the conversation so far plus the assistant generation prompt (for rollouts)."""
    text = _render(tokenizer, canonical_messages(messages), tools, True)
    return np.asarray(tokenizer.encode(text, add_special_tokens=False), dtype=np.int32)
