"""The ``inftool`` entry point.

Each subcommand lives in its own module under ``inftool_jax/commands/`` and
exposes ``register(subparsers)``, which adds its parser and sets ``func``; :data:`COMMANDS`
lists them as one :class:`~inftool_jax.registry.Registry`.
Command modules import only argparse-level things at import time, so
``inftool --help`` stays fast and never imports jax.
"""

from __future__ import annotations

import argparse
import sys

from inftool_jax import __version__
from inftool_jax.errors import InputError
from inftool_jax.registry import Registry

COMMANDS: Registry = Registry("command", "COMMAND")
for _name in ("specs", "init_model", "synth", "serve", "train", "eval", "export", "loop", "config", "plan", "import_gguf"):
    COMMANDS.lazy(_name, f"inftool_jax.commands.{_name}:register")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inftool",
        description="Closed-loop tool-use training in JAX: synthesize, train, evaluate, repeat.",
    )
    parser.add_argument("--version", action="version", version=f"inftool_jax {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS.names():
        COMMANDS.get(name)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except InputError as err:
        print(f"inftool: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inftool: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
