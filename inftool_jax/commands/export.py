"""`inftool export`: write a checkpoint as a Hugging Face folder (config.json + safetensors + tokenizer).

Checkpoint kinds are detected by :data:`EXPORTERS`, a list of
``(kind, detect(path) -> bool, export(path, out, options) -> None)``; a new kind
(e.g. orbax training checkpoints) is one more entry, the command stays the same.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DESCRIPTION = """\
Export a checkpoint as a Hugging Face model folder (config.json, safetensors, tokenizer files,
generation_config.json) that transformers, vLLM and SGLang load. Accepted checkpoints:
an HF model folder (e.g. one made by `inftool init-model`), re-saved through the Flax model,
optionally in another dtype or shard size; or an orbax training checkpoint of `inftool train`
(the run folder, its checkpoints/ folder, or one checkpoints/<step>/ folder; default: latest step).

Example: inftool export --checkpoint runs/tiny-model --out runs/tiny-model-hf --dtype bfloat16
"""

DTYPES = ("float32", "bfloat16", "float16")


@dataclass(frozen=True)
class ExportOptions:
    """How to write the exported folder."""

    dtype: str | None = None  # None: keep the checkpoint's dtype
    max_shard_size: str = "5GB"
    progress: bool = True


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export",
        help="write a checkpoint as a Hugging Face folder (config.json + safetensors + tokenizer)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder to export")
    parser.add_argument("--out", required=True, help="output HF folder")
    parser.add_argument("--dtype", choices=DTYPES, help="tensor dtype to write (default: the checkpoint's)")
    parser.add_argument("--max-shard-size", default="5GB", help="split safetensors above this size (default: 5GB)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists and is not empty")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=_run)


def is_hf_folder(path: Path) -> bool:
    """An HF model folder: config.json plus safetensors (single file or index)."""
    return (path / "config.json").is_file() and (
        (path / "model.safetensors").is_file() or (path / "model.safetensors.index.json").is_file()
    )


def export_hf_folder(path: Path, out: Path, options: ExportOptions) -> None:
    """Load the HF folder into the Flax model and save it again (tokenizer files copied along)."""
    from inftool_jax.model import load_pretrained, save_pretrained
    from inftool_jax.model.hf_checkpoint import read_config

    config = read_config(path)
    stored = config.get("dtype") or config.get("torch_dtype") or "float32"
    # Load in the stored dtype so an export without --dtype is lossless.
    load_dtype = stored if stored in DTYPES else "float32"
    model = load_pretrained(path, dtype=load_dtype, progress=options.progress)
    save_pretrained(
        model,
        out,
        max_shard_bytes=options.max_shard_size,
        dtype=options.dtype or load_dtype,
        tokenizer_dir=path,
        progress=options.progress,
    )


def _orbax_layout(path: Path) -> tuple[Path, int | None] | None:
    """``(checkpoints folder, step or None for the latest)`` when ``path`` is an `inftool train` checkpoint."""
    from inftool_jax.sft.trainer import CHECKPOINTS, MODEL_CONFIG

    for folder, step in ((path / CHECKPOINTS, None), (path, None), (path.parent, path.name)):
        if (folder / MODEL_CONFIG).is_file() and (step is None or str(step).isdigit()):
            if step is None and not any(p.is_dir() and p.name.isdigit() for p in folder.iterdir()):
                continue
            return folder, None if step is None else int(step)
    return None


def is_orbax_checkpoint(path: Path) -> bool:
    """An `inftool train` run folder, its checkpoints/ folder or one step of it (orbax state + model_config.json)."""
    return _orbax_layout(path) is not None


def export_orbax_checkpoint(path: Path, out: Path, options: ExportOptions) -> None:
    """Restore the trained parameters of a checkpoint step into the model and save it as an HF folder."""
    import json

    import orbax.checkpoint as ocp

    from inftool_jax.errors import InputError
    from inftool_jax.model import create_model, save_pretrained
    from inftool_jax.sft.trainer import MODEL_CONFIG, TOKENIZER
    from inftool_jax.train.state import ModelDef, flat_params

    folder, step = _orbax_layout(path)
    hf_config = json.loads((folder / MODEL_CONFIG).read_text(encoding="utf-8"))
    manager = ocp.CheckpointManager(folder.absolute())
    step = manager.latest_step() if step is None else step
    if step is None or step not in manager.all_steps():
        raise InputError(str(folder), "", f"no checkpoint step {step} here (have: {sorted(manager.all_steps())})")
    stored = hf_config.get("dtype") or hf_config.get("torch_dtype") or "float32"
    load_dtype = stored if stored in DTYPES else "float32"
    model = create_model(hf_config, dtype=load_dtype)
    restored = manager.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore()))["state"]["params"]
    manager.close()
    expected = flat_params(model)
    if set(restored) != set(expected):
        raise InputError(str(folder / str(step)), "params", "the checkpoint's parameters do not match model_config.json")
    model = ModelDef(model).merge({k: restored[k].astype(expected[k].dtype) for k in expected})
    save_pretrained(
        model, out, max_shard_bytes=options.max_shard_size, dtype=options.dtype or load_dtype,
        tokenizer_dir=folder / TOKENIZER, progress=options.progress,
    )


EXPORTERS: list[tuple[str, Callable[[Path], bool], Callable[[Path, Path, ExportOptions], None]]] = [
    ("hf", is_hf_folder, export_hf_folder),
    ("orbax", is_orbax_checkpoint, export_orbax_checkpoint),
]


def export_checkpoint(checkpoint: str | Path, out: str | Path, options: ExportOptions | None = None, overwrite: bool = False) -> Path:
    """Export ``checkpoint`` (any kind in :data:`EXPORTERS`) to the HF folder ``out``.

    The folder is written as ``<out>.partial`` and moved into place at the end.
    Raises :class:`InputError` for a missing or unrecognised checkpoint, an
    output equal to the input, or a non-empty output without ``overwrite``.
    """
    from inftool_jax.errors import InputError
    from inftool_jax.model.hf_checkpoint import parse_size

    options = options or ExportOptions()
    src, dst = Path(checkpoint), Path(out)
    if not src.is_dir():
        raise InputError(str(src), "", "checkpoint folder not found")
    if options.dtype is not None and options.dtype not in DTYPES:
        raise InputError("<command line>", "--dtype", f"must be one of {', '.join(DTYPES)}")
    try:
        parse_size(options.max_shard_size)
    except ValueError:
        raise InputError("<command line>", "--max-shard-size", f"not a size like 5GB or 200MB: {options.max_shard_size!r}") from None
    if dst.resolve() == src.resolve():
        raise InputError(str(dst), "", "the output folder must differ from the checkpoint folder")
    if dst.exists() and (not dst.is_dir() or any(dst.iterdir())) and not overwrite:
        raise InputError(str(dst), "", "output folder exists and is not empty (pass --force to replace it)")
    for kind, detect, export in EXPORTERS:
        if detect(src):
            break
    else:
        known = ", ".join(kind for kind, _, _ in EXPORTERS)
        raise InputError(
            str(src / "config.json"), "", f"not a checkpoint this command can export (known kinds: {known}; "
            "an HF folder needs config.json and model.safetensors or its index)"
        )
    partial = dst.with_name(dst.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    export(src, partial, options)
    if dst.exists():
        shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
    partial.rename(dst)
    return dst


def _run(args: argparse.Namespace) -> int:
    options = ExportOptions(dtype=args.dtype, max_shard_size=args.max_shard_size, progress=not args.quiet)
    print(export_checkpoint(args.checkpoint, args.out, options, overwrite=args.force))
    return 0
