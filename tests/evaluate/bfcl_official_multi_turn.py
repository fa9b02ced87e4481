"""The official BFCL multi-turn verdict for one result, as ``eval_runner`` computes it for a
prompting model: decode each step with ``default_decode_execute_prompting`` (skipping steps that
fail or are empty), then ``multi_turn_checker``. Used by the agreement tests only.

The official executor caches backend instances in its module globals under a name built from
the model name and entry id, so every call here uses a fresh model name and drops the instances
it created afterwards (otherwise a second check of the same entry would start from stale state).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))

import bfcl_official  # noqa: E402

_counter = itertools.count()


def available() -> bool:
    if not bfcl_official.available():
        return False
    try:
        import bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker  # noqa: F401
    except ImportError:
        return False
    return True


def official_multi_turn_verdict(entry_dict: dict, ground_truth: list, result) -> tuple[bool, str | None]:
    """``entry_dict`` is the raw question entry (id, involved_classes, initial_config)."""
    bfcl_official.load()
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import is_empty_execute_response
    from bfcl_eval.model_handler.utils import default_decode_execute_prompting

    if type(result) != list:
        return False, "multi_turn:inference_error"
    if len(result) != len(ground_truth):
        return False, "multi_turn:force_terminated"
    decoded = []
    for turn in result:
        steps = []
        for item in turn:
            try:
                calls = default_decode_execute_prompting(item, has_tool_call_tag=False)
            except Exception:
                continue
            if is_empty_execute_response(calls):
                continue
            steps.append(calls)
        decoded.append(steps)
    model_name = f"inftool_ref_{next(_counter)}"
    try:
        out = multi_turn_checker(decoded, ground_truth, dict(entry_dict), entry_dict["id"].rsplit("_", 1)[0], model_name)
    finally:
        for key in [k for k in vars(multi_turn_utils) if k.startswith(model_name + "_")]:
            delattr(multi_turn_utils, key)
    return bool(out["valid"]), (None if out["valid"] else out["error_type"])
