"""The device check's JSON report (benchmarks/device_check.py): one part at a time, rewritten after each, with an
exception kept as an ``{"error": ...}`` record and a part the time budget no longer fits kept as ``{"skipped": ...}``;
plus the figures every part records (a median, the device's memory in use).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def finite(value: Any) -> Any:
    """``value`` with every non-finite float written as a string (JSON has no NaN/inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def error_record(err: BaseException) -> dict[str, Any]:
    tb = traceback.format_exception(type(err), err, err.__traceback__)
    return {"error": f"{type(err).__name__}: {err}", "traceback_tail": "".join(tb)[-2000:]}


class Report:
    """The JSON being built; written (atomically) after every part."""

    def __init__(self, path: Path, budget_s: float):
        self.path = path
        self.start = time.monotonic()
        self.deadline = self.start + budget_s
        self.data: dict[str, Any] = {"check": "benchmarks/device_check.py", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                     "budget_s": budget_s, "wall_s": 0.0}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def write(self) -> None:
        self.data["wall_s"] = round(time.monotonic() - self.start, 3)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(finite(self.data), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def part(self, name: str, needs_s: float, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run one part: its dict, ``{"skipped": ...}`` when the budget is short, or ``{"error": ...}``; wall time added."""
        left = self.remaining()
        began = time.monotonic()
        if left < needs_s:
            out = {"skipped": f"time budget: {left:.0f} s left, this part needs about {needs_s:.0f} s"}
        else:
            print(f"[device_check] {name} ({left:.0f} s of the budget left) ...", file=sys.stderr, flush=True)
            try:
                out = fn()
            except Exception as err:  # noqa: BLE001 - one failed part is a record, the rest still run
                out = error_record(err)
                print(f"[device_check] {name} failed: {out['error']}", file=sys.stderr, flush=True)
        out["wall_s"] = round(time.monotonic() - began, 3)
        self.data[name] = out
        self.write()
        return out


def memory_now() -> dict[str, Any]:
    import jax

    stats = jax.local_devices()[0].memory_stats()
    if not stats:
        return {"bytes_in_use": None, "peak_bytes_in_use": None}
    return {"bytes_in_use": stats.get("bytes_in_use"), "peak_bytes_in_use": stats.get("peak_bytes_in_use")}
