"""`inftool loop` with ``rollout.engine: sglang``: one SGLang server per run, kept on the run's newest model.

The server is started (``sglang.launch``) or connected to (``sglang.url``) the first time something needs it, and
after every training stage the stage's output folder (an HF folder of safetensors: SFT and GRPO save one) is
handed over (:meth:`~inftool_jax.serve.sglang_endpoint.SGLangEndpoint.ensure`: pause -> update_weights_from_disk ->
flush -> continue, ``/model_info`` checked; a restart where the server has no update route) before any probe,
synthesis or GRPO step uses the server. The weight version is the stage's folder relative to the run
(``iter-001/grpo``), so a resumed run asks for the same version and a server that already holds it is left alone.

What uses the server: GRPO rollouts (``/generate``, see :mod:`inftool_jax.serve.rollout_engines`) and the
synthesis roles configured as ``policy`` (they become ``openai`` roles on the server's ``/v1/chat/completions``,
the current policy answering through the chat template and the server's tool-call parser).

A hand-over that keeps failing raises :class:`~inftool_jax.serve.sglang_client.SGLangError` naming the route; the
stage that finished before it stays finished (``state.json``), so ``--resume`` starts from there and hands the
same folder over again. Each hand-over is appended to ``RUN_DIR/sglang/handovers.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable


class WeightHandover:
    """The run's SGLang server when ``rollout.engine`` is ``sglang``; every method is a no-op for ``inprocess``."""

    def __init__(self, config: Any, run_dir: str | Path, say: Callable[[str], None] = lambda line: None):
        self.config = config
        self.run_dir = Path(run_dir)
        self.say = say
        self.enabled = getattr(getattr(config, "rollout", None), "engine", "inprocess") == "sglang"
        self.endpoint: Any = None
        self._logged = 0

    def _version(self, model_dir: Path) -> str:
        folder = Path(model_dir).resolve()
        try:
            return str(folder.relative_to(self.run_dir.resolve()))
        except ValueError:
            return str(folder)

    def serve(self, model_dir: str | Path) -> Any:
        """The endpoint, serving ``model_dir`` (started or handed over first when needed); None for ``inprocess``."""
        if not self.enabled:
            return None
        if self.endpoint is None:
            from inftool_jax.serve.sglang_endpoint import SGLangEndpoint

            self.endpoint = SGLangEndpoint(self.config.sglang, self.run_dir, getattr(self.config, "_base_dir", None))
        record = self.endpoint.ensure(Path(model_dir), self._version(Path(model_dir)))
        if record is not None:
            self.say(f"sglang: {record['how']} to {record['weight_version']} in {record['seconds']:.1f}s "
                     f"({record['attempts']} attempt{'s' if record['attempts'] != 1 else ''})")
        self._log()
        return self.endpoint

    def _log(self) -> None:
        """Append the endpoint's hand-overs not logged yet (GRPO's weight syncs included) to handovers.jsonl."""
        new = self.endpoint.handovers[self._logged:]
        if not new:
            return
        log = self.run_dir / "sglang" / "handovers.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            f.writelines(json.dumps({**r, "url": self.endpoint.url}) + "\n" for r in new)
        self._logged += len(new)

    def after_train(self, model_dir: str | Path) -> None:
        """A training stage made ``model_dir``: hand it over now, so a failure stops the run right after the stage."""
        self.serve(model_dir)

    def synth_config(self, synth: Any, policy_dir: str | Path) -> Any:
        """``synth`` with its ``policy`` roles played by the server (the ``openai`` backend at ``{url}/v1``)."""
        endpoint = self.serve(policy_dir)
        roles = synth.backends.model_dump()
        roles = {role: "openai" if backend == "policy" else backend for role, backend in roles.items()}
        openai = synth.openai.model_copy(update={"base_url": endpoint.chat_base_url(),
                                                 "model": self.config.sglang.served_model_name})
        return synth.model_copy(update={"backends": synth.backends.model_validate(roles), "openai": openai})

    def close(self) -> None:
        """Stop a launched server (a connected one keeps running)."""
        if self.endpoint is not None:
            self._log()
            self.endpoint.close()
            self.endpoint = None
