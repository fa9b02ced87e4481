"""One SGLang server for a run: connected to (``sglang.url``) or launched (``sglang.launch``), kept on a model folder.

:meth:`SGLangEndpoint.ensure` makes the server serve a given HF folder under a given weight version: a launched
server is started on it the first time; after that (and always for a server we only connect to) the weights are
handed over with :meth:`SGLangClient.update_weights` (pause -> update_weights_from_disk -> flush -> continue, then
``/model_info`` checked); a server without the update route (HTTP 404, sglang-jax) is restarted on the folder
when we launched it, and is an error when we did not. Each hand-over is recorded in :attr:`handovers` (seconds,
attempts, how) for the run's logs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from inftool_jax.serve.sglang_client import SGLangClient, SGLangError, UpdateRouteMissing
from inftool_jax.serve.sglang_config import SGLangConfig


class SGLangEndpoint:
    """``SGLangEndpoint(cfg, run_dir, base_dir)``: ``base_dir`` resolves relative program paths of ``cfg.launch``."""

    def __init__(self, cfg: SGLangConfig, run_dir: str | Path, base_dir: str | Path | None = None):
        if not cfg.url and not cfg.launch:
            raise SGLangError("<config>", "sglang", "rollout.engine is sglang but neither sglang.url nor sglang.launch is set")
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.server: Any = None
        if not cfg.url:
            from inftool_jax.serve.sglang_launch import LaunchedServer

            command = list(cfg.launch)
            if base_dir is not None and ("/" in command[0]) and not Path(command[0]).is_absolute():
                candidate = Path(base_dir) / command[0]
                if candidate.exists():
                    command[0] = str(candidate)
            self.server = LaunchedServer(command, self.run_dir / "sglang" / "server.log", env=cfg.env, host=cfg.host,
                                         port=cfg.port, health_timeout_s=cfg.health_timeout_s, stop_grace_s=cfg.stop_grace_s)
        self.client: SGLangClient | None = None
        if cfg.url:
            self.client = self._client(cfg.url)
            self.client.wait_healthy(cfg.health_timeout_s)
        self.model_path: str | None = None
        self.weight_version: str | None = None
        self.handovers: list[dict[str, Any]] = []

    def _client(self, url: str) -> SGLangClient:
        c = self.cfg
        return SGLangClient(url, timeout_s=c.request_timeout_s, update_timeout_s=c.update_timeout_s,
                            retries=c.update_retries, backoff_s=c.backoff_s)

    @property
    def url(self) -> str:
        return self.client.url if self.client is not None else ""

    def ensure(self, model_dir: str | Path, weight_version: str | None = None) -> dict[str, Any] | None:
        """Serve ``model_dir`` under ``weight_version`` (None: the version it has, or the folder's path for a new
        folder); None when it already does, else the hand-over's record."""
        folder = str(Path(model_dir).resolve())
        if weight_version is None and self.model_path == folder:
            return None  # any version of this folder will do
        version = weight_version or folder
        if self.model_path == folder and self.weight_version == version:
            return None
        start = time.monotonic()
        if self.client is None and self.server is None:  # connected again after close()
            self.client = self._client(self.cfg.url)
        if self.client is None:  # a launched server's first start
            url = self.server.start(folder)
            self.client = self._client(url)
            answer = self._set_version(folder, version, "start")
        else:
            if self.model_path is None:  # a server we connect to: it may hold this folder already
                info = self.client.model_info()
                if str(info.get("model_path")) == folder and info.get("weight_version") == version:
                    self.model_path, self.weight_version = folder, version
                    return None
            try:
                answer = dict(self.client.update_weights(folder, version), how="update_weights_from_disk")
            except UpdateRouteMissing:
                if self.server is None:
                    raise SGLangError(self.url, "/update_weights_from_disk", "HTTP 404: this server has no weight-update "
                                      "route and was not started by the loop (sglang.url), so it cannot be restarted on "
                                      f"{folder}; use sglang.launch") from None
                url = self.server.restart(folder)
                self.client.close()
                self.client = self._client(url)
                answer = self._set_version(folder, version, "restart")
        self.model_path, self.weight_version = folder, version
        record = {"model_path": folder, "weight_version": version, "how": answer.get("how"),
                  "seconds": round(time.monotonic() - start, 3), "attempts": answer.get("attempts", 1)}
        self.handovers.append(record)
        return record

    def _set_version(self, folder: str, version: str, how: str) -> dict[str, Any]:
        """After a (re)start the server holds ``folder`` under its default version: record ``version`` with the update
        route where there is one (same folder: cheap), else accept the server's own."""
        try:
            return dict(self.client.update_weights(folder, version), how=how)
        except UpdateRouteMissing:
            info = self.client.model_info()
            if str(info.get("model_path")) != folder:
                raise SGLangError(self.url, "/model_info", f"the restarted server reports model_path "
                                  f"{info.get('model_path')!r}, expected {folder!r}") from None
            return {"how": how, "attempts": 1}

    def chat_base_url(self) -> str:
        """The OpenAI-compatible root (``{url}/v1``) for the synthesis `openai` backend."""
        return f"{self.url}/v1"

    def close(self) -> None:
        """Stop a launched server (a connected one is left running)."""
        if self.client is not None:
            self.client.close()
        if self.server is not None:
            self.server.stop()
        self.client = None
        self.model_path = self.weight_version = None
