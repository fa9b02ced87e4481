"""Run ``inftool`` and SIGKILL this very process at an exact point of its JSONL record writes (tests only).

    python kill_at_write.py WRITE MODE inftool-args...

``WRITE`` counts the ``os.write`` calls on ``*.jsonl`` files in this process (1-based); at that one it dies:
``before`` writing it, after writing the first half of it (``torn``), or ``after`` writing it whole. A timer
cannot hit the instant after a shard's last line, where a resumed run once went wrong; this can.
"""

from __future__ import annotations

import os
import signal
import sys


def _is_jsonl(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl")
    except OSError:
        return False


def main() -> None:
    target, mode, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode not in ("before", "torn", "after"):
        raise SystemExit(f"unknown mode {mode!r}")
    real_write = os.write
    seen = 0

    def write(fd, data):
        nonlocal seen
        if _is_jsonl(fd):
            seen += 1
            if seen == target:
                if mode == "torn":
                    real_write(fd, bytes(data)[: max(1, len(data) // 2)])
                elif mode == "after":
                    real_write(fd, data)
                os.kill(os.getpid(), signal.SIGKILL)
        return real_write(fd, data)

    os.write = write
    from inftool_jax.cli import main as cli

    sys.exit(cli(argv))


if __name__ == "__main__":
    main()
