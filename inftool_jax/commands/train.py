"""`inftool train`: run one training stage (SFT or GRPO) from files on disk into an output folder."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real import waits for a command that needs it: `inftool --help` stays fast
    from inftool_jax.config import Config

DESCRIPTION = """\
Train a model folder on a dataset folder and write OUT_DIR: the final model in Hugging Face
layout (so OUT_DIR works as --model anywhere), orbax checkpoints in OUT_DIR/checkpoints,
metrics in OUT_DIR/metrics.jsonl and TensorBoard files in OUT_DIR/tensorboard.

Stages:
  sft   masked next-token loss on the assistant turns of synthesized episodes (cold start)
  grpo  group-relative policy optimisation with the gated reward and tool rollouts

Settings come from the stage's own section (`sft:` / `grpo:`: its learning_rate, warmup_steps
and max_steps, and what only that stage does), the `train:` section both stages share
(optimiser details, batch, micro-batches, max length, checkpoints, logging) and `mesh:`.
An interrupted run continues bit for bit with --resume.

Example:
  inftool train --config configs/cpu_tiny.yaml --stage sft --model runs/tiny-model \\
      --data runs/synth0 --out runs/sft0 sft.max_steps=200 sft.learning_rate=1e-3
"""

# stage -> (module, function); each is called as fn(config, model_dir, data_dir, out_dir, resume)
STAGES: dict[str, tuple[str, str]] = {
    "sft": ("inftool_jax.sft.trainer", "run_sft"),
    "grpo": ("inftool_jax.rl.grpo_run", "run_grpo"),
}


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
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides (e.g. sft.max_steps=100 mesh.fsdp=4)")
    parser.set_defaults(func=_run)


def load_stage_config(path: str | None, overrides: list[str]) -> "Config":
    """The experiment config (with its ``train``, ``sft`` and ``grpo`` sections) plus overrides."""
    from inftool_jax.config import load_config

    return load_config(path, overrides)


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
    from inftool_jax.model.distributed import initialize_from_config

    # Multi-host: every process runs this same command; joins the cluster before any device use.
    initialize_from_config(config.distributed)
    kwargs: dict[str, Any] = {"progress": not args.quiet}
    if args.stage == "sft":
        kwargs["force"] = args.force
        kwargs["train"] = config.stage_train("sft")  # the shared train: section with sft:'s schedule
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
