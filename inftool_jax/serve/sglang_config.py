"""The ``rollout:`` and ``sglang:`` sections of the experiment config: which engine makes GRPO rollouts, and how the
SGLang server is reached, started and given new weights (no jax or httpx import here: ``--help`` reads it)."""

from __future__ import annotations

from pydantic import Field, field_validator

from inftool_jax.config_base import Section
from inftool_jax.serve.rollout_engines import ROLLOUT_ENGINES


class RolloutConfig(Section):
    """Where rollout completions come from (GRPO, and the `policy` synthesis roles in `inftool loop`)."""

    engine: str = "inprocess"
    """inprocess: the in-JAX sampler on the trainer's own params (no copy, no server); sglang: an SGLang server
    (section `sglang:`) over HTTP, `/generate` with token ids and log-probs for GRPO and `/v1/chat/completions` for
    the `policy` synthesis roles; the loop hands each trained model over to it (see inftool_jax/loop/weight_handover.py).
    Names come from the rollout-engine registry (inftool_jax/serve/rollout_engines.py)."""

    @field_validator("engine")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ROLLOUT_ENGINES:
            raise ValueError(f"unknown rollout engine {value!r} (known: {', '.join(ROLLOUT_ENGINES.names())})")
        return value


class SGLangConfig(Section):
    """An SGLang server (GPU: `sglang`, TPU: `sglang-jax`, tests: the stand-in) used when `rollout.engine: sglang`."""

    url: str = ""
    """A running server's root, e.g. http://127.0.0.1:30000 (the loop does not start or stop it). Empty: start one
    with `launch`."""
    launch: list[str] = []
    """The command line that starts a server, e.g. [python, -m, sglang.launch_server, --tool-call-parser, qwen25,
    --device, cpu, --sleep-on-idle] (relative program paths resolve against the config file's folder when such a file
    exists). `--model-path`, `--host` and `--port` are added (or replaced) by the loop: the model is the run's current
    one. It runs in its own process group with its output in RUN_DIR/sglang/server.log."""
    host: str = "127.0.0.1"
    """Interface a launched server listens on."""
    port: int = Field(0, ge=0, le=65535)
    """Port of a launched server (0: a free one)."""
    env: dict[str, str] = {"SGLANG_RETURN_ORIGINAL_LOGPROB": "1"}
    """Environment added to a launched server's (e.g. SGLANG_USE_CPU_ENGINE: "1" for the CPU engine). The default
    makes `/generate` report log-probs of the raw policy (temperature 1, no top-p), what the trainer recomputes."""
    health_timeout_s: float = Field(600.0, gt=0)
    """Longest wait for `GET /health` to answer 200 after a start (a real SGLang on 2 CPU cores: 60-85 s)."""
    request_timeout_s: float = Field(600.0, gt=0)
    """Per-request timeout of `/generate` (a whole batch of rollouts) in seconds."""
    update_timeout_s: float = Field(300.0, gt=0)
    """Per-request timeout of the weight hand-over routes (pause, update_weights_from_disk, flush, continue)."""
    update_retries: int = Field(3, ge=1)
    """Attempts of one hand-over (HTTP 400, 5xx, timeouts) before the loop stops with an error naming the route."""
    backoff_s: float = Field(2.0, ge=0)
    """Wait before the second attempt; doubled for each later one."""
    stop_grace_s: float = Field(10.0, ge=0)
    """After SIGTERM, how long a launched server may take to exit before its process group is killed."""
    sync_every_steps: int = Field(1, ge=0)
    """GRPO: hand the trainer's weights to the server every this many steps (exported to RUN_STAGE/sglang-weights),
    so rollouts stay on-policy; 0: only between loop stages (the rollouts of a stage then come from its start model)."""
    served_model_name: str = "default"
    """The `model` field of chat requests sent to the server (the `policy` synthesis roles)."""

    @field_validator("launch", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        # YAML reads `--max-total-tokens, 8192` as a number: a command line is words
        if isinstance(value, list):
            return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
        return value
