"""A loop run folder that survives ``kill -9``: stages finish atomically, and a resume redoes nothing finished.

Each stage writes into ``NAME.partial/`` and is renamed to ``NAME/`` when it is complete, so a folder without
the suffix is a finished stage whose files are never written again; a ``.partial`` folder is an unfinished stage,
removed and redone on resume. ``state.json`` names the finished stages (the last one first to read), and
``config.json`` holds the config the run started with: a resume with different settings is refused, naming the
keys that differ.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any, Callable

from inftool_jax.errors import InputError
from inftool_jax.synth.dataset import write_json_atomic

CONFIG = "config.json"
STATE = "state.json"
PARTIAL = ".partial"


def write_json(path: Path, value: Any) -> None:
    """Strict JSON (no NaN/inf), written atomically: readers see the old file or the new one, never half."""
    write_json_atomic(path, clean_json(value))


def clean_json(value: Any) -> Any:
    """``value`` with NaN/inf floats as None, so every file the loop writes is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


_ABSENT = object()


def config_differences(old: Any, new: Any, prefix: str = "", defaults: Any = None) -> list[str]:
    """Dotted keys whose values differ between two JSON-like config trees.

    A key the old tree lacks is no difference when the new value is the default (``defaults``, same shape): a
    setting added to the package after the run started, left as it was.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        defaults = defaults if isinstance(defaults, dict) else {}
        for key in sorted(set(old) | set(new)):
            here = f"{prefix}.{key}" if prefix else str(key)
            default = defaults.get(key, _ABSENT)
            if key not in old and key in new and default is not _ABSENT and not config_differences(default, new[key]):
                continue
            if key not in old or key not in new:
                out.append(here)
            else:
                out.extend(config_differences(old[key], new[key], here, default))
        return out
    return [] if old == new else [prefix or "<config>"]


class RunState:
    """The run folder ``root``: which stages have finished, and the config the run belongs to."""

    def __init__(self, root: str | Path, config: dict[str, Any], resume: bool, defaults: dict[str, Any] | None = None):
        self.root = Path(root)
        config = clean_json(config)
        stored = self.root / CONFIG
        if stored.is_file():
            if not resume:
                raise InputError(str(self.root), "", "holds a loop run already; pass --resume to continue it or choose another --out")
            old = json.loads(stored.read_text(encoding="utf-8"))
            differ = config_differences(old, config, defaults=clean_json(defaults or {}))
            if differ:
                raise InputError(str(stored), ", ".join(differ[:12]), "the run was started with other settings for these keys "
                                 "(resume with the same config and overrides, or start a new run folder)")
        else:
            if self.root.exists() and any(self.root.iterdir()) and not resume:
                raise InputError(str(self.root), "", "output folder exists and is not empty (choose another --out)")
            self.root.mkdir(parents=True, exist_ok=True)
            write_json(stored, config)
        self.finished: list[str] = []
        state = self.root / STATE
        if state.is_file():
            self.finished = list(json.loads(state.read_text(encoding="utf-8")).get("finished", []))

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def last_finished(self) -> str | None:
        return self.finished[-1] if self.finished else None

    def run(self, name: str, make: Callable[[Path], Any]) -> tuple[Path, bool]:
        """Run stage ``name`` (``make(partial_dir)`` fills the folder) unless it finished before.

        Returns ``(folder, ran)``. The rename is the commit point: after it the stage counts as finished
        even if the process dies before ``state.json`` says so (it is brought up to date on the next call).
        """
        final = self.path(name)
        if final.is_dir():
            self._mark(name)
            return final, False
        partial = final.with_name(final.name + PARTIAL)
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        make(partial)
        os.replace(partial, final)
        self._mark(name)
        return final, True

    def _mark(self, name: str) -> None:
        if name in self.finished:
            return
        self.finished.append(name)
        write_json(self.root / STATE, {"last_finished": name, "finished": self.finished})
