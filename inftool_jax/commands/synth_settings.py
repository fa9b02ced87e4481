"""What `inftool synth` needs from an experiment config: the synth section, the seed and the spec paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inftool_jax.synth.config import SynthConfig

COMMAND_LINE = "<command line>"


@dataclass
class SynthSettings:
    synth: SynthConfig
    seed: int
    spec_paths: list[Path]
    source: str
    catalog_options: dict = field(default_factory=dict)
    """``load_catalog`` keyword arguments from the ``specs:`` section (strict, keep_transport_params)."""


def load_synth_settings(path: str | None, overrides: list[str] | tuple[str, ...] = ()) -> SynthSettings:
    """The synth settings from a YAML config plus ``key.sub=value`` overrides (errors name file/key)."""
    from inftool_jax.config import load_config

    config = load_config(path, list(overrides))
    return SynthSettings(config.synth, config.seed, config.spec_paths(), str(path or COMMAND_LINE), config.specs.load_options())
