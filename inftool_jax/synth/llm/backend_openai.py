"""The ``openai`` synthesis backend: an OpenAI-compatible endpoint plays a role (user, assistant, tools, judge).

Chosen per role in the config (``synth.backends.assistant: openai``; each role's registry lists
these classes by path, see ``synth/backends.py``) and configured by the ``synth.openai`` section
(:class:`~inftool_jax.synth.llm.llm_backend_config.OpenAIBackendConfig`).
All roles of one run share one :class:`~inftool_jax.synth.llm.openai_client.BlockingChatClient`,
so the concurrency limit covers them together. Each role says how many episodes are worth
running at once (``concurrency``: the limit), and the pipeline role-plays that many in parallel.

Failures: a request that still fails after the retry budget raises
:class:`~inftool_jax.synth.roleplay.EpisodeFailed` with gate ``backend``; the run records the
episode as failed with that reason and goes on. What the model says is never trusted and
never crashes the run: unreadable ``tool_calls`` are kept as they came and rejected by the
verification gates; a tool responder that does not answer JSON gives a tool error (the
execution gate rejects the episode).
"""

from __future__ import annotations

import json
import os
from typing import Any

from jsonschema import Draft202012Validator

from inftool_jax.synth import backends
from inftool_jax.synth.llm import role_prompts
from inftool_jax.synth.llm.llm_backend_config import OpenAIBackendConfig
from inftool_jax.synth.llm.openai_client import BlockingChatClient, ChatRequestFailed
from inftool_jax.synth.roleplay import EpisodeFailed
from inftool_jax.world.simulator import ToolResult
from inftool_jax.tools.spec import ToolSpec

NAME = "openai"
GATE = "backend"
_CLIENT = "openai_chat_client"


def openai_config(ctx: backends.BackendContext) -> OpenAIBackendConfig:
    """The run's ``synth.openai`` section."""
    return ctx.config.openai


def shared_client(ctx: backends.BackendContext) -> BlockingChatClient:
    """The one client of this run (made on first use; kept on the context so every role shares it)."""

    def make() -> BlockingChatClient:
        cfg = openai_config(ctx)
        return BlockingChatClient(
            cfg.base_url,
            cfg.model,
            api_key=os.environ.get(cfg.api_key_env) or None,
            max_concurrency=cfg.max_concurrency,
            timeout_s=cfg.timeout_s,
            max_tries=cfg.max_tries,
            backoff_base_s=cfg.backoff_base_s,
            backoff_max_s=cfg.backoff_max_s,
            seed=ctx.seed,
        )

    return backends.shared_per_run(ctx, _CLIENT, make)


def _text(content: Any) -> str:
    """Message content as text (content-part lists joined; anything else JSON-encoded)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return json.dumps(content, ensure_ascii=False)


class _Role:
    role = ""

    def __init__(self, ctx: backends.BackendContext):
        self.cfg = openai_config(ctx)
        self.client = shared_client(ctx)
        self.tools: dict[str, ToolSpec] = ctx.tools
        self.name = f"{NAME}:{self.cfg.model}"

    def _chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None, **params: Any):
        try:
            return self.client.chat(messages, tools, top_p=self.cfg.top_p, max_tokens=self.cfg.max_tokens, **params)
        except ChatRequestFailed as err:
            raise EpisodeFailed(GATE, f"{self.role} backend {self.cfg.base_url}: {err}") from None

    @property
    def concurrency(self) -> int:
        """Episodes worth role-playing at once: one request each, so the client's limit."""
        return self.client.max_concurrency

    def stats(self) -> dict[str, Any]:
        """The shared client's counters (requests, retries, failures by kind, in-flight peak and
        mean, latency); the same for every role of the run."""
        return self.client.stats.summary()

    def close(self) -> None:
        """Close the shared client (every role's: the run ends); a second close is a no-op."""
        self.client.close()


