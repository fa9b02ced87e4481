"""Config sections of the model-backed synthesis backends: `synth.openai` and `synth.policy`.

No jax or httpx import here: configs are read by ``inftool --help`` paths too.
"""

from __future__ import annotations

from pydantic import Field

from inftool_jax.config_base import Section


class OpenAIBackendConfig(Section):
    """An OpenAI-compatible chat endpoint (SGLang, sglang-jax, vLLM, `inftool serve openai`) playing a role."""

    base_url: str = "http://127.0.0.1:8000/v1"
    """Endpoint root; requests go to `{base_url}/chat/completions`."""
    model: str = "default"
    """The `model` field sent with every request."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the bearer token (unset or empty: no Authorization header)."""
    max_concurrency: int = Field(default=16, ge=1)
    """Most requests in flight at once, over all roles sharing the endpoint."""
    timeout_s: float = Field(default=60.0, gt=0)
    """Per-request timeout (connect, read and whole request) in seconds."""
    max_tries: int = Field(default=4, ge=1)
    """Attempts per request before the episode is recorded as failed (5xx, 408/429, timeouts,
    connection errors, malformed or truncated bodies are retried)."""
    backoff_base_s: float = Field(default=0.5, ge=0)
    """First retry waits about this long; each later one doubles it (full jitter: uniform in [0, wait])."""
    backoff_max_s: float = Field(default=8.0, ge=0)
    """Cap on one backoff wait."""
    temperature: float = Field(default=0.7, ge=0)
    """Sampling temperature sent with every request."""
    top_p: float = Field(default=1.0, gt=0, le=1)
    """Nucleus sampling mass sent with every request."""
    max_tokens: int = Field(default=512, ge=1)
    """Most tokens per completion."""
    user_temperature: float = Field(default=0.9, ge=0)
    """Temperature of the User Simulator role (phrasing variety)."""
    tools_temperature: float = Field(default=0.2, ge=0)
    """Temperature of the tool responder role (results should be plain and consistent)."""


class PolicyBackendConfig(Section):
    """The in-process JAX model and sampler playing the Assistant (and optionally the User)."""

    model_path: str = ""
    """A Hugging Face model folder (config.json, safetensors, tokenizer with a chat template)."""
    dtype: str = "float32"
    """Compute dtype of the loaded model (float32, bfloat16)."""
    temperature: float = Field(default=0.7, ge=0)
    """Sampling temperature (0: greedy)."""
    top_p: float = Field(default=1.0, gt=0, le=1)
    """Nucleus sampling mass."""
    top_k: int = Field(default=0, ge=0)
    """Top-k filter (0: off)."""
    max_new_tokens: int = Field(default=256, ge=1)
    """Most tokens per assistant (or user) message."""
