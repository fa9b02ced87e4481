"""Unseen domains: whole domains of the catalog kept out of every training, probe and targeted synthesis.

Their tools make a second held-out set, ``RUN_DIR/heldout-unseen/`` (``loop.unseen_episodes`` episodes, seed
``loop.heldout_seed + 5``), evaluated each iteration as ``iter-NNN/eval-unseen``: the held-out figure on tools
the model was never trained on. There is no target for it; it is always measured when domains are held out.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from inftool_jax.errors import InputError
from inftool_jax.tools.spec import ToolSpec

KEY = "loop.unseen_domains"
STAGE = "heldout-unseen"
INFO = "unseen.json"  # in the heldout-unseen stage: the domains held out and their tools, for the report
FIGURES = ("accuracy", "call_accuracy", "reward_mean")


def unseen_seed(heldout_seed: int) -> int:
    """Seed of the unseen-domain held-out set (the main held-out set has ``heldout_seed``).

    Training and probe data seeds end in 1 to 4 (``seed * 1000 + 10 * k + 1..4``), so with a held-out seed that ends in
    0 (the default 1000) this one ends in 5 and no ``seed`` meets either (``+ 1`` met seed 1's first training set).
    """
    return heldout_seed + 5


def split_domains(tools: Sequence[ToolSpec], domains: Iterable[str], source: str = "<config>") -> tuple[list[ToolSpec], list[ToolSpec]]:
    """``(training tools, unseen tools)``: the catalog without ``domains``' tools, and only those tools.

    An unknown domain, or holding out every domain, is an InputError naming ``loop.unseen_domains``.
    """
    held = list(dict.fromkeys(domains))
    if not held:
        return list(tools), []
    known = sorted({t.domain for t in tools})
    unknown = [d for d in held if d not in known]
    if unknown:
        raise InputError(source, KEY, f"unknown domain{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"the catalog's domains are {', '.join(map(repr, known))} (`inftool specs inspect` lists them)")
    seen = [t for t in tools if t.domain not in held]
    unseen = [t for t in tools if t.domain in held]
    if not seen:
        raise InputError(source, KEY, f"holds out every domain of the catalog ({', '.join(known)}): no tool would be "
                         "left to train on; keep at least one domain out of the list")
    return seen, unseen


def episode_tool_names(episode: dict[str, Any]) -> set[str]:
    """Every tool an episode offers or calls (its ``tools``, its assistant messages' ``tool_calls``, its ground truth)."""
    names = set()
    for tool in episode.get("tools") or []:
        fn = tool.get("function", tool) if isinstance(tool, dict) else {}
        if isinstance(fn, dict) and fn.get("name"):
            names.add(str(fn["name"]))
    for message in episode.get("messages") or []:
        for call in message.get("tool_calls") or [] if message.get("role") == "assistant" else []:
            fn = call.get("function", call) if isinstance(call, dict) else {}
            if isinstance(fn, dict) and fn.get("name"):
                names.add(str(fn["name"]))
    for turn in episode.get("ground_truth") or []:
        names.update(str(c["name"]) for c in turn.get("calls") or [] if isinstance(c, dict) and c.get("name"))
    return names


def figures(result: dict[str, Any]) -> dict[str, Any]:
    """The figures ``loop.jsonl`` keeps of an evaluation's ``result.json``."""
    return {key: result[key] for key in FIGURES}
