"""`inftool eval`: score model answers. Verbs: `bfcl` (generate + BFCL checker, single- and multi-turn), `bfcl-demo` (demo predictions), `synthetic` (held-out episodes)."""

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
        help="generate BFCL answers with a model (optional) and score BFCL result files as BFCL does",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Scores BFCL_v4_<category>_result.json files under --results (recursive; JSON Lines of\n"
            '{"id", "result"}): single-turn categories with BFCL\'s AST checker (result in Python call syntax,\n'
            "Hermes <tool_call> text or a decoded list), multi-turn categories by executing every step against\n"
            "BFCL's backend classes (result: per turn, per step, model text). Prints a per-category table, the\n"
            "BFCL group scores and overall over the groups run (and which groups are missing), and writes\n"
            '{"category","id","valid","error_type"} lines to --out. Model text is never run: arithmetic such as\n'
            "a=2*3, which the official decoder evaluates, is a decode failure here.\n\n"
            "With --model (or --endpoint), first generates the missing entries into --results (resumable), in\n"
            "BFCL's layout: `bfcl evaluate` rescores the folder when it sits at <result-dir>/<model-name>/.\n"
            "--mode prompt: BFCL's system prompt lists the functions, the model answers in Python call syntax\n"
            "(how BFCL runs prompting models); --mode fc: the chat template gets the functions as tools.\n\n"
            "Examples:\n"
            "  inftool eval bfcl --results demo_results --out verdicts.jsonl --categories simple_python,parallel\n"
            "  inftool eval bfcl --model runs/sft --results runs/bfcl/sft --out runs/bfcl/sft.jsonl \\\n"
            "      --categories simple_python,multi_turn_base --limit 20"
        ),
    )
    p.add_argument("--results", required=True, help="folder holding BFCL result files (searched recursively; written with --model)")
    p.add_argument("--bfcl-dir", help="BFCL data folder (default: the installed bfcl_eval package's data)")
    p.add_argument("--categories", help="comma-separated categories (default: all found; with --model: all supported)")
    p.add_argument(
        "--matching",
        choices=["greedy", "optimal"],
        default="greedy",
        help="parallel call matching: greedy = exactly BFCL's (default), optimal = bipartite (accepts correct answers greedy rejects)",
    )
    p.add_argument("--out", required=True, help="where to write one verdict per entry (JSON Lines)")
    gen = p.add_argument_group("generation (with --model or --endpoint)")
    gen.add_argument("--model", help="HF model folder to generate answers with (in-JAX sampler, greedy, batched)")
    gen.add_argument("--endpoint", help="OpenAI-compatible base URL to generate with instead (e.g. http://127.0.0.1:30000/v1)")
    gen.add_argument("--endpoint-model", default="default", help="model name sent to --endpoint (default 'default')")
    gen.add_argument("--mode", choices=["prompt", "fc"], default="prompt", help="prompt: BFCL's system prompt (default); fc: tools in the chat template")
    gen.add_argument("--limit", type=int, help="generate only the first N entries of each category")
    gen.add_argument("--max-new-tokens", type=int, default=256, help="longest answer per model query (default 256)")
    gen.add_argument("--batch-size", type=int, default=16, help="prompts per sampler batch / concurrent endpoint requests (default 16)")
    gen.add_argument("--max-context", type=int, help="longest prompt + answer in tokens (default: the model's max_position_embeddings)")
    p.set_defaults(func=_bfcl)


def _categories(arg: str | None) -> list[str] | None:
    if not arg:
        return None
    return [c.strip() for c in arg.split(",") if c.strip()]


def _bfcl(args: argparse.Namespace) -> int:
    from inftool_jax.errors import InputError
    from inftool_jax.evaluate import bfcl_runner

    if args.model and args.endpoint:
        raise InputError("<command line>", "--model/--endpoint", "give one of them, not both")
    if args.model or args.endpoint:
        _generate(args)
    elif args.limit is not None:
        raise InputError("<command line>", "--limit", "only applies when generating (--model or --endpoint)")
    verdicts, scores = bfcl_runner.run(
        args.results, args.bfcl_dir, _categories(args.categories), args.matching, progress=True
    )
    bfcl_runner.write_verdicts(verdicts, args.out)
    print(bfcl_runner.format_table(scores))
    print(f"wrote {len(verdicts)} verdicts to {args.out}")
    return 0


def _generate(args: argparse.Namespace) -> None:
    from inftool_jax.errors import InputError
    from inftool_jax.evaluate import bfcl_data
    from inftool_jax.evaluate.bfcl_completers import EndpointCompleter, SamplerCompleter, describe_stats
    from inftool_jax.evaluate.bfcl_run import generate_all

    if args.max_new_tokens < 1 or args.batch_size < 1:
        raise InputError("<command line>", "--max-new-tokens/--batch-size", "must be >= 1")
    cats = [bfcl_data.check_category(c) for c in _categories(args.categories) or bfcl_data.ALL_CATEGORIES]
    if args.model:
        completer = SamplerCompleter(args.model, args.max_new_tokens, args.batch_size, args.max_context)
    else:
        completer = EndpointCompleter(args.endpoint, args.endpoint_model, args.max_new_tokens, args.batch_size)
    try:
        runs = generate_all(completer, cats, args.results, args.mode, args.limit, args.bfcl_dir, progress=True)
    finally:
        if hasattr(completer, "close"):
            completer.close()
    for run in runs.values():
        print(f"generated {run['generated']:>4} {run['category']:<24} ({run['already_done']} already there) "
              f"in {run['seconds']:.1f}s, {run['entries_per_s']:.2f} entries/s, {run['model_queries']} model queries")
    print(f"model: {describe_stats(completer.stats)}")


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
    p.add_argument("--config", help="YAML experiment config (specs for the tool world, mesh, reward; default: built-in defaults, "
                   "with the tools the episodes carry)")
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
    # Without a config the episodes' own tools make the tool world (no specs/ folder needed).
    result = run_synthetic_eval(config, args.model, args.data, args.out, args.limit, args.max_new_tokens,
                                tools_from_config=args.config is not None)
    print(format_table(result))
    print(f"accuracy {result['accuracy']:.3f}, reward_mean {result['reward_mean']:.3f}; wrote {args.out}")
    return 0
