"""The held-out synthetic evaluation as files: RESULT.json, a markdown report and a per-category bar chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inftool_jax.grading.reward_config import GATES


def format_table(result: dict[str, Any]) -> str:
    """A plain-text table: one row per category, one per ground-truth decision (``decision:call`` ...) and the total
    (turns, exact-match accuracy, reward, gate pass rates)."""
    head = ["category", "turns", "accuracy", "reward"] + list(GATES)
    groups = list(result.get("categories", {}).items())
    groups += [(f"decision:{d}", s) for d, s in result.get("decisions", {}).items()]
    rows = [[c, s["turns"], s["accuracy"], s["reward_mean"], *[s["gates"][g] for g in GATES]] for c, s in groups]
    rows.append(["total", result["turns"], result["accuracy"], result["reward_mean"], *[result["gates"][g] for g in GATES]])
    cells = [[str(v) if isinstance(v, (str, int)) else f"{v:.3f}" for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(head)]
    line = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(r) for r in cells)])


def markdown(result: dict[str, Any], chart_name: str) -> str:
    table = format_table(result).splitlines()
    header = "| " + " | ".join(table[0].split()) + " |"
    sep = "|" + "---|" * len(table[0].split())
    body = ["| " + " | ".join(row.split()) + " |" for row in table[2:]]
    return "\n".join([
        "# Held-out synthetic evaluation", "",
        f"Model: `{result.get('model', '')}`; data: `{result.get('data', '')}`; "
        f"{result.get('episodes', 0)} episodes, {result['turns']} assistant turns (greedy, true prefix).", "",
        f"- exact match (BFCL checker): **{result['accuracy']:.3f}**",
        f"- exact match on call turns: **{result.get('call_accuracy', 0.0):.3f}**",
        f"- mean gated reward: **{result['reward_mean']:.3f}**", "",
        header, sep, *body, "", f"![per-category accuracy and reward]({chart_name})", "",
    ])


def write_report(result: dict[str, Any], out_path: str | Path) -> tuple[Path, Path, Path]:
    """RESULT.json (all figures + per-turn rows), RESULT.md and RESULT.png next to it."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a display
    import matplotlib.pyplot as plt

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    png = out.with_suffix(".png")
    cats = list(result.get("categories", {}))
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(cats) + 2), 4))
    xs = range(len(cats))
    ax.bar([x - 0.2 for x in xs], [result["categories"][c]["accuracy"] for c in cats], width=0.4, label="exact match")
    ax.bar([x + 0.2 for x in xs], [result["categories"][c]["reward_mean"] for c in cats], width=0.4, label="mean reward")
    ax.set_xticks(list(xs), cats, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("held-out synthetic evaluation per category")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    md = out.with_suffix(".md")
    md.write_text(markdown(result, png.name), encoding="utf-8")
    return out, md, png
