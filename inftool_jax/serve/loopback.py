"""Run an ASGI app with uvicorn on a thread, on a free loopback port (tests, benchmarks, in-process use).

The socket is bound before uvicorn starts, so the port is known and cannot be taken
in between; ``with AppThread(app) as url:`` yields ``http://127.0.0.1:PORT`` once the
server accepts connections and stops it (lifespan shutdown included) on exit.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any


class AppThread:
    """``with AppThread(app) as base_url: ...``"""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        # log_config=None: uvicorn must not bind logging handlers to whatever sys.stderr is now (a test's
        # capture, closed later); records then go through the root logger, resolved at emit time.
        config = uvicorn.Config(
            app, log_level=log_level, lifespan="on", access_log=False, timeout_graceful_shutdown=2, log_config=None
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
