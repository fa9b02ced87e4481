"""What `inftool synth` needs from an experiment config: the synth section, the seed and the spec paths.

When the composed :class:`inftool_jax.config.Config` has a ``synth`` field,
it is loaded through :func:`inftool_jax.config.load_config`. Until then the
YAML's ``synth:``, ``seed`` and ``specs`` keys are read here, with the same
error style (file or ``<command line>``, dotted key, problem).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from inftool_jax.errors import InputError
from inftool_jax.synth.config import SynthConfig

COMMAND_LINE = "<command line>"


@dataclass
class SynthSettings:
    synth: SynthConfig
    seed: int
    spec_paths: list[Path]
    source: str


def _composed(path: str | None, overrides: list[str]) -> SynthSettings:
    from inftool_jax.config import load_config

    config = load_config(path, overrides)
    return SynthSettings(config.synth, config.seed, [config.resolve(s) for s in config.specs], str(path or COMMAND_LINE))


def load_synth_settings(path: str | None, overrides: list[str] | tuple[str, ...] = ()) -> SynthSettings:
    """The synth settings from a YAML config plus ``key.sub=value`` overrides."""
    from inftool_jax.config import Config

    if "synth" in Config.model_fields:
        return _composed(path, list(overrides))
    raw: dict[str, Any] = {}
    source = COMMAND_LINE
    base = Path.cwd()
    if path is not None:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise InputError(source, "", "config file not found")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise InputError(source, "", f"not valid YAML ({getattr(err, 'problem', err)})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise InputError(source, "", "the top level of a config must be a mapping")
        raw = loaded
        base = p.resolve().parent
    synth_raw = raw.get("synth") or {}
    if not isinstance(synth_raw, dict):
        raise InputError(source, "synth", "must be a mapping")
    seed = raw.get("seed", 0)
    specs = raw.get("specs", ["specs"])
    overridden: set[str] = set()
    for text in overrides:
        if "=" not in text:
            raise InputError(COMMAND_LINE, text, "an override must look like key.sub=value")
        key, value_text = text.split("=", 1)
        parts = key.strip().split(".")
        try:
            value = yaml.safe_load(value_text) if value_text.strip() else ""
        except yaml.YAMLError:
            value = value_text
        if parts == ["seed"]:
            seed = value
        elif parts == ["specs"]:
            specs = value if isinstance(value, list) else [value]
        elif parts[0] == "synth" and len(parts) > 1 and all(parts):
            node = synth_raw
            for part in parts[1:-1]:
                node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
            node[parts[-1]] = value
            overridden.add(".".join(parts[1:]))
        else:
            raise InputError(COMMAND_LINE, text, "`inftool synth` takes overrides of synth.*, seed and specs")
    try:
        synth = SynthConfig.model_validate(synth_raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(x) for x in first["loc"])
        where = COMMAND_LINE if any(key == k or key.startswith(k + ".") for k in overridden) else source
        problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise InputError(where, f"synth.{key}" if key else "synth", f"{problem} (got {first.get('input')!r})"[:500]) from None
    if not isinstance(seed, int):
        raise InputError(source, "seed", f"must be an integer (got {seed!r})")
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise InputError(source, "specs", "must be a list of paths")
    paths = [Path(s).expanduser() if Path(s).expanduser().is_absolute() else base / s for s in specs]
    return SynthSettings(synth, seed, paths, source)
