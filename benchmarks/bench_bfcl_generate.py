"""BFCL generation throughput on a model folder: entries/s and seconds per category, then the scores.

    python benchmarks/bench_bfcl_generate.py --model runs/tiny-model --limit 10 \
        --categories simple_python,irrelevance,live_simple,multi_turn_base,multi_turn_miss_func

Without --model a tiny random model (the tests' size) is made in a temporary folder first. Every
run starts from an empty results folder so nothing is resumed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from inftool_jax.evaluate.bfcl_run import run_bfcl

SPECS = Path(__file__).resolve().parents[1] / "configs" / "specs"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model")
    p.add_argument("--categories", default="simple_python,irrelevance,live_simple,multi_turn_base,multi_turn_miss_func")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--mode", default="prompt", choices=["prompt", "fc"])
    p.add_argument("--max-new-tokens", type=int, default=32)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

            cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1,
                                  bpe_vocab_size=1024, examples_per_tool=1)
            model = init_tiny_model(Path(tmp) / "tiny", [SPECS], cfg, seed=0, progress=False)
        start = time.perf_counter()
        result = run_bfcl(model, args.categories.split(","), args.limit, Path(tmp) / "results", args.mode, False,
                          max_new_tokens=args.max_new_tokens)
        total = time.perf_counter() - start
    gen = result["generation"]
    entries = sum(g["generated"] for g in gen.values())
    seconds = sum(g["seconds"] for g in gen.values())
    for g in gen.values():
        print(f"{g['category']:<24} {g['generated']:>4} entries {g['seconds']:>7.2f}s {g['entries_per_s']:>7.2f} entries/s "
              f"{g['model_queries']:>5} queries")
    print(f"all: {entries} entries in {seconds:.1f}s of generation = {entries / seconds:.2f} entries/s "
          f"(run incl. loading and scoring {total:.1f}s); sampler {json.dumps(result['sampler'])}")
    print(f"overall {result['overall']}")


if __name__ == "__main__":
    main()
