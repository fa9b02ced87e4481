"""Import the official BFCL AST checker and decoder without its model zoo.

``bfcl_eval.constants.model_config`` imports every model handler (and their API
clients); the AST checker reads only ``MODEL_CONFIG_MAPPING[name].underscore_to_dot``
from it. We register a small stand-in module under that name before the first
import, and point ``BFCL_PROJECT_ROOT`` at a temporary folder because the
package creates folders there on import. Used by the agreement tests and
``benchmarks/bench_checker.py``; never by the package itself.
"""

from __future__ import annotations

import os
import sys
import tempfile
import types
from dataclasses import dataclass

MODEL_NAME = "inftool-reference"


@dataclass(frozen=True)
class _StandInModelConfig:
    underscore_to_dot: bool = False


class _StandInMapping(dict):
    """Every model name maps to a prompting model (no '.' -> '_' renaming)."""

    def __missing__(self, key):
        return _StandInModelConfig()


def available() -> bool:
    """True when bfcl_eval and its AST checker dependencies are importable."""
    try:
        load()
    except ImportError:
        return False
    return True


_CACHE: dict[str, object] = {}


def load() -> types.SimpleNamespace:
    """Return the official functions: ast_checker, decode, is_function_calling_format_output,
    is_empty_output, Language, load_file."""
    if "ns" in _CACHE:
        return _CACHE["ns"]
    os.environ.setdefault("BFCL_PROJECT_ROOT", tempfile.mkdtemp(prefix="bfcl_root_"))
    name = "bfcl_eval.constants.model_config"
    if name not in sys.modules:
        stand_in = types.ModuleType(name)
        stand_in.MODEL_CONFIG_MAPPING = _StandInMapping()
        stand_in.ModelConfig = _StandInModelConfig
        sys.modules[name] = stand_in
    from bfcl_eval.constants.enums import Language, ReturnFormat
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
    from bfcl_eval.model_handler.utils import default_decode_ast_prompting
    from bfcl_eval.utils import is_empty_output, is_function_calling_format_output, load_file

    def decode(text: str):
        return default_decode_ast_prompting(text, ReturnFormat.PYTHON, False)

    ns = types.SimpleNamespace(
        ast_checker=ast_checker,
        decode=decode,
        is_function_calling_format_output=is_function_calling_format_output,
        is_empty_output=is_empty_output,
        Language=Language,
        load_file=load_file,
        model_name=MODEL_NAME,
    )
    _CACHE["ns"] = ns
    return ns


def official_verdict(category: str, result, functions: list[dict], ground_truth: list | None) -> tuple[bool, str | None]:
    """The official end-to-end verdict (decode + check) for one answer, as
    ``eval_runner`` computes it for the Python AST and relevance categories.

    ``result`` is model text (decoded like a prompting model) or an already
    decoded list of ``{name: {param: value}}``.
    """
    ns = load()
    if "relevance" in category:  # covers irrelevance, live_irrelevance, live_relevance
        try:
            decoded = ns.decode(result) if isinstance(result, str) else result
            contains = not ns.is_empty_output(decoded)
        except Exception:
            contains = False
        success = (not contains) if "irrelevance" in category else contains
        if success:
            return True, None
        return False, ("irrelevance_error:decoder_success" if "irrelevance" in category else "relevance_error:decoder_failed")
    try:
        decoded = ns.decode(result) if isinstance(result, str) else result
    except Exception:
        return False, "ast_decoder:decoder_failed"
    if not ns.is_function_calling_format_output(decoded):
        return False, "ast_decoder:decoder_wrong_output_format"
    out = ns.ast_checker(functions, decoded, ground_truth, ns.Language.PYTHON, category, ns.model_name)
    return bool(out["valid"]), (None if out["valid"] else out["error_type"])
