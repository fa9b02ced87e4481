"""The ``inftool`` entry point.

Each subcommand lives in its own module under ``inftool_jax/commands/`` and
exposes ``register(subparsers)``, which adds its parser and sets ``func``.
Command modules import only argparse-level things at import time, so
``inftool --help`` stays fast and never imports jax.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from inftool_jax import __version__
from inftool_jax.errors import InputError


def _command_modules():
    import inftool_jax.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"inftool_jax.commands.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inftool",
        description="Closed-loop tool-use training in JAX: synthesize, train, evaluate, repeat.",
    )
    parser.add_argument("--version", action="version", version=f"inftool_jax {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.register(sub)
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
