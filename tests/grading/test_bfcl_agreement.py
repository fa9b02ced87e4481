"""Agreement with the official bfcl_eval checker, end to end (decode + check).

For every entry of the Python AST and relevance categories, the ground truth
written as an answer and a systematic corruption suite (tests/evaluate/
corruptions.py) must get the same verdict, valid or not, and the same BFCL
error type, from both checkers. The default run samples every 9th entry; the
full run is marked slow.

The one deliberate difference: the official decoder ``eval``s arithmetic
(the ``arithmetic`` corruption, ``x * 1``); ours never runs model text, so
those answers must be decode failures (``ast_decoder:decoder_failed``). They
are counted apart (and how many of them the official checker judges
differently), and every other answer must agree exactly.
"""

import collections
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bfcl_official  # noqa: E402
import corruptions  # noqa: E402

from inftool_jax.evaluate import bfcl_data
from inftool_jax.grading import bfcl_checker  # noqa: E402
from inftool_jax.grading.bfcl_decode import DECODE_FAILED  # noqa: E402

pytestmark = pytest.mark.skipif(
    not bfcl_official.available() or bfcl_data.default_data_dir() is None, reason="bfcl_eval not importable"
)


def _compare(step: int) -> collections.Counter:
    tally = collections.Counter()
    mismatches = []
    for category in bfcl_data.CATEGORIES:
        for k, entry in enumerate(bfcl_data.load_category(category).values()):
            if k % step:
                continue
            prepared = bfcl_checker.prepare(entry.ground_truth, entry.functions, category)
            for name, result in corruptions.variants(category, entry.functions, entry.ground_truth):
                try:
                    official = bfcl_official.official_verdict(category, result, entry.functions, entry.ground_truth)
                except Exception:  # the official checker crashes on a few malformed entries
                    tally["official_crashed"] += 1
                    continue
                ours = bfcl_checker.check_result(prepared, result)
                if name in corruptions.ARITHMETIC:
                    assert (ours.valid, ours.error_type) == (False, DECODE_FAILED), (category, entry.id, result)
                    tally["arithmetic"] += 1
                    tally["arithmetic_differs"] += official != (False, DECODE_FAILED)
                    continue
                tally["answers"] += 1
                tally["valid"] += official[0]
                if (ours.valid, ours.error_type) != official:
                    mismatches.append((category, entry.id, name, result, official, (ours.valid, ours.error_type)))
    assert not mismatches, f"{len(mismatches)} of {tally['answers']} differ, e.g. {mismatches[:3]}"
    return tally


def _report(tally: collections.Counter) -> str:
    return (
        f"agreement: {tally['answers']}/{tally['answers']} answers; arithmetic refused by design: "
        f"{tally['arithmetic']} ({tally['arithmetic_differs']} judged differently by the official checker); "
        f"official crashed on {tally['official_crashed']}"
    )


def test_sampled_entries_agree_with_official_checker_except_refused_arithmetic():
    tally = _compare(step=9)
    print("\n" + _report(tally))
    assert tally["answers"] > 5000 and 0 < tally["valid"] < tally["answers"]
    # the deliberate difference is exercised: the official checker accepts some arithmetic we refuse
    assert 0 < tally["arithmetic_differs"] <= tally["arithmetic"]


@pytest.mark.slow
def test_every_entry_agrees_with_official_checker_except_refused_arithmetic():
    tally = _compare(step=1)
    print("\n" + _report(tally))
    assert tally["answers"] > 70000
    assert 0 < tally["arithmetic_differs"] <= tally["arithmetic"]
