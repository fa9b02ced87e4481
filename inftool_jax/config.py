"""Typed experiment configs: YAML files in ``configs/`` plus ``key.sub=value`` overrides.

Each stage defines its own section class next to its code; this module
composes them and does the loading. Relative paths inside a config are
resolved against the folder of the YAML file (see :meth:`Config.resolve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import PrivateAttr, ValidationError

from inftool_jax.config_base import Section, renamed_key_problem
from inftool_jax.errors import InputError
from inftool_jax.model.config import DistributedConfig, MeshConfig, ModelConfig
from inftool_jax.bootstrap.tiny_model import TinyModelConfig
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.loop.config import LoopConfig
from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.serve.sglang_config import RolloutConfig, SGLangConfig
from inftool_jax.sft.config import SFTConfig
from inftool_jax.synth.config import SynthConfig
from inftool_jax.tools.specs_config import SpecsConfig
from inftool_jax.train.config import TrainConfig, TrainSection

COMMAND_LINE = "<command line>"


class Config(Section):
    """One experiment: what to read, what model to use, how each stage runs."""

    name: str = "experiment"
    """A label for runs made from this config."""
    seed: int = 0
    """Master seed; every stage derives its own seeds from it."""
    specs: SpecsConfig = SpecsConfig()
    """The tool catalog: spec files or folders (relative to the config file; a bare list is read as ``paths``) and
    how leniently they are read."""
    mesh: MeshConfig = MeshConfig()
    """Device mesh for training and inference."""
    distributed: DistributedConfig = DistributedConfig()
    """Multi-host set-up (jax.distributed); off for a single process."""
    model: ModelConfig = ModelConfig()
    """The policy model."""
    tiny_model: TinyModelConfig = TinyModelConfig()
    """The embedded default model made by `inftool init-model` (tokenizer and architecture sizes)."""
    synth: SynthConfig = SynthConfig()
    """Synthesis: category mix, difficulty, agent backends, verification, dataset layout."""
    sampling: SamplingConfig = SamplingConfig()
    """Default generation settings of the in-JAX sampler (evaluation, serving, the policy backend)."""
    train: TrainSection = TrainSection()
    """Training settings SFT and GRPO share (optimiser, batching, checkpoints, logging); each stage's learning rate,
    warmup and steps are in its own section."""
    sft: SFTConfig = SFTConfig()
    """Cold-start SFT: its schedule (learning_rate, warmup_steps, max_steps) and settings."""
    reward: RewardConfig = RewardConfig()
    """The gated reward: gate weights and partial credit."""
    grpo: GRPOStageConfig = GRPOStageConfig()
    """GRPO stage: its schedule, generations per prompt, advantages, clipping, KL, loss type, rollouts."""
    loop: LoopConfig = LoopConfig()
    """The closed loop (`inftool loop`): iterations, targeting, per-round data budget, held-out set."""
    rollout: RolloutConfig = RolloutConfig()
    """Rollout engine: the in-JAX sampler (inprocess) or an SGLang server (sglang)."""
    sglang: SGLangConfig = SGLangConfig()
    """The SGLang server of `rollout.engine: sglang`: its URL or launch command, timeouts, retries, weight syncs."""

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    def stage_train(self, stage: Literal["sft", "grpo"], **update: Any) -> TrainConfig:
        """What the ``stage`` trainer reads: the shared ``train:`` section with the stage section's schedule."""
        return TrainConfig.for_stage(self.train, getattr(self, stage), **update)

    def spec_paths(self) -> list[Path]:
        """The catalog's spec files and folders, resolved against the config file's folder."""
        return [self.resolve(p) for p in self.specs.paths]

    def load_catalog(self, warn: Any = None) -> Any:
        """The tool catalog this config names, read with its ingestion options (``warn(line)`` hears each skip)."""
        from inftool_jax.tools.catalog import load_catalog

        return load_catalog(self.spec_paths(), warn=warn, **self.specs.load_options())

    def resolve(self, path: str | Path) -> Path:
        """A path from this config, made absolute against the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self._base_dir / p)


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise InputError(COMMAND_LINE, text, "an override must look like key.sub=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError(COMMAND_LINE, text, "an override must look like key.sub=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def _check_key(model_cls: type[Section], parts: list[str], full: str) -> None:
    """Walk the section classes so an unknown override key is named before validation."""
    cls: Any = model_cls
    for i, part in enumerate(parts):
        fields = getattr(cls, "model_fields", None)
        if fields is None:
            raise InputError(COMMAND_LINE, full, f"'{'.'.join(parts[:i])}' has no sub-keys")
        if part not in fields:
            problem = renamed_key_problem(cls, part, ".".join(parts[:i]))
            if problem is not None:
                raise InputError(COMMAND_LINE, full, problem)
            known = ", ".join(sorted(fields))
            raise InputError(COMMAND_LINE, full, f"unknown key '{part}' (known here: {known})")
        cls = fields[part].annotation


def _check_renamed(model_cls: type[Section], tree: Any, source: str, path: str = "") -> None:
    """An old key anywhere in a config file: an InputError naming the file, the old key and the new one."""
    if not isinstance(tree, dict):
        return
    fields = model_cls.model_fields
    for key, value in tree.items():
        where = f"{path}.{key}" if path else str(key)
        problem = renamed_key_problem(model_cls, key, path)
        if problem is not None:
            raise InputError(source, where, problem)
        sub = fields[key].annotation if key in fields else None
        if isinstance(sub, type) and issubclass(sub, Section):
            _check_renamed(sub, value, source, where)


def _set(tree: dict[str, Any], parts: list[str], value: Any) -> None:
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load a YAML config (or the defaults when ``path`` is None) and apply overrides.

    Raises :class:`InputError` naming the file or the command line and the
    dotted key for unreadable YAML, unknown keys and wrong types.
    """
    raw: dict[str, Any] = {}
    source = COMMAND_LINE
    base_dir = Path.cwd()
    if path is not None:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise InputError(source, "", "config file not found")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else ""
            raise InputError(source, where, f"not valid YAML ({getattr(err, 'problem', err)})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise InputError(source, "", "the top level of a config must be a mapping")
        raw = loaded
        base_dir = p.resolve().parent
        _check_renamed(Config, raw, source)

    overridden: set[str] = set()
    for text in overrides:
        parts, value = _parse_override(text)
        _check_key(Config, parts, text)
        _set(raw, parts, value)
        overridden.add(".".join(parts))

    try:
        config = Config.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(x) for x in first["loc"])
        where = COMMAND_LINE if any(key == k or key.startswith(k + ".") for k in overridden) else source
        problem = first["msg"]
        if first["type"] == "extra_forbidden":
            problem = "unknown key"
        raise InputError(where, key, f"{problem} (got {first.get('input')!r})"[:500]) from None
    config._base_dir = base_dir
    return config


def dump_config(config: Config) -> dict[str, Any]:
    """The config as plain data (for manifests and run folders)."""
    return config.model_dump(mode="json")
