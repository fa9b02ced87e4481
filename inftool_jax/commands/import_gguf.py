"""`inftool import-gguf`: a GGUF model file (llama.cpp's format) as a Hugging Face folder."""

from __future__ import annotations

import argparse
import json

DESCRIPTION = """\
Convert a GGUF model file into a Hugging Face model folder: config.json from the GGUF metadata,
model.safetensors (quantized blocks such as Q4_1, Q8_0 or Q4_K dequantized; llama's q/k rows put
back in HF order), tokenizer.json rebuilt from the GGUF vocabulary and merges (byte-level BPE
with the pre-tokenizer the file names), tokenizer_config.json and the chat template. The folder
loads with model.path=DIR everywhere in inftool, and with transformers.

Architectures: llama (Llama 2/3, SmolLM), qwen2 (Qwen2/2.5), qwen3. Nothing is downloaded.

--chat-template gguf keeps the file's own template; tools-compact / tools-full replace it with
the project's ChatML template with a tools section (one signature line per tool / the full JSON
schemas; calls written as <tool_call> JSON) and the model's own default system prompt, for
models whose template ignores tools (SmolLM2-Instruct's).

Example: inftool import-gguf SmolLM2-135M-Instruct.Q4_1.gguf --out runs/smollm2 --chat-template tools-compact
"""


# The model modules' DTYPES and CHAT_TEMPLATE_MODES, repeated so `inftool --help` imports no numpy (a test keeps them equal).
DTYPES = ("float32", "bfloat16")
CHAT_TEMPLATE_MODES = ("gguf", "tools-compact", "tools-full")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import-gguf",
        help="convert a GGUF model file into a Hugging Face folder (safetensors + tokenizer + chat template)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the .gguf file")
    parser.add_argument("--out", required=True, help="output HF folder")
    parser.add_argument("--dtype", choices=DTYPES, default="float32", help="tensor dtype to write (default: float32)")
    parser.add_argument("--chat-template", choices=CHAT_TEMPLATE_MODES, default="gguf", help="chat template to write (default: gguf)")
    parser.add_argument("--max-shard-size", default="5GB", help="split safetensors above this size (default: 5GB)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists and is not empty")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from inftool_jax.errors import InputError
    from inftool_jax.model.gguf_import import import_gguf
    from inftool_jax.model.hf_checkpoint import parse_size

    try:
        parse_size(args.max_shard_size)
    except ValueError:
        raise InputError("<command line>", "--max-shard-size", f"not a size like 5GB or 200MB: {args.max_shard_size!r}") from None
    summary = import_gguf(
        args.file, args.out, dtype=args.dtype, chat_template=args.chat_template,
        max_shard_size=args.max_shard_size, overwrite=args.force,
    )
    print(json.dumps(summary, indent=2))
    return 0
