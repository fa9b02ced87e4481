"""`inftool config show`: print a config after overrides, as the stages will see it."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show a resolved experiment config")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    show = verbs.add_parser(
        "show",
        help="print the config (YAML) after key.sub=value overrides",
        description="Example: inftool config show --config configs/cpu_tiny.yaml seed=3 mesh.fsdp=8",
    )
    show.add_argument("--config", help="YAML config file (default: built-in defaults)")
    show.add_argument("overrides", nargs="*", help="key.sub=value overrides")
    show.set_defaults(func=_show)


def _show(args: argparse.Namespace) -> int:
    import yaml

    from inftool_jax.config import dump_config, load_config

    config = load_config(args.config, args.overrides)
    print(yaml.safe_dump(dump_config(config), sort_keys=False), end="")
    return 0
