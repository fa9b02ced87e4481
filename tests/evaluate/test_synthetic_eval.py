"""`inftool eval synthetic`: report files and table, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from inftool_jax.evaluate.synthetic_report import format_table, write_report
from inftool_jax.rl.reward_config import GATES


def _result():
    gates = {g: 0.5 for g in GATES}
    cat = lambda acc: {"turns": 4, "accuracy": acc, "reward_mean": acc / 2 + 0.3, "gates": gates}  # noqa: E731
    return {"turns": 8, "episodes": 3, "accuracy": 0.625, "reward_mean": 0.6, "gates": gates,
            "categories": {"single": cat(0.75), "no_call": cat(0.5)}, "rows": [], "model": "m", "data": "d"}


def test_report_writes_json_markdown_and_a_png_next_to_the_result(tmp_path):
    out = tmp_path / "eval" / "result.json"
    paths = write_report(_result(), out)
    assert [p.name for p in paths] == ["result.json", "result.md", "result.png"]
    assert json.loads(out.read_text())["accuracy"] == 0.625
    md = (tmp_path / "eval" / "result.md").read_text()
    assert "| single | 4 | 0.750 |" in md and "result.png" in md
    assert (tmp_path / "eval" / "result.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table_has_one_row_per_category_and_a_total():
    lines = format_table(_result()).splitlines()
    assert lines[0].split()[:4] == ["category", "turns", "accuracy", "reward"]
    assert [line.split()[0] for line in lines[2:]] == ["single", "no_call", "total"]
    assert lines[-1].split()[2] == "0.625"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "inftool_jax", "eval", "synthetic", *args], capture_output=True, text=True)


def test_missing_model_folder_is_one_line_and_exit_code_2(tmp_path):
    proc = _cli("--model", str(tmp_path / "nope"), "--data", str(tmp_path), "--out", str(tmp_path / "r.json"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "nope" in proc.stderr and "model folder not found" in proc.stderr


def test_bad_limit_is_rejected_before_any_work(tmp_path):
    proc = _cli("--model", "m", "--data", "d", "--out", str(tmp_path / "r.json"), "--limit", "0")
    assert proc.returncode == 2 and "--limit" in proc.stderr
