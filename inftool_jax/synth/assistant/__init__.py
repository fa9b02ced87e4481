"""The Tool-Calling Assistant of synthesis: who answers each planned step (``synth.backends.assistant``).

- ``reverse`` (``reverse_assistant.py``): the ground-truth plan itself, put in words; the default
  (iteration 0, reverse synthesis).
- ``openai`` (``synth/llm/backend_openai.py``): a chat model behind an OpenAI-compatible endpoint;
  its answer is kept only if verification finds it matches the plan.
- ``policy`` (``synth/llm/backend_policy.py``): the current policy, in process (the JAX sampler).

A backend answers ``respond(blueprint, step, messages, tools) -> dict`` (see ``synth/backends.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inftool_jax.registry import Registry

if TYPE_CHECKING:
    from inftool_jax.synth.backends import Factory

ASSISTANT_BACKENDS: "Registry[Factory]" = Registry("assistant backend", "synth.backends.assistant")
# Lazy: the model-backed modules pull in an HTTP client or jax, and each imports synth.backends (which imports this).
ASSISTANT_BACKENDS.lazy("reverse", "inftool_jax.synth.assistant.reverse_assistant:make_reverse_assistant")
ASSISTANT_BACKENDS.lazy("openai", "inftool_jax.synth.llm.backend_openai:OpenAIAssistant")
ASSISTANT_BACKENDS.lazy("policy", "inftool_jax.synth.llm.backend_policy:PolicyAssistant")
