"""The one set of sibling rules: which keys are ordered, and the order they are applied in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from random import Random

from inftool_jax.world.ordering import distinct_pairs, order_siblings, ordered_pairs, related_keys

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("departure_date", "arrival_date", "return_date", "start", "end", "finish", "min_bpm", "average_bpm", "mean_bpm", "max_bpm")


def test_pairs_follow_the_names():
    pairs = ordered_pairs(KEYS)
    assert ("departure_date", "arrival_date") in pairs and ("departure_date", "return_date") in pairs
    assert ("start", "end") in pairs and ("start", "finish") in pairs
    assert ("min_bpm", "average_bpm") in pairs and ("average_bpm", "max_bpm") in pairs
    assert distinct_pairs(("from_city", "to_city", "origin", "destination")) == [("from_city", "to_city"), ("origin", "destination")]
    assert related_keys(("check_in", "check_out", "note")) == {"check_in", "check_out"}


def test_pair_order_is_the_same_in_processes_with_different_string_hashing():
    # Random draws follow the pair order, so synthesis is only reproducible if the order is.
    code = f"from inftool_jax.world.ordering import ordered_pairs; print(ordered_pairs({KEYS!r}))"
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs


def test_a_chain_of_three_numbers_ends_sorted_and_frozen_keys_stay():
    for values in ({"max_bpm": 60, "average_bpm": 90, "min_bpm": 150}, {"min_bpm": 150, "average_bpm": 60, "max_bpm": 90}):
        out = dict(values)
        order_siblings(out, lambda key: {"type": "integer"}, Random(0))
        assert out["min_bpm"] <= out["average_bpm"] <= out["max_bpm"], out
        assert sorted(out.values()) == sorted(values.values())
    frozen = {"min_bpm": 150, "max_bpm": 60}
    order_siblings(frozen, lambda key: {"type": "integer"}, Random(0), frozen={"max_bpm"})
    assert frozen == {"min_bpm": 150, "max_bpm": 60}


def test_a_later_time_is_redrawn_only_where_its_schema_takes_it():
    out = {"start": "2026-05-02T10:00:00Z", "end": "2026-05-01T09:00:00Z"}
    order_siblings(out, lambda key: {"type": "string", "format": "date-time"}, Random(1))
    assert out["start"] < out["end"]
    kept = {"start": "2026-05-02", "end": "2026-05-01"}
    order_siblings(kept, lambda key: {"type": "string", "enum": ["2026-05-01", "2026-05-02"]}, Random(1))
    assert kept == {"start": "2026-05-02", "end": "2026-05-01"}
