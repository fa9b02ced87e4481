"""Start, stop and restart an SGLang server from a command line (``sglang.launch``).

The command (e.g. ``[python, -m, sglang.launch_server, --tool-call-parser, qwen25]``, sglang-jax's, or the
stand-in's ``[python, -m, inftool_jax.serve.sglang_standin]``) gets ``--model-path``, ``--host`` and ``--port``
set by :func:`server_argv` (replaced where the command has them). The process runs in a process group of its
own (``start_new_session``) with stdout and stderr appended to a log file, so stopping it reaches the workers it
spawned: SIGTERM to the group, a short grace, then SIGKILL (a real SGLang can take ~70 s to exit on its own).
Such a group outlives a ``kill -9`` of its parent, so ``server.pid`` beside the log names it (pid and command
line), and the next start in the same folder (a resumed run) kills a group still running under that record; an
``atexit`` hook stops it when the parent exits normally or by an exception.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Sequence

from inftool_jax.serve.sglang_client import SGLangClient, SGLangError

SET_BY_LAUNCHER = ("--model-path", "--host", "--port")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (a launched server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_argv(command: Sequence[str], model_path: str | Path, host: str, port: int) -> list[str]:
    """``command`` with ``--model-path``, ``--host`` and ``--port`` set (``--flag value`` or ``--flag=value`` forms
    already in it are dropped first)."""
    argv: list[str] = []
    skip = False
    for arg in command:
        if skip:
            skip = False
            continue
        if arg in SET_BY_LAUNCHER:
            skip = True
            continue
        if any(arg.startswith(flag + "=") for flag in SET_BY_LAUNCHER):
            continue
        argv.append(str(arg))
    return argv + ["--model-path", str(model_path), "--host", host, "--port", str(port)]


class LaunchedServer:
    """A server process started from ``command`` on a model folder; ``url`` while it runs.

    ``LaunchedServer(command, log_path, env=..., host=..., port=0)``; :meth:`start` waits for ``/health``,
    :meth:`restart` stops it and starts it on another folder (what a server without a weight-update route needs).
    """

    def __init__(self, command: Sequence[str], log_path: str | Path, env: dict[str, str] | None = None,
                 host: str = "127.0.0.1", port: int = 0, health_timeout_s: float = 600.0, stop_grace_s: float = 10.0,
                 cwd: str | Path | None = None):
        if not command:
            raise SGLangError("<sglang.launch>", "", "no command line to start a server with")
        self.command = [str(c) for c in command]
        self.log_path = Path(log_path)
        self.env = dict(env or {})
        self.host, self.port = host, port
        self.health_timeout_s, self.stop_grace_s = health_timeout_s, stop_grace_s
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.model_path: str | None = None
        self.url = ""
        self.start_seconds: list[float] = []
        self.pid_file = self.log_path.parent / "server.pid"
        atexit.register(self.stop)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, model_path: str | Path) -> str:
        """Start on ``model_path`` and wait until healthy; returns the URL. A start that fails stops the process and
        raises :class:`SGLangError` naming the log file."""
        if self.alive():
            raise RuntimeError("the server is running already; stop() or restart() it")
        self.model_path = str(Path(model_path).resolve())
        port = self.port or free_port(self.host)
        self.url = f"http://{self.host}:{port}"
        argv = server_argv(self.command, self.model_path, self.host, port)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._kill_stale()
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env={**os.environ, **self.env}, cwd=self.cwd, start_new_session=True)
        self.pid_file.write_text(json.dumps({"pid": self.process.pid, "argv": argv}), encoding="utf-8")
        client = SGLangClient(self.url)
        try:
            client.wait_healthy(self.health_timeout_s, alive=self.alive)
        except SGLangError as err:
            code = self.process.poll()
            self.stop()
            tail = self.log_tail()
            raise SGLangError(self.url, "/health", f"{err.problem}{f' (exit code {code})' if code is not None else ''}; "
                              f"log {self.log_path}: ...{tail}", err.status) from None
        finally:
            client.close()
        self.start_seconds.append(time.monotonic() - began)
        return self.url

    def _kill_stale(self) -> None:
        """Kill the group ``server.pid`` names when its leader still runs the command recorded there."""
        try:
            record = json.loads(self.pid_file.read_text(encoding="utf-8"))
            pid = int(record["pid"])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, KeyError, TypeError):
            return
        if [a.decode(errors="replace") for a in cmdline if a] == record.get("argv"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, chars: int = 400) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:].replace("\n", " | ")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the process group, wait ``stop_grace_s``, then SIGKILL it (idempotent)."""
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_grace_s)
            except subprocess.TimeoutExpired:
                pass
        self._signal(proc, signal.SIGKILL)  # the group's other processes (workers) too, even when the leader exited
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self.process = None
        self.pid_file.unlink(missing_ok=True)

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def restart(self, model_path: str | Path) -> str:
        """Stop, then start on ``model_path`` (same port when one was given, else a new free one)."""
        self.stop()
        return self.start(model_path)

    def __enter__(self) -> "LaunchedServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
