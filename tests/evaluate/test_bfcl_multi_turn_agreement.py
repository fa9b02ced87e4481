"""Agreement with BFCL's official multi-turn checker over every entry of the four multi-turn categories.

For each entry (every 10th by default; all 800 in the slow test), the ground truth (in several step layouts) and the systematic corruptions of
tests/evaluate/multi_turn_corruptions.py are checked by our checker (dispatch by name, no eval)
and by the official one (decode_execute_prompting + multi_turn_checker, which evals). Verdicts
and error types must agree on every result; the figure is printed.
"""

import collections
import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bfcl_official_multi_turn as official  # noqa: E402
import multi_turn_corruptions  # noqa: E402

from inftool_jax.evaluate import bfcl_data  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_check import check_multi_turn  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_data import load_multi_turn  # noqa: E402

pytestmark = pytest.mark.skipif(
    bfcl_data.default_data_dir() is None or not official.available(), reason="bfcl_eval not importable"
)


def _compare(step: int) -> None:
    root = bfcl_data.default_data_dir()
    tally = collections.Counter()
    mismatches = []
    start = time.perf_counter()
    for category in bfcl_data.MULTI_TURN:
        raw = [json.loads(line) for line in (root / f"BFCL_v4_{category}.json").read_text().splitlines() if line.strip()]
        entries = list(load_multi_turn(category).values())
        assert len(entries) == len(raw) == 200
        for k, entry in enumerate(entries):
            if k % step:
                continue
            for name, result in multi_turn_corruptions.variants(entry):
                ours = check_multi_turn(entry, result)
                theirs = official.official_multi_turn_verdict(raw[k], entry.ground_truth, result)
                tally["results"] += 1
                tally["valid"] += theirs[0]
                tally[theirs[1] or "valid"] += 1
                if (ours.valid, ours.error_type) != theirs:
                    mismatches.append((entry.id, name, (ours.valid, ours.error_type), theirs))
    seconds = time.perf_counter() - start
    agree = tally["results"] - len(mismatches)
    print(f"\nmulti-turn agreement: {agree}/{tally['results']} results over {800 // step} entries ({seconds:.0f}s); {dict(tally)}")
    assert not mismatches, f"{len(mismatches)} of {tally['results']} differ, e.g. {mismatches[:5]}"
    # the suite reaches every verdict path
    for kind in ("valid", "multi_turn:empty_turn_model_response", "multi_turn:instance_state_mismatch",
                 "multi_turn:execution_response_mismatch", "multi_turn:force_terminated", "multi_turn:inference_error"):
        assert tally[kind] > 50 // step, kind


def test_multi_turn_verdicts_agree_on_every_tenth_entry():
    _compare(10)


@pytest.mark.slow
def test_multi_turn_verdicts_agree_with_the_official_checker_on_every_entry():
    _compare(1)  # about 70 s on one core
