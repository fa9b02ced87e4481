"""SFT orchestration: tokenized episodes → bucketed batches → the shared Trainer → an HF folder.

``OUT_DIR`` after a run::

    config.json, model*.safetensors, generation_config.json, tokenizer files   the final model (HF layout)
    checkpoints/<step>/            orbax TrainState + loader position (resume with --resume)
    checkpoints/model_config.json  the architecture, so a checkpoint exports on its own (`inftool export`)
    checkpoints/tokenizer/         the tokenizer files, for the same reason
    metrics.jsonl, tensorboard/    loss, held-out loss, token accuracy, grad norm, lr, tokens/s, MFU
    train_summary.json             initial and final held-out loss, steps, throughput
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from inftool_jax.errors import InputError
from inftool_jax.model.chat_template import TOOL_CALL_START
from inftool_jax.sft.config import SFTConfig
from inftool_jax.train.config import TrainConfig

CHECKPOINTS = "checkpoints"
MODEL_CONFIG = "model_config.json"
TOKENIZER = "tokenizer"


def check_out_dir(out_dir: Path, resume: bool, force: bool) -> None:
    """Refuse to mix runs: a non-empty OUT_DIR needs --resume (continue it) or --force (replace it)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "", "the output path exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (resume or force):
        raise InputError(str(out_dir), "", "output folder exists and is not empty (pass --resume to continue it or --force to replace it)")


