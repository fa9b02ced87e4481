"""`inftool loop`: the closed loop (evaluate, find the gaps, synthesize for them, train, repeat), and its report."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Run the closed loop on the config's catalog and model (the tiny default when model.path is empty):
iteration 0 makes the model, a held-out set (its own seed, never trained on) and the first training set,
then SFT and a held-out evaluation; each later iteration probes the policy, analyses its errors, plans
and synthesizes data for them (loop.targeting=gaps) or fresh data of the same budget (static), trains
(loop.train_stages) and evaluates again. Every stage is a folder of RUN_DIR; loop.jsonl has one line per
finished iteration; report.md and its plots are written at the end.

  inftool loop --config configs/cpu_tiny.yaml --out runs/loop
  inftool loop --config configs/cpu_tiny.yaml --out runs/loop --resume      # after a crash or kill -9
  inftool loop --config configs/cpu_tiny.yaml --out runs/static loop.targeting=static
  inftool loop --config configs/cpu_tiny.yaml --out runs/unseen loop.unseen_domains=[tasks]   # + tools never trained on
  inftool loop report runs/loop --against runs/static
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("loop", help="the closed loop: probe, plan, synthesize, train, evaluate, repeat",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML experiment config (default: built-in defaults)")
    parser.add_argument("--out", help="the run folder (RUN_DIR)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last finished stage")
    parser.add_argument("--against", help="with `report`: another run folder to draw beside this one")
    parser.add_argument("--quiet", action="store_true", help="no progress bars (the one-line stage summaries stay)")
    parser.add_argument("overrides", nargs="*", help="key.sub=value config overrides; or `report RUN_DIR`")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from inftool_jax.errors import InputError

    if args.overrides[:1] == ["report"]:
        if len(args.overrides) != 2:
            raise InputError("<command line>", "report", "usage: inftool loop report RUN_DIR [--against OTHER_RUN]")
        from inftool_jax.loop.report import write_report

        print(write_report(args.overrides[1], args.against))
        return 0
    if not args.out:
        raise InputError("<command line>", "--out", "the run folder is required")
    from inftool_jax.config import load_config
    from inftool_jax.loop.report import summary_table, write_report
    from inftool_jax.loop.runner import LoopRunner

    config = load_config(args.config, args.overrides)
    from inftool_jax.model.distributed import initialize_from_config

    initialize_from_config(config.distributed)  # multi-host: every process runs the same command
    runner = LoopRunner(config, args.out, resume=args.resume, progress=not args.quiet)
    rows = runner.run()
    print(summary_table(rows))  # unseen-domain columns when loop.unseen_domains is set
    print(write_report(runner.root))
    return 0
