"""Where BFCL answers come from: the in-process sampler or an OpenAI-compatible endpoint.

A completer takes a batch of ``(tools, messages)`` requests and returns one model text per
request (tool calls already in BFCL's Python-call syntax, see
:func:`inftool_jax.evaluate.bfcl_prompts.result_text`). Both are greedy.

- :class:`SamplerCompleter` loads an HF model folder onto a device mesh (sharded as in
  training: ``MeshConfig`` defaults, ``fsdp`` over every device) and runs the in-JAX sampler
  over batches of prompts sorted by length. A prompt that leaves no room for
  ``max_new_tokens`` within ``max_context`` tokens is not run (BFCL's local servers reject it
  too); its answer is empty text, i.e. no call, and it is counted in ``stats["overflow"]``.
- :class:`EndpointCompleter` sends chat-completions requests (SGLang, vLLM, ``inftool serve
  openai``) concurrently with the project's retrying client; ``tools`` are sent in fc mode.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from inftool_jax.errors import InputError
from inftool_jax.evaluate.bfcl_prompts import message_text, result_text

Request = tuple  # (tools | None, messages)


class Completer(Protocol):
    stats: Counter

    def complete(self, requests: list[Request]) -> list[str]: ...


class SamplerCompleter:
    """Greedy answers from a model folder with the in-JAX sampler."""

    def __init__(self, model_dir: str | Path, max_new_tokens: int = 256, batch_size: int = 16,
                 max_context: int | None = None, dtype: str = "float32"):
        from inftool_jax.model.config import MeshConfig
        from inftool_jax.model.pretrained import load_pretrained
        from inftool_jax.model.sharding import make_mesh
        from inftool_jax.model.tokenizer import load_tokenizer
        from inftool_jax.rollout.sampler import Sampler

        folder = Path(model_dir)
        if not (folder / "config.json").is_file():
            raise InputError(str(folder), "", "not a model folder (no config.json)")
        if max_new_tokens < 1 or batch_size < 1:
            raise InputError("<command line>", "--max-new-tokens/--batch-size", "must be >= 1")
        self.mesh = make_mesh(MeshConfig())
        self.tokenizer = load_tokenizer(folder)
        self.model = load_pretrained(folder, dtype=dtype, mesh=self.mesh, progress=False)
        self.sampler = Sampler(self.model, self.tokenizer, self.mesh)
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        limit = self.model.hf_config.get("max_position_embeddings") or 4096
        self.max_context = int(max_context or limit)
        self.stats: Counter = Counter()

    def complete(self, requests: list[Request]) -> list[str]:
        from inftool_jax.model.episode_tokens import tokenize_prompt
        from inftool_jax.rollout.sampling_config import SamplingConfig

        prompts = [tokenize_prompt(self.tokenizer, tools, messages) for tools, messages in requests]
        out = [""] * len(requests)
        runnable = []
        for i, p in enumerate(prompts):
            if len(p) + self.max_new_tokens > self.max_context:
                self.stats["overflow"] += 1
            else:
                runnable.append(i)
        runnable.sort(key=lambda i: len(prompts[i]))  # similar lengths together: fewer buckets, less padding
        config = SamplingConfig(max_new_tokens=self.max_new_tokens, temperature=0.0)
        for start in range(0, len(runnable), self.batch_size):
            chunk = runnable[start : start + self.batch_size]
            sample = self.sampler.generate([prompts[i] for i in chunk], config, 0)
            for i, text in zip(chunk, sample.texts or []):
                out[i] = result_text(text)
            self.stats["queries"] += len(chunk)
            self.stats["prompt_tokens"] += sum(len(prompts[i]) for i in chunk)
            self.stats["completion_tokens"] += int(sample.lengths.sum())
        return out


class EndpointCompleter:
    """Greedy answers from an OpenAI-compatible chat-completions endpoint."""

    def __init__(self, base_url: str, model: str = "default", max_new_tokens: int = 256, concurrency: int = 8,
                 timeout_s: float = 600.0):
        from inftool_jax.synth.llm.openai_client import BlockingChatClient

        if not base_url.startswith(("http://", "https://")):
            raise InputError("<command line>", "--endpoint", f"expected an http(s) URL, got {base_url!r}")
        self.client = BlockingChatClient(base_url, model, max_concurrency=concurrency, timeout_s=timeout_s)
        self.max_new_tokens = max_new_tokens
        self.concurrency = concurrency
        self.stats: Counter = Counter()

    def _one(self, request: Request) -> str:
        from inftool_jax.synth.llm.openai_client import ChatRequestFailed

        tools, messages = request
        try:
            answer = self.client.chat(messages, tools, temperature=0.0, max_tokens=self.max_new_tokens)
        except ChatRequestFailed as err:
            # BFCL records a failed query as the entry's error text; it is no call
            self.stats["failed"] += 1
            return f"Error during inference: {err}"
        self.stats["queries"] += 1
        return message_text(answer.message)

    def complete(self, requests: list[Request]) -> list[str]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self._one, requests))

    def close(self) -> None:
        self.client.close()


def describe_stats(stats: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(dict(stats).items()))
