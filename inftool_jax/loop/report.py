"""The loop's report: ``report.md`` with PNG plots next to it, from the files of a run folder.

Held-out figures per iteration (overall and per category; with ``loop.unseen_domains``, the same figures on the
unseen-domain held-out set beside them), the data mix asked vs. made, rejections by gate, training reward and gate
pass rates, what the gap analysis chose and why; another run (e.g. the static baseline of the same budget) can be
drawn beside this one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inftool_jax.errors import InputError

LOOP_LOG = "loop.jsonl"
UNSEEN_STAGE, UNSEEN_INFO = "heldout-unseen", "unseen.json"  # as inftool_jax.loop.unseen writes them


def read_rows(run: Path) -> list[dict[str, Any]]:
    log = run / LOOP_LOG
    if not log.is_file():
        raise InputError(str(run), "", f"no {LOOP_LOG}: not a loop run folder, or no iteration has finished yet")
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _rejections(run: Path, k: int) -> dict[str, int]:
    total: dict[str, int] = {}
    for manifest in sorted((run / f"iter-{k:03d}").glob("*/manifest.json")):
        for gate, n in (_json(manifest).get("rejected_by_gate") or {}).items():
            total[gate] = total.get(gate, 0) + int(n)
    return total


def _plots(run: Path, rows: list[dict[str, Any]], against: list[dict[str, Any]] | None, name_against: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a display
    import matplotlib.pyplot as plt

    files = []
    its = [r["iteration"] for r in rows]

    fig, ax = plt.subplots(figsize=(7, 4))
    unseen = [r for r in rows if r.get("eval_unseen")]
    for key, label in (("accuracy", "exact match (all turns)"), ("call_accuracy", "exact match (call turns)"), ("reward_mean", "mean gated reward")):
        line, = ax.plot(its, [r["eval"][key] for r in rows], marker="o", label=f"{label}")
        if unseen:
            ax.plot([r["iteration"] for r in unseen], [r["eval_unseen"][key] for r in unseen], marker="^", linestyle=":",
                    color=line.get_color(), label=f"{label} (unseen domains)")
        if against:
            ax.plot([r["iteration"] for r in against], [r["eval"][key] for r in against], marker="x", linestyle="--",
                    color=line.get_color(), label=f"{label} ({name_against})")
    ax.set_xlabel("iteration")
    ax.set_ylim(0, 1)
    ax.set_xticks(its)
    ax.legend(fontsize=7)
    ax.set_title("held-out figures per iteration" + (" (dotted: unseen-domain set)" if unseen else ""))
    fig.tight_layout()
    fig.savefig(run / "heldout.png", dpi=100)
    plt.close(fig)
    files.append("heldout.png")

    cats = sorted({c for r in rows for c in r["eval"].get("per_category", {})})
    fig, ax = plt.subplots(figsize=(7, 4))
    for c in cats:
        ax.plot(its, [r["eval"]["per_category"].get(c, {}).get("accuracy") for r in rows], marker="o", label=c)
    ax.set_xlabel("iteration")
    ax.set_ylim(0, 1)
    ax.set_xticks(its)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("held-out exact match per category")
    fig.tight_layout()
    fig.savefig(run / "per_category.png", dpi=100)
    plt.close(fig)
    files.append("per_category.png")

    mix_cats = sorted({c for r in rows for c in list(r["plan"].get("category_weights", {})) + list(r["data"]["per_category"])})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / max(1, len(rows))
    for j, r in enumerate(rows):
        xs = [i + j * width for i in range(len(mix_cats))]
        asked = r["plan"].get("category_weights", {})
        axes[0].bar(xs, [asked.get(c, 0.0) for c in mix_cats], width=width, label=f"iter {r['iteration']}")
        made = r["data"]["per_category"]
        n = max(1, sum(made.values()))
        axes[1].bar(xs, [made.get(c, 0) / n for c in mix_cats], width=width, label=f"iter {r['iteration']}")
    for ax, title in zip(axes, ("fresh-data mix asked (share)", "training data made (share)")):
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(mix_cats))], mix_cats, rotation=30, ha="right", fontsize=7)
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(run / "data_mix.png", dpi=100)
    plt.close(fig)
    files.append("data_mix.png")

    gates = sorted({g for r in rows for g in _rejections(run, r["iteration"])})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for g in gates:
        axes[0].plot(its, [_rejections(run, k).get(g, 0) for k in its], marker="o", label=g)
    axes[0].set_title("synthesis rejections by gate")
    axes[0].set_xlabel("iteration")
    axes[0].set_xticks(its)
    if gates:
        axes[0].legend(fontsize=7)
    eval_gates = sorted({g for r in rows for g in r["eval"].get("per_gate", {})})
    for g in eval_gates:
        axes[1].plot(its, [r["eval"]["per_gate"].get(g) for r in rows], marker="o", label=f"held-out {g}")
    axes[1].plot(its, [r["train"].get("reward_mean") for r in rows], marker="s", linestyle=":", color="black", label="train reward")
    axes[1].set_ylim(0, 1)
    axes[1].set_xticks(its)
    axes[1].set_title("gate pass rates and training reward")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(run / "gates.png", dpi=100)
    plt.close(fig)
    files.append("gates.png")
    return files


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else ("-" if x is None else str(x))


def summary_table(rows: list[dict[str, Any]]) -> str:
    """The console table `inftool loop` prints at the end (unseen-domain columns when the run has them)."""
    unseen = any(r.get("eval_unseen") for r in rows)
    head = f"{'iteration':>9} {'accuracy':>9} {'call_acc':>9} {'reward':>8}"
    head += f" {'unseen_acc':>10} {'unseen_call':>11} {'unseen_rew':>10}" if unseen else ""
    lines = [head + f" {'leaks':>6}"]
    for r in rows:
        e = r["eval"]
        line = f"{r['iteration']:>9} {e['accuracy']:>9.3f} {e['call_accuracy']:>9.3f} {e['reward_mean']:>8.3f}"
        if unseen:
            u = r.get("eval_unseen") or {}
            line += f" {_fmt(u.get('accuracy')):>10} {_fmt(u.get('call_accuracy')):>11} {_fmt(u.get('reward_mean')):>10}"
        lines.append(line + f" {r['leaks']:>6}")
    return "\n".join(lines)


def _unseen_lines(run: Path, rows: list[dict[str, Any]]) -> list[str]:
    """The sentence naming the held-out domains and the unseen-domain figures per iteration ([] when none)."""
    if not any(r.get("eval_unseen") for r in rows):
        return []
    info = _json(run / UNSEEN_STAGE / UNSEEN_INFO)
    kept = _json(run / UNSEEN_STAGE / "manifest.json").get("kept")
    domains, tools = info.get("domains") or [], info.get("tools") or []
    lines = ["", f"Unseen domains: {', '.join(f'`{d}`' for d in domains) or '?'} held out of every training, probe and "
             f"targeted synthesis; their {len(tools)} tools ({', '.join(tools)}) make the {_fmt(kept)}-episode held-out set "
             f"`{UNSEEN_STAGE}/`, evaluated each iteration (`iter-NNN/eval-unseen`). No target: measured, not optimised.",
             "", "| iteration | unseen accuracy | unseen call accuracy | unseen reward | held-out call accuracy | "
             "unseen leaks |", "|" + "---|" * 6]
    if rows and rows[0].get("base_eval_unseen"):
        b = rows[0]["base_eval_unseen"]
        lines.append(f"| before training | {_fmt(b['accuracy'])} | {_fmt(b['call_accuracy'])} | {_fmt(b['reward_mean'])} | "
                     f"{_fmt((rows[0].get('base_eval') or {}).get('call_accuracy'))} | |")
    for r in rows:
        u = r.get("eval_unseen") or {}
        lines.append(f"| {r['iteration']} | {_fmt(u.get('accuracy'))} | {_fmt(u.get('call_accuracy'))} | "
                     f"{_fmt(u.get('reward_mean'))} | {_fmt(r['eval']['call_accuracy'])} | {_fmt(r.get('leaks_unseen'))} |")
    return lines


def write_report(run: str | Path, against: str | Path | None = None) -> Path:
    """Write ``RUN/report.md`` and its plots; with ``against``, that run's held-out figures are drawn beside."""
    run = Path(run)
    rows = read_rows(run)
    other = read_rows(Path(against)) if against else None
    name_against = Path(against).name if against else ""
    plots = _plots(run, rows, other, name_against)
    lines = [f"# Loop report: {run.name}", ""]
    lines += ["| iteration | accuracy | call accuracy | reward | train stages | steps | train reward | episodes | "
              "from failures | uncertain kept | fresh | leaks |", "|" + "---|" * 12]
    if rows and rows[0].get("base_eval"):
        b = rows[0]["base_eval"]
        lines.append(f"| before training | {_fmt(b['accuracy'])} | {_fmt(b['call_accuracy'])} | {_fmt(b['reward_mean'])} | | | | | | | | |")
    for r in rows:
        p, t = r["plan"], r["train"]
        lines.append(f"| {r['iteration']} | {_fmt(r['eval']['accuracy'])} | {_fmt(r['eval']['call_accuracy'])} | "
                     f"{_fmt(r['eval']['reward_mean'])} | {', '.join(t['stages'])} | {t['steps']} | {_fmt(t.get('reward_mean'))} | "
                     f"{r['data']['episodes']} | {p.get('from_failures', 0)} | {p.get('uncertain_kept', 0)} | {p.get('fresh', 0)} | {r['leaks']} |")
    lines += _unseen_lines(run, rows)
    if other:
        lines += ["", f"Beside it, `{name_against}`:", "", "| iteration | accuracy | call accuracy | reward |", "|---|---|---|---|"]
        for r in other:
            lines.append(f"| {r['iteration']} | {_fmt(r['eval']['accuracy'])} | {_fmt(r['eval']['call_accuracy'])} | {_fmt(r['eval']['reward_mean'])} |")
    if any(r.get("bfcl") for r in rows):
        cats = sorted({c for r in rows for c in (r.get("bfcl") or {}).get("categories", {})})
        lines += ["", "BFCL (first entries of each category; overall renormalised over the groups run):", "",
                  "| iteration | overall | " + " | ".join(cats) + " |", "|" + "---|" * (len(cats) + 2)]
        for r in rows:
            b = r.get("bfcl") or {}
            lines.append(f"| {r['iteration']} | {_fmt(b.get('overall'))} | "
                         + " | ".join(_fmt(b.get("categories", {}).get(c)) for c in cats) + " |")
    lines += [""] + [f"![{name}]({name})" for name in plots]
    for r in rows[1:]:
        k = r["iteration"]
        gaps = _json(run / f"iter-{k:03d}" / "probe" / "gaps.json")
        plan = _json(run / f"iter-{k:03d}" / "plan" / "plan.json")
        lines += ["", f"## Iteration {k}: what the gap analysis chose", ""]
        if gaps:
            lines.append(f"Probe: {gaps['turns']} turns, error rate {gaps['error_rate']:.3f}; first failed gates "
                         f"{gaps.get('per_gate')}; most common error types "
                         f"{dict(list((gaps.get('per_error_type') or {}).items())[:5])}.")
            lines.append("")
        for c, why in (plan.get("category_reasons") or {}).items():
            lines.append(f"- {c}: {why}")
        for key in ("failure_reason", "uncertain_reason"):
            if plan.get(key):
                lines.append(f"- {plan[key]}")
    out = run / "report.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
