"""`inftool eval`: score model answers. Verbs: `bfcl` (BFCL AST checker), `bfcl-demo` (demo predictions), `synthetic` (held-out episodes)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="evaluate model answers (BFCL-compatible checker)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    _register_bfcl(verbs)
    _register_bfcl_demo(verbs)
    _register_synthetic(verbs)


def _register_bfcl(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser(
        "bfcl",
        help="check BFCL result files with BFCL's AST semantics",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Finds BFCL_v4_<category>_result.json files under --results (recursive; JSON Lines of\n"
            '{"id", "result"}, result in Python call syntax, Hermes <tool_call> text or a decoded list),\n'
            "checks each entry against BFCL's possible answers, prints a per-category table and the BFCL\n"
            'overall formula over the categories present, and writes {"category","id","valid","error_type"}\n'
            "lines to --out. Model text is never run: arithmetic such as a=2*3, which the official\n"
            "decoder evaluates, is a decode failure here (the one deliberate difference).\n\n"
            "Example: inftool eval bfcl --results demo_results --out verdicts.jsonl --categories simple_python,parallel"
        ),
    )
    p.add_argument("--results", required=True, help="folder holding BFCL result files (searched recursively)")
    p.add_argument("--bfcl-dir", help="BFCL data folder (default: the installed bfcl_eval package's data)")
    p.add_argument("--categories", help="comma-separated categories to check (default: all found)")
    p.add_argument(
        "--matching",
        choices=["greedy", "optimal"],
        default="greedy",
        help="parallel call matching: greedy = exactly BFCL's (default), optimal = bipartite (accepts correct answers greedy rejects)",
    )
    p.add_argument("--out", required=True, help="where to write one verdict per entry (JSON Lines)")
    p.set_defaults(func=_bfcl)


def _categories(arg: str | None) -> list[str] | None:
    if not arg:
        return None
    return [c.strip() for c in arg.split(",") if c.strip()]


def _bfcl(args: argparse.Namespace) -> int:
    from inftool_jax.evaluate import bfcl_runner

    verdicts, scores = bfcl_runner.run(
        args.results, args.bfcl_dir, _categories(args.categories), args.matching, progress=True
    )
    bfcl_runner.write_verdicts(verdicts, args.out)
    print(bfcl_runner.format_table(scores))
    print(f"wrote {len(verdicts)} verdicts to {args.out}")
    return 0


def _register_bfcl_demo(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser(
        "bfcl-demo",
        help="write demo BFCL result files (ground truth with deliberate mistakes)",
        description=(
            "Writes <out>/demo-model/BFCL_v4_<category>_result.json built from BFCL's possible answers,\n"
            "a seeded share of them with one deliberate mistake, for trying `inftool eval bfcl`.\n\n"
            "Example: inftool eval bfcl-demo --out demo_results --limit 50"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, help="folder to write the result files into")
    p.add_argument("--bfcl-dir", help="BFCL data folder (default: the installed bfcl_eval package's data)")
    p.add_argument("--categories", help="comma-separated categories (default: all supported)")
    p.add_argument("--mistake-rate", type=float, default=0.2, help="share of entries given a mistake (default 0.2)")
    p.add_argument("--limit", type=int, help="at most this many entries per category")
    p.add_argument("--seed", type=int, default=0, help="seed for choosing mistakes")
    p.set_defaults(func=_bfcl_demo)


def _bfcl_demo(args: argparse.Namespace) -> int:
    from inftool_jax.errors import InputError
    from inftool_jax.evaluate import bfcl_data, bfcl_demo

    if not 0.0 <= args.mistake_rate <= 1.0:
        raise InputError("<command line>", "--mistake-rate", "must be between 0 and 1")
    cats = [bfcl_data.check_category(c) for c in _categories(args.categories) or bfcl_data.CATEGORIES]
    paths = bfcl_demo.write_demo(args.out, cats, args.bfcl_dir, args.mistake_rate, args.seed, args.limit)
    for path in paths:
        print(path)
    return 0


def _register_synthetic(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser(
        "synthetic",
        help="greedy generation on held-out synthesized episodes, scored by the checker and the gated reward",
        description=(
            "Every ground-truth assistant turn of the held-out episodes is given its true prefix and answered\n"
            "greedily by the model. Scores: exact match by the BFCL checker (accuracy) and the gated reward\n"
            "(execution-scored turns run against the re-created tool world). Writes RESULT.json (accuracy,\n"
            "reward_mean, per-category and per-gate figures, per-turn rows), RESULT.md and RESULT.png next\n"
            "to it, and prints a table.\n\n"
            "Example: inftool eval synthetic --config configs/cpu_tiny.yaml --model runs/grpo --data runs/heldout \\\n"
            "             --out runs/eval/grpo.json --limit 100"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="YAML experiment config (specs for the tool world, mesh, reward; default: built-in defaults)")
    p.add_argument("--model", required=True, help="HF model folder (an `inftool train` OUT_DIR works too)")
    p.add_argument("--data", required=True, help="folder of held-out episodes-*.jsonl shards")
    p.add_argument("--out", required=True, help="RESULT.json path (report .md and chart .png are written next to it)")
    p.add_argument("--limit", type=int, help="evaluate only the first N episodes")
    p.add_argument("--max-new-tokens", type=int, default=256, help="longest answer generated per turn (default 256)")
    p.add_argument("overrides", nargs="*", help="key.sub=value config overrides")
    p.set_defaults(func=_synthetic)


def _synthetic(args: argparse.Namespace) -> int:
    from inftool_jax.config import load_config
    from inftool_jax.errors import InputError
    from inftool_jax.evaluate.synthetic_eval import run_synthetic_eval
    from inftool_jax.evaluate.synthetic_report import format_table

    if args.limit is not None and args.limit < 1:
        raise InputError("<command line>", "--limit", "must be >= 1")
    if args.max_new_tokens < 1:
        raise InputError("<command line>", "--max-new-tokens", "must be >= 1")
    config = load_config(args.config, args.overrides)
    result = run_synthetic_eval(config, args.model, args.data, args.out, args.limit, args.max_new_tokens)
    print(format_table(result))
    print(f"accuracy {result['accuracy']:.3f}, reward_mean {result['reward_mean']:.3f}; wrote {args.out}")
    return 0
