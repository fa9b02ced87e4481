"""`inftool train`: run one training stage (SFT or GRPO) from files on disk into an output folder."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

DESCRIPTION = """\
Train a model folder on a dataset folder and write OUT_DIR: the final model in Hugging Face
layout (so OUT_DIR works as --model anywhere), orbax checkpoints in OUT_DIR/checkpoints,
metrics in OUT_DIR/metrics.jsonl and TensorBoard files in OUT_DIR/tensorboard.

Stages:
  sft   masked next-token loss on the assistant turns of synthesized episodes (cold start)
  grpo  group-relative policy optimisation with the gated reward and tool rollouts

Settings come from the config's `train:` section (optimiser, schedule, batch, micro-batches,
max length, checkpoints, logging), the stage's own section (`sft:` / `grpo:`) and `mesh:`.
An interrupted run continues bit for bit with --resume.

Example:
  inftool train --config configs/cpu_tiny.yaml --stage sft --model runs/tiny-model \\
      --data runs/synth0 --out runs/sft0 train.max_steps=200 train.learning_rate=1e-3
"""

# stage -> (module, function); each is called as fn(config, model_dir, data_dir, out_dir, resume)
STAGES: dict[str, tuple[str, str]] = {
    "sft": ("inftool_jax.sft.trainer", "run_sft"),
    "grpo": ("inftool_jax.rl.grpo_run", "run_grpo"),
}
# Sections this command reads that the composed Config may not carry yet: validated here meanwhile.
_OWN_SECTIONS = {"train": ("inftool_jax.train.config", "TrainConfig"), "sft": ("inftool_jax.sft.config", "SFTConfig")}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train",
        help="train a model (SFT or GRPO) from a dataset folder into an output folder",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="YAML experiment config (default: built-in defaults)")
    parser.add_argument("--stage", required=True, choices=sorted(STAGES), help="training stage to run")
    parser.add_argument("--model", required=True, help="HF model folder to start from (e.g. from `inftool init-model`)")
    parser.add_argument("--data", required=True, help="dataset folder with episodes-*.jsonl (from `inftool synth`)")
    parser.add_argument("--out", required=True, help="output folder (final HF model, checkpoints, metrics)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists and is not empty")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides (e.g. train.max_steps=100 mesh.fsdp=4)")
    parser.set_defaults(func=_run)


class StageConfig:
    """The composed config plus the sections it does not carry yet (read-only attribute view)."""

    def __init__(self, config: Any, sections: dict[str, Any]):
        self._config = config
        self._sections = sections

    def __getattr__(self, name: str) -> Any:
        sections = self.__dict__.get("_sections", {})
        if name in sections:
            return sections[name]
        return getattr(self.__dict__["_config"], name)


def _section_class(name: str):
    module, cls = _OWN_SECTIONS[name]
    return getattr(importlib.import_module(module), cls)


def load_stage_config(path: str | None, overrides: list[str]) -> Any:
    """The experiment config with ``train`` and ``sft`` sections, with the config loader's error style.

    When :class:`inftool_jax.config.Config` composes those sections this is just
    ``load_config``; until then they are taken out of the YAML and the overrides,
    validated here, and attached through :class:`StageConfig`.
    """
    import tempfile
    from pathlib import Path

    import yaml
    from pydantic import ValidationError

    from inftool_jax.config import COMMAND_LINE, Config, load_config
    from inftool_jax.errors import InputError

    missing = [name for name in _OWN_SECTIONS if name not in Config.model_fields]
    if not missing:
        return load_config(path, overrides)
    raw: dict[str, Any] = {}
    if path is not None and Path(path).is_file():
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            return load_config(path, overrides)  # let the loader report it
    if not isinstance(raw, dict):
        return load_config(path, overrides)
    had_own = any(name in raw for name in missing)
    own_raw = {name: raw.pop(name, None) or {} for name in missing}
    own_overrides = [o for o in overrides if o.split("=", 1)[0].strip().split(".")[0] in missing]
    rest = [o for o in overrides if o not in own_overrides]
    if not had_own:
        config = load_config(path, rest)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            stripped = Path(tmp) / Path(path).name
            stripped.write_text(yaml.safe_dump(raw), encoding="utf-8")
            try:
                config = load_config(stripped, rest)
            except InputError as err:
                source = path if err.source == str(stripped) else err.source
                raise InputError(source, err.pointer, err.problem) from None
        config._base_dir = Path(path).resolve().parent
    sections = {}
    for name in missing:
        values = own_raw[name]
        if not isinstance(values, dict):
            raise InputError(str(path), name, "must be a mapping")
        from_cli: set[str] = set()
        for text in own_overrides:
            key, value = text.split("=", 1)
            parts = key.strip().split(".")
            if parts[0] != name:
                continue
            cls = _section_class(name)
            if len(parts) != 2 or parts[1] not in cls.model_fields:
                known = ", ".join(sorted(cls.model_fields))
                raise InputError(COMMAND_LINE, text, f"unknown key '{'.'.join(parts[1:])}' (known here: {known})")
            try:
                values[parts[1]] = yaml.safe_load(value) if value.strip() else ""
            except yaml.YAMLError:
                values[parts[1]] = value
            from_cli.add(parts[1])
        try:
            sections[name] = _section_class(name).model_validate(values)
        except ValidationError as err:
            first = err.errors()[0]
            key = ".".join(str(x) for x in first["loc"])
            problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
            where = COMMAND_LINE if key.split(".")[0] in from_cli else str(path or COMMAND_LINE)
            raise InputError(where, f"{name}.{key}", f"{problem} (got {first.get('input')!r})"[:500]) from None
    return StageConfig(config, sections)


def resolve_stage(stage: str):
    """The stage's entry function, imported lazily; a clear error when its module is not installed."""
    from inftool_jax.errors import InputError

    module_name, fn_name = STAGES[stage]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and module_name.startswith(err.name):
            raise InputError("<command line>", "--stage", f"stage '{stage}' is not available in this build ({module_name} is missing)") from None
        raise
    fn = getattr(module, fn_name, None)
    if fn is None:
        raise InputError("<command line>", "--stage", f"stage '{stage}' is not available in this build ({module_name}.{fn_name} is missing)")
    return fn


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from inftool_jax.errors import InputError

    config = load_stage_config(args.config, args.overrides)
    for flag, value in (("--model", args.model), ("--data", args.data)):
        if not Path(value).is_dir():
            raise InputError(value, "", f"{flag} folder not found")
    fn = resolve_stage(args.stage)
    kwargs: dict[str, Any] = {"progress": not args.quiet}
    if args.stage == "sft":
        kwargs["force"] = args.force
    elif args.force and Path(args.out).is_dir():
        import shutil

        shutil.rmtree(args.out)
    from inftool_jax.train.loop import TrainingAborted

    try:
        summary = fn(config, args.model, args.data, args.out, args.resume, **kwargs)
    except TrainingAborted as err:
        print(f"inftool: training aborted: {err}", file=sys.stderr)
        return 1
    if isinstance(summary, dict):
        shown = {k: v for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()))
    print(args.out)
    return 0
