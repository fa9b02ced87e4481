"""`inftool synth`: synthesize verified tool-use episodes from the catalog into a resumable dataset."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Plan blueprints from the tool catalog, role-play them (user simulator, assistant,
stateful tool simulator), verify every episode (schema, grounding, plan match,
near-duplicates) and append the kept ones to JSONL shards in --out. Rejected
episodes go to rejected-*.jsonl with their reasons; manifest.json holds the
per-category counts, the rejections per gate, a diversity summary and the config.
Interrupted runs (even kill -9) continue with --resume and end with exactly N
kept episodes. Backends that call an endpoint (openai) role-play as many
episodes at once as their concurrency limit allows (synth.openai.max_concurrency);
results are still written in blueprint order, so the dataset does not depend on it.
At the end a second table gives the backend clients' counters (requests, retries,
failures by kind, requests in flight, latency).

Example:
  inftool synth --config configs/cpu_tiny.yaml --out runs/synth0 --num 2000 --seed 1 \\
      synth.categories.no_call=2 synth.difficulty.long_list_prob=0.2
  inftool synth --config configs/cpu_tiny.yaml --out runs/synth1 --num 500 \\
      synth.backends.assistant=openai synth.openai.base_url=http://127.0.0.1:30000/v1 \\
      synth.openai.max_concurrency=32
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "synth",
        help="synthesize verified tool-use episodes (JSONL shards + manifest)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="YAML experiment config with a synth: section (default: built-in defaults)")
    parser.add_argument("--out", required=True, help="output folder for episodes-*.jsonl, rejected-*.jsonl, manifest.json")
    parser.add_argument("--num", type=int, help="kept episodes to produce (default: synth.num_episodes)")
    parser.add_argument("--seed", type=int, help="run seed (default: synth.seed, or the config's seed when that is -1)")
    parser.add_argument("--resume", action="store_true", help="continue the run already in --out")
    parser.add_argument("--workers", type=int, help="episodes role-played at once (default: 1 for the programmatic "
                        "backends, synth.openai.max_concurrency for openai ones)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("overrides", nargs="*", help="key.sub=value config overrides (e.g. synth.shard_size=500)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import sys

    from tqdm import tqdm

    from inftool_jax.errors import InputError
    from inftool_jax.synth.pipeline import MANIFEST, Synthesis
    from inftool_jax.synth.run_stats import backend_table
    from inftool_jax.commands.synth_settings import load_synth_settings
    from inftool_jax.tools.catalog import load_catalog

    settings = load_synth_settings(args.config, args.overrides)
    synth = settings.synth
    num = args.num if args.num is not None else synth.num_episodes
    if num < 1:
        raise InputError("<command line>", "--num", "must be >= 1")
    seed = args.seed if args.seed is not None else (synth.seed if synth.seed >= 0 else settings.seed)
    if args.workers is not None and args.workers < 1:
        raise InputError("<command line>", "--workers", "must be >= 1")
    catalog = load_catalog(settings.spec_paths, warn=lambda line: print(f"inftool: warning: {line}", file=sys.stderr),
                           **settings.catalog_options)
    run = Synthesis(catalog.tools, synth, seed, args.out, settings.source, workers=args.workers)
    for category, why in run.planner.dropped_categories.items():
        print(f"inftool: warning: synth.categories.{category}: left out of the mix: {why}", file=sys.stderr)
    try:
        run.open(args.resume)
    except BaseException:
        run.close()
        raise
    bar = tqdm(total=num, initial=min(run.kept.count, num), unit="ep", desc="synth", disable=args.quiet, file=sys.stderr)
    try:
        manifest = run.run(num, progress=bar.update)
    finally:
        bar.close()
    print(run.stats.table())
    clients = backend_table(manifest["backends_this_session"])
    if clients:
        print(clients)
    div = manifest["diversity"]
    rate = (manifest["planned"] / run.elapsed) if run.elapsed > 0 else 0.0
    print(
        f"kept {manifest['kept']}/{num} episodes; {div['distinct_tools_used']}/{div['catalog_tools']} tools used, "
        f"{div['distinct_argument_values']} distinct argument values, near-duplicate rate {div['near_duplicate_rate']:.3f}"
    )
    print(f"{rate:.0f} blueprints/s this session ({run.workers} worker{'s' if run.workers > 1 else ''}); manifest: {run.out / MANIFEST}")
    if not manifest["complete"]:
        print(f"inftool: warning: stopped after {run.next_index} blueprints without reaching {num} kept episodes", file=sys.stderr)
        return 1
    return 0
