"""Load a model folder's tokenizer through transformers, from disk only, with a chat template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inftool_jax.errors import InputError

# Files any transformers tokenizer folder has at least one of.
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model")


def load_tokenizer(model_dir: str | Path) -> Any:
    """The tokenizer of a local HF model folder (never a hub download).

    Raises :class:`InputError` naming the folder or file when the folder is
    missing, holds no tokenizer files, cannot be read by transformers, or the
    tokenizer has no chat template (``chat_template.jinja`` or the
    ``chat_template`` key of ``tokenizer_config.json``).
    """
    folder = Path(model_dir)
    if not folder.is_dir():
        raise InputError(str(folder), "", "model folder not found")
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise InputError(
            str(folder / "tokenizer.json"), "", "no tokenizer files in the model folder (tokenizer.json / tokenizer_config.json)"
        )

    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    try:
        if _generic_fast_tokenizer(folder):
            # transformers 5 maps config.json's model_type (qwen2) to Qwen2Tokenizer, which rebuilds Qwen's own
            # pre-tokenizer and ignores the one in tokenizer.json; a folder that names the generic class (the tiny
            # model's) must be read exactly as written, or its words split differently than they were trained.
            tokenizer = PreTrainedTokenizerFast.from_pretrained(str(folder), local_files_only=True)
        else:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except InputError:
        raise
    except Exception as err:  # transformers raises many types; the user needs one line
        raise InputError(str(folder), "", f"cannot load the tokenizer: {type(err).__name__}: {err}"[:500]) from None

    if not getattr(tokenizer, "chat_template", None):
        raise InputError(
            str(folder / "tokenizer_config.json"),
            "chat_template",
            "the tokenizer has no chat template (add chat_template.jinja to the folder or a "
            "'chat_template' key to tokenizer_config.json)",
        )
    return tokenizer


def _generic_fast_tokenizer(folder: Path) -> bool:
    """Whether the folder's tokenizer_config.json names the generic tokenizers-backed class and a tokenizer.json exists."""
    config_path = folder / "tokenizer_config.json"
    if not (folder / "tokenizer.json").is_file() or not config_path.is_file():
        return False
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # AutoTokenizer reports the broken file
    return isinstance(config, dict) and config.get("tokenizer_class") in ("PreTrainedTokenizerFast", "TokenizersBackend")


def save_tokenizer(tokenizer: Any, folder: str | Path) -> None:
    """Write the tokenizer files into ``folder`` in a form older transformers, vLLM and SGLang read too.

    transformers 5 names a plain ``tokenizers``-backed tokenizer
    ``TokenizersBackend`` and lists extra special tokens as
    ``extra_special_tokens``; 4.x only knows ``PreTrainedTokenizerFast`` and
    ``additional_special_tokens``, which 5 still accepts, so those are written.
    """
    folder = Path(folder)
    tokenizer.save_pretrained(str(folder))
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("tokenizer_class") == "TokenizersBackend":
        config["tokenizer_class"] = "PreTrainedTokenizerFast"
    extra = config.get("extra_special_tokens")
    if isinstance(extra, list):
        config["additional_special_tokens"] = config.pop("extra_special_tokens")
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
