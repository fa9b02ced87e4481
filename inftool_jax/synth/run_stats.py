"""Per-category counts and the diversity summary of a synthesis run (for the table and manifest.json)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from inftool_jax.synth.config import CATEGORIES
from inftool_jax.synth.grounding import leaves
from inftool_jax.synth.verify import GATES

PIPELINE_GATES = ("plan", "backend") + GATES


class RunStats:
    """Counts planned / kept / rejected-by-gate per category, and what the kept episodes cover."""

    def __init__(self, asked: dict[str, float]):
        total = sum(asked.values()) or 1.0
        self.asked = {c: asked.get(c, 0.0) / total for c in CATEGORIES}
        self.planned: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.by_gate: dict[str, Counter[str]] = defaultdict(Counter)
        self.tools_used: set[str] = set()
        self.arg_values: set[str] = set()
        self.reached_dedup = 0
        self.near_dups = 0

    def add_kept(self, episode: dict[str, Any]) -> None:
        cat = episode["meta"]["category"]
        self.planned[cat] += 1
        self.kept[cat] += 1
        self.reached_dedup += 1
        for msg in episode["messages"]:
            for tc in msg.get("tool_calls") or []:
                fn = tc["function"]
                self.tools_used.add(fn["name"])
                try:
                    args = json.loads(fn["arguments"]) if isinstance(fn["arguments"], str) else fn["arguments"]
                except json.JSONDecodeError:
                    continue
                for key, value in leaves(args):
                    self.arg_values.add(f"{key}={json.dumps(value, sort_keys=True)}")

    def add_rejected(self, record: dict[str, Any]) -> None:
        cat = record["category"]
        self.planned[cat] += 1
        self.rejected[cat] += 1
        gates = {r["gate"] for r in record["reasons"]}
        for gate in gates:
            self.by_gate[cat][gate] += 1
        if gates == {"near_duplicate"}:
            self.reached_dedup += 1
            self.near_dups += 1

    def totals(self) -> dict[str, Any]:
        per_category = {}
        for cat in CATEGORIES:
            if not self.planned[cat] and not self.asked[cat]:
                continue
            per_category[cat] = {
                "planned": self.planned[cat],
                "kept": self.kept[cat],
                "rejected": self.rejected[cat],
                "rejected_by_gate": {g: self.by_gate[cat][g] for g in PIPELINE_GATES if self.by_gate[cat][g]},
            }
        all_gates = Counter()
        for counts in self.by_gate.values():
            all_gates.update(counts)
        kept_total = sum(self.kept.values())
        return {
            "planned": sum(self.planned.values()),
            "kept": kept_total,
            "rejected": sum(self.rejected.values()),
            "rejected_by_gate": {g: all_gates[g] for g in PIPELINE_GATES if all_gates[g]},
            "per_category": per_category,
        }

    def diversity(self, catalog_size: int) -> dict[str, Any]:
        kept_total = sum(self.kept.values()) or 1
        return {
            "distinct_tools_used": len(self.tools_used),
            "catalog_tools": catalog_size,
            "category_mix": {
                c: {"asked": round(self.asked[c], 4), "achieved": round(self.kept[c] / kept_total, 4)} for c in CATEGORIES
            },
            "distinct_argument_values": len(self.arg_values),
            "near_duplicate_rate": round(self.near_dups / self.reached_dedup, 4) if self.reached_dedup else 0.0,
        }

    def table(self) -> str:
        """A plain-text table: one row per category, planned / kept / rejections per gate."""
        totals = self.totals()
        gates = [g for g in PIPELINE_GATES if totals["rejected_by_gate"].get(g)]
        head = ["category", "planned", "kept", "rejected"] + gates
        rows = []
        for cat, row in totals["per_category"].items():
            rows.append([cat, row["planned"], row["kept"], row["rejected"]] + [row["rejected_by_gate"].get(g, 0) for g in gates])
        rows.append(["total", totals["planned"], totals["kept"], totals["rejected"]] + [totals["rejected_by_gate"].get(g, 0) for g in gates])
        widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        lines = ["  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in enumerate(zip(r, widths))) for r in [head] + rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def backend_table(stats: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of backend client counters (``Synthesis.backend_stats()``); empty when none."""
    if not stats:
        return ""
    head = ["backend", "roles", "requests", "attempts", "retries", "failed", "errors", "in flight peak/mean/limit", "p50 ms", "p95 ms"]
    rows = []
    for name, s in stats.items():
        errors = ", ".join(f"{k} {v}" for k, v in sorted(s.get("errors", {}).items())) or "-"
        flight = f"{s.get('in_flight_peak', 0)}/{s.get('in_flight_mean', 0.0):.1f}/{s.get('limit', '-')}"
        rows.append([name, "+".join(s.get("roles", [])), s.get("calls", 0), s.get("attempts", 0), s.get("retries", 0),
                     s.get("failures", 0), errors, flight, _ms(s.get("latency_p50_s")), _ms(s.get("latency_p95_s"))])
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(str(v).rjust(w) if i > 1 else str(v).ljust(w) for i, (v, w) in enumerate(zip(r, widths))) for r in [head] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
