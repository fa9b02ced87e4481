"""`inftool plan`: per-device memory of a config's run (parameters, gradients, optimiser, activations, KV cache).

The estimate itself is :mod:`inftool_jax.train.memory_plan`; this module finds its inputs (the architecture without
weights, the mesh, the accelerator) and prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.model.config import REMAT_POLICIES

DESCRIPTION = """\
Estimate, per device, the bytes a config's training run holds: parameters, gradients, AdamW state (two moments; an
fp32 master copy with --master-dtype float32), activations (given the batch, sequence length and --remat policy;
formula in inftool_jax/train/memory_plan.py) and the rollout KV cache (num_generations x prompts_per_step rows of
prompt + completion slots, split over the mesh as the sampler splits it), for the SFT and GRPO stages, and whether the
peak fits the accelerator. No weights are needed: the architecture comes from --model-config, else model.path's
config.json, else configs/models/<model.path's folder name>/config.json beside the config, else the tiny default.

  inftool plan --config configs/gpu_8xh100_qwen2_5_7b.yaml
  inftool plan --config configs/tpu_v5e_16_qwen2_5_7b.yaml --remat full --json
  inftool plan --config configs/cpu_tiny.yaml --devices 8 train.batch_size=16
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("plan", help="per-device memory plan of a config's run, and whether it fits",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML experiment config (default: built-in defaults)")
    parser.add_argument("--model-config", help="an HF config.json (or a folder holding one) to plan for instead")
    parser.add_argument("--accelerator", choices=("h100-80gb", "h200", "v5e", "v5p", "cpu"),
                        help="device to fit (default: named in the config's `name`, else cpu)")
    parser.add_argument("--devices", type=int, help="device count for a mesh axis of -1 (default: 1)")
    parser.add_argument("--remat", choices=REMAT_POLICIES, default=None,
                        help="activation rematerialisation policy (default: the config's model.remat)")
    parser.add_argument("--master-dtype", choices=("float32",), help="keep fp32 master weights (and fp32 moments)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("overrides", nargs="*", help="key.sub=value config overrides")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    report = build_plans(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(_text(report))
    return 0


def _text(report: dict) -> str:
    mesh = report["mesh"]
    # GiB for real models, MiB for small ones (a tiny model's figures would all print as 0.00 GiB).
    unit, scale = ("GiB", 1024**3) if max(p["peak"] for p in report["stages"].values()) >= 1024**3 else ("MiB", 1024**2)

    def _gib(n: int) -> str:
        return f"{n / scale:9.2f}"

    lines = [
        f"config: {report['config']}   model: {report['model']} ({report['parameter_count'] / 1e9:.3f}B parameters)",
        f"mesh: data={mesh['data']} fsdp={mesh['fsdp']} tp={mesh['tp']} ({mesh['devices']} devices)   "
        f"dtypes: params {report['precision']['param_dtype']}, compute {report['precision']['compute_dtype']}, "
        f"moments {report['precision']['moment_dtype']}, master {report['precision']['master_dtype'] or 'none'}   "
        f"remat: {report['remat']}",
        f"accelerator: {report['accelerator']} ({report['accelerator_description']}), "
        f"{report['capacity_per_device'] / 1024**3:.1f} GiB per device, usable {report['usable_fraction']:.0%}",
        "",
        f"{unit + ' per device':<22}" + "".join(f"{name:>10}" for name in report["stages"]),
    ]
    rows = [("parameters", "parameters"), ("master weights", "master_weights"), ("gradients", "gradients"),
            ("optimizer state", "optimizer_state"), ("reference model", "reference"), ("activations", "activations"),
            ("KV cache (rollouts)", "kv_cache"), ("peak: training", "train_peak"), ("peak: rollouts", "rollout_peak"),
            ("peak", "peak")]
    for label, key in rows:
        lines.append(f"{label:<22}" + "".join(f" {_gib(p[key])}" for p in report["stages"].values()))
    lines.append(f"{'rows per device':<22}" + "".join(f"{p['rows_per_device']:>10}" for p in report["stages"].values()))
    for remat in REMAT_POLICIES:
        by = [p["activations_by_remat"][remat] for p in report["stages"].values()]
        lines.append(f"{'activations, ' + remat:<22}" + "".join(f" {_gib(b)}" for b in by))
    verdict = {True: "fits", False: "does NOT fit", None: "capacity unknown"}
    lines.append("")
    lines.append(f"{verdict[report['fits']]} ({report['remat']} remat)"
                 + "".join(f"; with remat {r}: {verdict[v]}" for r, v in report["fits_by_remat"].items() if r != report["remat"]))
    for note in report["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


ACCELERATOR_HINTS = (("h100", "h100-80gb"), ("h200", "h200"), ("v5e", "v5e"), ("v5p", "v5p"))


def _read_json(path: Path, source: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(str(path), "", f"not valid JSON ({err.msg} at line {err.lineno})") from None
    except OSError as err:
        raise InputError(source, "", f"cannot read {path}: {err.strerror}") from None
    return data


def architecture(config: Any, config_path: str | None, model_config: str | None) -> tuple[dict[str, Any], str, str]:
    """``(hf config dict, where it came from, model label)``: --model-config, model.path's config.json, the public
    file of the same name under ``models/`` beside the config, or the tiny default's architecture."""
    if model_config:
        p = Path(model_config).expanduser()
        p = p / "config.json" if p.is_dir() else p
        if not p.is_file():
            raise InputError("<command line>", "--model-config", f"no config.json at {model_config}")
        return _read_json(p, "<command line>"), str(p), p.parent.name
    source = config_path or "<config>"
    if config.model.path:
        folder = config.resolve(config.model.path)
        if (folder / "config.json").is_file():
            return _read_json(folder / "config.json", source), str(folder / "config.json"), folder.name
        public = config.resolve("models") / folder.name / "config.json"
        if public.is_file():
            return _read_json(public, source), str(public), folder.name
        raise InputError(source, "model.path", f"{folder} has no config.json and there is no {public} (pass --model-config)")
    from inftool_jax.bootstrap.tiny_model import tiny_hf_config

    hf = tiny_hf_config(config.tiny_model)
    # Without the trained tokenizer the vocabulary is at most bpe_vocab_size, padded like init-model pads it.
    multiple = max(1, config.tiny_model.pad_vocab_to_multiple_of)
    hf["vocab_size"] = -(-config.tiny_model.bpe_vocab_size // multiple) * multiple
    return hf, "tiny_model (init-model's architecture; vocabulary at its bpe_vocab_size bound)", "tiny default"


def mesh_sizes(config: Any, devices: int | None, source: str):
    from inftool_jax.train.memory_plan import MeshSizes

    sizes = {"data": config.mesh.data, "fsdp": config.mesh.fsdp, "tp": config.mesh.tp}
    free = [k for k, v in sizes.items() if v == -1]
    for key, value in sizes.items():
        if value == 0 or value < -1:
            raise InputError(source, f"mesh.{key}", f"must be positive or -1, got {value}")
    if len(free) > 1:
        raise InputError(source, f"mesh.{free[1]}", "only one mesh axis may be -1")
    fixed = sizes["data"] * sizes["fsdp"] * sizes["tp"] * (-1 if free else 1)
    if free:
        total = devices or 1
        if total % fixed:
            raise InputError("<command line>", "--devices", f"{total} devices do not split into the fixed axes (product {fixed})")
        sizes[free[0]] = total // fixed
    elif devices and devices != fixed:
        raise InputError("<command line>", "--devices", f"the config's mesh has {fixed} devices, not {devices}")
    return MeshSizes(**sizes)


def accelerator(config: Any, name: str | None, devices: int) -> tuple[str, int, str]:
    from inftool_jax.train.memory_plan import ACCELERATORS

    if name is None:
        label = config.name.lower()
        name = next((acc for hint, acc in ACCELERATOR_HINTS if hint in label), "cpu")
    capacity, description = ACCELERATORS[name]
    if name == "cpu":
        # The fake CPU devices share the host's memory.
        capacity = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // max(devices, 1)
    return name, capacity, description


def _check_batch(rows: int, micro: int, shards: int, source: str, key: str) -> None:
    if rows % micro:
        raise InputError(source, "train.micro_batches", f"{key}={rows} rows do not split into {micro} micro-batches")
    if (rows // micro) % shards:
        raise InputError(source, key, f"a micro-batch of {rows // micro} rows does not split over data x fsdp = {shards} devices")


def build_plans(args: argparse.Namespace) -> dict[str, Any]:
    """The whole report `inftool plan` prints: one plan per training stage (SFT, GRPO) and the verdict."""
    from inftool_jax.config import load_config
    from inftool_jax.model.architecture import parse_hf_config
    from inftool_jax.rollout.sampler import prompt_bucket
    from inftool_jax.train.memory_plan import DTYPE_BYTES, USABLE_FRACTION, Precision, Workload, plan_memory

    config = load_config(args.config, args.overrides)
    source = args.config or "<config>"
    hf, arch_source, label = architecture(config, args.config, args.model_config)
    cfg = parse_hf_config(hf, arch_source)
    mesh = mesh_sizes(config, args.devices, source)
    acc, capacity, description = accelerator(config, args.accelerator, mesh.devices)
    for key in ("param_dtype", "compute_dtype"):
        if getattr(config.model, key) not in DTYPE_BYTES:
            raise InputError(source, f"model.{key}", f"unknown dtype {getattr(config.model, key)!r} (known: {', '.join(DTYPE_BYTES)})")
    master = args.master_dtype if args.master_dtype and config.model.param_dtype != args.master_dtype else None
    precision = Precision(
        param_dtype=config.model.param_dtype, compute_dtype=config.model.compute_dtype,
        moment_dtype="float32" if master else None, master_dtype=master,
    )
    train, grpo = config.train, config.grpo
    remat = args.remat or config.model.remat
    group_rows = grpo.prompts_per_step * grpo.num_generations
    _check_batch(train.batch_size, train.micro_batches, mesh.batch_shards, source, "train.batch_size")
    _check_batch(group_rows, train.micro_batches, mesh.batch_shards, source, "grpo.prompts_per_step")
    width = prompt_bucket(train.max_length, config.sampling.min_prompt_bucket)
    workloads = {
        "sft": Workload(train.batch_size, train.max_length, train.micro_batches, remat=remat),
        "grpo": Workload(group_rows, train.max_length, train.micro_batches, group_rows, width + grpo.max_completion_length, remat),
    }
    plans = {
        stage: plan_memory(cfg, mesh, precision, w, capacity=capacity, reference_model=stage == "grpo" and grpo.beta > 0)
        for stage, w in workloads.items()
    }
    notes = [
        f"GRPO sequences are at most train.max_length={train.max_length} tokens; the rollout KV cache has "
        f"{width} prompt slots (the sampler's power-of-two bucket) + grpo.max_completion_length={grpo.max_completion_length}.",
    ]
    if any(v == -1 for v in (config.mesh.data, config.mesh.fsdp, config.mesh.tp)):
        notes.append(f"the mesh has an axis of -1: planned for {mesh.devices} device(s) (--devices)")
    fits = [p.fits for p in plans.values()]
    report = {
        "config": args.config or "<defaults>",
        "model": label,
        "architecture_source": arch_source,
        "parameter_count": plans["sft"].parameter_count,
        "mesh": {"data": mesh.data, "fsdp": mesh.fsdp, "tp": mesh.tp, "devices": mesh.devices},
        "precision": {"param_dtype": precision.param_dtype, "compute_dtype": precision.compute_dtype,
                      "moment_dtype": precision.moment_dtype or precision.param_dtype, "master_dtype": precision.master_dtype},
        "remat": remat,
        "accelerator": acc,
        "accelerator_description": description,
        "capacity_per_device": capacity,
        "usable_fraction": USABLE_FRACTION,
        "stages": {stage: p.to_dict() for stage, p in plans.items()},
        "fits": None if None in fits else all(fits),
        "fits_by_remat": {r: _all(p.fits_with(r) for p in plans.values()) for r in REMAT_POLICIES},
        "notes": notes,
    }
    return report


def _all(values) -> bool | None:
    values = list(values)
    return None if None in values else all(values)