class OpenAIUser(_Role):
    """The User Simulator played by a chat model, told which values to state and which to withhold."""

    role = "user"

    def say(self, blueprint, turn_index: int, messages: list[dict[str, Any]]) -> str:
        prompt = role_prompts.user_messages(blueprint, turn_index, messages, self.tools)
        result = self._chat(prompt, temperature=self.cfg.user_temperature)
        return _text(result.message.get("content")).strip()


class OpenAIAssistant(_Role):
    """The Tool-Calling Assistant played by a chat model; its message is kept as it came."""

    role = "assistant"

    def respond(self, blueprint, step, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        result = self._chat(role_prompts.assistant_messages(messages), tools, temperature=self.cfg.temperature)
        message: dict[str, Any] = {"role": "assistant", "content": _text(result.message.get("content"))}
        if result.message.get("tool_calls"):
            message["tool_calls"] = result.message["tool_calls"]  # as-is: verification judges them
        return message


def _json_value(text: str) -> Any:
    """The first JSON object or array in ``text`` (code fences and prose around it allowed)."""
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                return decoder.raw_decode(text, i)[0]
            except json.JSONDecodeError:
                continue
    raise ValueError("no JSON value in the reply")


class OpenAITools(_Role):
    """Tool results written by a chat model, after the arguments pass the tool's JSON Schema.

    Invalid arguments get the structured error a real API would give, without asking the
    model. Per-episode state is the episode's call history, shown to the model with every call.
    """

    role = "tools"

    def __init__(self, ctx: backends.BackendContext):
        super().__init__(ctx)
        self.history: list[tuple[str, dict[str, Any], str]] = []
        self._validators: dict[str, Draft202012Validator] = {}

    def reset(self, episode_seed: int) -> None:
        self.history = []
        self.episode_seed = episode_seed

    def _invalid(self, name: str, arguments: Any) -> ToolResult | None:
        spec = self.tools.get(name)
        if spec is None:
            return ToolResult(False, {"error": {"code": 404, "message": f"unknown tool {name!r}"}}, f"unknown tool {name!r}")
        if not isinstance(arguments, dict):
            return ToolResult(False, {"error": {"code": 400, "message": "arguments must be an object"}}, "arguments must be an object")
        if name not in self._validators:
            self._validators[name] = Draft202012Validator(spec.parameters or {"type": "object"})
        problems = [
            {"pointer": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message[:200]}
            for e in self._validators[name].iter_errors(arguments)
        ]
        if problems:
            detail = "; ".join(f"{p['pointer']}: {p['message']}" for p in problems[:3])
            return ToolResult(False, {"error": {"code": 400, "message": "invalid arguments", "details": problems[:10]}}, detail)
        return None

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        refused = self._invalid(name, arguments)
        if refused is not None:
            return refused
        prompt = role_prompts.tool_messages(self.tools[name], arguments, self.history)
        result = self._chat(prompt, temperature=self.cfg.tools_temperature)
        raw = _text(result.message.get("content"))
        try:
            value = _json_value(raw)
        except ValueError:
            out = ToolResult(False, {"error": {"code": 502, "message": "the tool responder did not answer JSON", "raw": raw[:300]}}, "tool responder answered no JSON")
        else:
            failed = isinstance(value, dict) and "error" in value and len(value) <= 2
            out = ToolResult(not failed, value, str(value.get("error"))[:300] if failed else None)
        self.history.append((name, arguments, out.to_text()))
        return out


class OpenAIJudge(_Role):
    """The optional judge gate played by a chat model: keep or reject with a reason."""

    role = "judge"

    def judge(self, episode: dict[str, Any]) -> str | None:
        try:
            result = self._chat(role_prompts.judge_messages(episode), temperature=0.0)
        except EpisodeFailed as err:  # the judge runs after role-play: reject, with the reason
            return err.detail
        raw = _text(result.message.get("content"))
        try:
            verdict = _json_value(raw)
        except ValueError:
            return f"judge reply unreadable: {raw[:200]}"
        if not isinstance(verdict, dict) or verdict.get("verdict") not in ("keep", "reject"):
            return f"judge reply unreadable: {raw[:200]}"
        return None if verdict["verdict"] == "keep" else f"judge: {str(verdict.get('reason', ''))[:300]}"