def prepare_out_dir(out_dir: Path, resume: bool, force: bool) -> None:
    """Create OUT_DIR (emptied first with ``force``), after :func:`check_out_dir`."""
    check_out_dir(out_dir, resume, force)
    if force and not resume and out_dir.is_dir():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def write_export_info(out_dir: Path, model, model_dir: Path) -> None:
    """Keep the architecture and tokenizer next to the checkpoints so they export without the source folder."""
    from inftool_jax.model.hf_checkpoint import copy_tokenizer_files

    folder = out_dir / CHECKPOINTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_CONFIG).write_text(json.dumps(model.hf_config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (folder / TOKENIZER).mkdir(exist_ok=True)
    copy_tokenizer_files(model_dir, folder / TOKENIZER)


def assistant_turns(loss_mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` token ranges of the assistant turns of one row: the runs of ``loss_mask == 1``."""
    edges = np.diff(np.concatenate([[0], (np.asarray(loss_mask) > 0).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def call_turn_figures(input_ids: np.ndarray, loss_mask: np.ndarray, correct: np.ndarray, call_token_id: int) -> np.ndarray:
    """``[call turns, call turns all argmax-right, call-turn tokens, of them right]`` of one batch.

    ``correct[b, t]`` says whether the argmax at ``t`` predicts ``input_ids[b, t + 1]``. A call turn
    (one starting with ``call_token_id``) that is right at every token is what greedy decoding
    would write given the same prompt, so the second figure is held-out exact match on call turns
    without generating.
    """
    out = np.zeros(4, np.int64)
    for row in range(input_ids.shape[0]):
        for start, end in assistant_turns(loss_mask[row]):
            if start == 0 or input_ids[row, start] != call_token_id:
                continue
            right = correct[row, start - 1 : end - 1]
            out += (1, int(right.all()), len(right), int(right.sum()))
    return out


def heldout_evaluator(trainer, data, rows: int, pad_id: int, bucket_multiple: int, call_token_id: int | None = None):
    """A function returning the held-out figures of the current params on ``data``.

    ``heldout_loss`` and ``heldout_token_accuracy`` over assistant tokens; with ``call_token_id``
    (the id of ``<tool_call>``) also ``heldout_call_token_accuracy`` and ``heldout_call_turn_exact``
    (see :func:`call_turn_figures`): copying names and values from the prompt shows there first.
    """
    import jax

    from inftool_jax.sft.loss_fn import masked_sums, next_token_hits, next_token_nll
    from inftool_jax.train.data import collate, global_batch

    if len(data) == 0:
        return None
    order = np.argsort(data.lengths(), kind="stable")  # similar lengths together: less padding
    batches = []
    for start in range(0, len(order), rows):
        idx = order[start : start + rows]
        batch = collate(data, idx, bucket_multiple, pad_id)
        if len(idx) < rows:  # pad with empty rows so every batch splits over the mesh
            batch = {k: np.concatenate([v, np.zeros((rows - len(idx), v.shape[1]), v.dtype)]) for k, v in batch.items()}
            batch["attention_mask"][len(idx):, 0] = 1  # a fully masked row would attend to nothing
        batches.append(batch)

    @jax.jit
    def sums(params, batch):
        model = trainer.model_def.merge(params)
        logits = model(batch["input_ids"], batch["attention_mask"])
        hits = next_token_hits(logits, batch["input_ids"])  # once: the counts and the call-turn figures share it
        return masked_sums(next_token_nll(logits, batch["input_ids"]), hits, batch["loss_mask"]), hits

    def evaluate() -> dict[str, float]:
        total, calls = np.zeros(3), np.zeros(4, np.int64)
        for batch in batches:
            figures, correct = jax.device_get(sums(trainer.state.params, global_batch(batch, trainer.mesh)))
            total += np.asarray(figures, np.float64)
            if call_token_id is not None:
                calls += call_turn_figures(batch["input_ids"], batch["loss_mask"], np.asarray(correct), call_token_id)
        out = {"heldout_loss": float(total[0] / total[1]), "heldout_token_accuracy": float(total[2] / total[1])}
        if calls[0]:
            out["heldout_call_token_accuracy"] = float(calls[3] / calls[2])
            out["heldout_call_turn_exact"] = float(calls[1] / calls[0])
        return out

    return evaluate


def run_sft(
    config: Any,
    model_dir: str | Path,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    *,
    train: TrainConfig | None = None,
    sft: SFTConfig | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune ``model_dir`` on the episodes in ``data_dir``; writes OUT_DIR (see the module docstring).

    ``config`` is the experiment config (mesh, model dtypes, seed); ``train`` / ``sft`` default to
    its ``train`` / ``sft`` sections. Returns the summary also written to ``train_summary.json``.
    """
    import jax

    from inftool_jax.model.pretrained import load_pretrained, save_pretrained
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.sft.loss_fn import sft_loss
    from inftool_jax.train.data import BatchLoader, heldout_split, tokenize_folder
    from inftool_jax.train.loop import Trainer, check_batch_layout

    sft = sft or getattr(config, "sft", None) or SFTConfig()
    if train is None:  # the shared train: section with the sft: section's schedule
        train = TrainConfig.for_stage(config.train, sft) if getattr(config, "train", None) is not None else TrainConfig()
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    seed = train.seed if train.seed >= 0 else int(config.seed)
    check_out_dir(out_dir, resume, force)
    mesh = make_mesh(config.mesh)
    check_batch_layout(train, mesh)
    tokenizer = load_tokenizer(model_dir)
    data = tokenize_folder(data_dir, tokenizer, train.max_length, train.overlong, progress=progress)
    train_idx, held_idx = heldout_split(len(data), sft.heldout_episodes, seed)
    train_data, held_data = data.subset(train_idx), data.subset(held_idx)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    loader = BatchLoader(train_data, train.batch_size, seed, train.bucket_multiple, train.bucket_window, pad_id)
    total_steps = train.max_steps or train.epochs * loader.batches_per_epoch

    prepare_out_dir(out_dir, resume, force)
    model = load_pretrained(model_dir, dtype=config.model.compute_dtype, param_dtype=config.model.param_dtype, mesh=mesh, progress=progress,
                            remat=config.model.remat, scan_layers=config.model.scan_layers)
    if jax.process_index() == 0:
        write_export_info(out_dir, model, model_dir)
    loss_fn = functools.partial(sft_loss, prompt_loss_weight=sft.prompt_loss_weight)  # 0: assistant tokens only
    trainer = Trainer(train, model, loss_fn, mesh, out_dir, total_steps=total_steps, seed=seed, progress=progress)
    del model  # the trainer holds the (donated) parameters from here on
    try:
        extra = trainer.resume() if resume else None
        if extra is not None:
            loader.restore(extra["loader"])
        call_id = tokenizer.convert_tokens_to_ids(TOOL_CALL_START) if TOOL_CALL_START in tokenizer.get_vocab() else None
        evaluate = heldout_evaluator(trainer, held_data, train.batch_size // train.micro_batches, pad_id, train.bucket_multiple, call_id)
        initial = None
        if evaluate is not None and trainer.step_count == 0:
            initial = evaluate()
            trainer.logger.log(0, initial)
        last = trainer.fit(loader, evaluate, sft.eval_every or total_steps)
        final_model = trainer.model()
        # Every process calls it: a multi-host save gathers across processes, process 0 writes.
        save_pretrained(final_model, out_dir, dtype=config.model.param_dtype, tokenizer_dir=model_dir, progress=progress)
    finally:
        trainer.close()
    summary = {
        "stage": "sft",
        "steps": trainer.step_count,
        "train_episodes": len(train_data),
        "heldout_episodes": len(held_data),
        "dropped_overlong": data.dropped_overlong,
        "dropped_no_target": data.dropped_no_target,
        "initial_heldout_loss": initial["heldout_loss"] if initial else None,
        "initial_heldout_token_accuracy": initial["heldout_token_accuracy"] if initial else None,
        "final_heldout_loss": last.get("heldout_loss"),
        "final_heldout_token_accuracy": last.get("heldout_token_accuracy"),
        "initial_heldout_call_token_accuracy": initial.get("heldout_call_token_accuracy") if initial else None,
        "initial_heldout_call_turn_exact": initial.get("heldout_call_turn_exact") if initial else None,
        "final_heldout_call_token_accuracy": last.get("heldout_call_token_accuracy"),
        "final_heldout_call_turn_exact": last.get("heldout_call_turn_exact"),
        "final_train_loss": last.get("loss"),
        "tokens_per_s": last.get("tokens_per_s"),
        "mfu": last.get("mfu"),
        "model_dir": str(model_dir.resolve()),
        "data_dir": str(Path(data_dir).resolve()),
    }
    if jax.process_index() == 0:
        (out_dir / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
