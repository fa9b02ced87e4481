"""The ``policy`` synthesis backend: the in-process JAX model and sampler play the Assistant (or the User).

Chosen by ``synth.backends.assistant: policy`` (or ``user``; the roles' registries list these
classes by path, see ``synth/backends.py``) and configured by ``synth.policy``
(:class:`~inftool_jax.synth.llm.llm_backend_config.PolicyBackendConfig`).
The prompt is the model folder's chat template over the episode so far (with the offered
tools); the reply is read from the Qwen ``<tool_call>`` format into ``tool_calls`` exactly as
`inftool serve openai` does, and kept as it came for verification to judge. Sampling keys
derive from (run seed, blueprint index, message count), so a resumed run samples what the
uninterrupted one would have. Both roles of a run share one loaded model.
"""

from __future__ import annotations

import hashlib
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.synth import backends
from inftool_jax.synth.llm import role_prompts
from inftool_jax.synth.llm.llm_backend_config import PolicyBackendConfig
from inftool_jax.synth.roleplay import EpisodeFailed

NAME = "policy"
_SAMPLER = "policy_sampler"


def policy_config(ctx: backends.BackendContext) -> PolicyBackendConfig:
    """The run's ``synth.policy`` section."""
    return ctx.config.policy


def shared_sampler(ctx: backends.BackendContext) -> Any:
    """The run's Sampler over the policy model (loaded once, kept on the context for every role)."""

    def make() -> Any:
        cfg = policy_config(ctx)
        if not cfg.model_path:
            raise InputError(ctx.source, "synth.policy.model_path", "the policy backend needs a model folder")
        from inftool_jax.model import load_pretrained
        from inftool_jax.model.tokenizer import load_tokenizer
        from inftool_jax.rollout.sampler import Sampler

        tokenizer = load_tokenizer(cfg.model_path)
        return Sampler(load_pretrained(cfg.model_path, dtype=cfg.dtype, progress=False), tokenizer)

    return backends.shared_per_run(ctx, _SAMPLER, make)


class _PolicyRole:
    role = ""

    def __init__(self, ctx: backends.BackendContext):
        from pathlib import Path

        from inftool_jax.rollout.sampling_config import SamplingConfig

        self.cfg = policy_config(ctx)
        self.sampler = shared_sampler(ctx)
        self.tools = ctx.tools
        self.seed = ctx.seed
        self.name = f"{NAME}:{Path(self.cfg.model_path).name}"
        self.sampling = SamplingConfig(
            max_new_tokens=self.cfg.max_new_tokens, temperature=self.cfg.temperature, top_p=self.cfg.top_p, top_k=self.cfg.top_k
        )
        self.max_positions = int(self.sampler.model.hf_config.get("max_position_embeddings") or 1 << 30)

    def _key(self, blueprint: Any, n_messages: int) -> Any:
        import jax

        digest = hashlib.sha256(f"{self.role}:{self.seed}:{blueprint.seed}:{blueprint.index}:{n_messages}".encode()).digest()
        return jax.random.key(int.from_bytes(digest[:4], "little"))

    def _generate(self, tools: list[dict[str, Any]] | None, messages: list[dict[str, Any]], key: Any) -> str:
        from inftool_jax.model.episode_tokens import tokenize_prompt

        try:
            prompt = tokenize_prompt(self.sampler.tokenizer, tools, messages)
        except InputError as err:
            raise EpisodeFailed("backend", f"{self.role} policy: {err}") from None
        if len(prompt) + self.sampling.max_new_tokens > self.max_positions:
            raise EpisodeFailed("backend", f"{self.role} policy: prompt of {len(prompt)} tokens does not fit the model's context of {self.max_positions}")
        out = self.sampler.generate([prompt], self.sampling, key)
        return out.texts[0] if out.texts else ""

    def stats(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        pass


class PolicyAssistant(_PolicyRole):
    """The current policy as the Tool-Calling Assistant."""

    role = "assistant"

    def respond(self, blueprint, step, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        from inftool_jax.serve.chat_protocol import assistant_message

        text = self._generate(tools, role_prompts.assistant_messages(messages), self._key(blueprint, len(messages)))
        message, _ = assistant_message(text)
        if message.get("content") is None:
            message["content"] = ""
        return message


class PolicyUser(_PolicyRole):
    """The policy model writing the user's messages from the User Simulator prompt."""

    role = "user"

    def say(self, blueprint, turn_index: int, messages: list[dict[str, Any]]) -> str:
        prompt = role_prompts.user_messages(blueprint, turn_index, messages, self.tools)
        return self._generate(None, prompt, self._key(blueprint, len(messages))).strip()

