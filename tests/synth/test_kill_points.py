"""kill -9 at exact points of the shard writes, then --resume: the files equal an uninterrupted run's byte for byte.

The timer-based test (test_dataset.py) once failed for some kill timings: shards 4-7 differed. The cause was a
kill right after a shard's last line: the resumed writer appended the next line to that full shard, so every later
shard boundary moved. A timer almost never lands in that instant; ``kill_at_write.py`` kills at a chosen write.

Small shards (3 lines) put a boundary every few writes, and a low near-duplicate threshold rejects about one
blueprint in six, so rejected shards roll over too and the near-duplicate index rebuilt from disk decides many
episodes after each resume.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from inftool_jax.synth.dataset import read_episodes

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("kill_at_write.py")
SHARD = 3
NUM = 45

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the kill driver reads /proc/self/fd")


def _args(out: Path, resume: bool) -> list[str]:
    args = ["synth", "--out", str(out), "--num", str(NUM), "--seed", "5", "--quiet", f"specs=[{ROOT / 'configs' / 'specs'}]",
            f"synth.shard_size={SHARD}", "synth.fsync_every=1",
            "synth.verification.near_duplicate_threshold=0.1", "synth.verification.lsh_bands=64"]
    return args + (["--resume"] if resume else [])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.jsonl"))}


def _complete_records(out: Path) -> int:
    """Records a resume will find: complete lines (a torn tail is cut)."""
    return sum(p.read_bytes().count(b"\n") for p in out.glob("*.jsonl"))


def _write_order(ref: Path) -> list[str]:
    """Which file kind ("episodes" / "rejected") each write of the uninterrupted run went to, in order."""
    kinds = {e["meta"]["blueprint"]["index"]: "episodes" for e in read_episodes(ref)}
    kinds.update({r["blueprint_index"]: "rejected" for r in read_episodes(ref, "rejected")})
    assert sorted(kinds) == list(range(len(kinds)))
    return [kinds[i] for i in range(len(kinds))]


def _boundary_points(order: list[str]) -> list[tuple[int, str]]:
    """(1-based write, mode) around every shard boundary: right after a shard's last line, a torn first line of
    the next shard, and dying just before a write (the new shard's file already created, still empty)."""
    points, seen = [], {"episodes": 0, "rejected": 0}
    for g, kind in enumerate(order, 1):
        seen[kind] += 1
        if seen[kind] % SHARD == 0:
            points.append((g, "after"))
        elif seen[kind] % SHARD == 1 and seen[kind] > 1:
            points.append((g, "torn" if kind == "episodes" else "before"))
    return points  # one per write: a write is the last of one shard or the first of the next, not both


def _kill_chain(tmp_path: Path, pick) -> int:
    ref = tmp_path / "reference"
    subprocess.run([sys.executable, "-m", "inftool_jax.cli", *_args(ref, False)], check=True, env=_env(),
                   capture_output=True, timeout=300)
    order = _write_order(ref)
    assert "rejected" in order[: len(order) // 2], "the fixture should reject early (near-duplicates)"
    points = pick(order)
    out = tmp_path / "killed"
    for g, mode in points:
        done = _complete_records(out) if out.exists() else 0
        assert g > done, (g, done)
        proc = subprocess.run([sys.executable, str(DRIVER), str(g - done), mode, *_args(out, (out / "run.json").exists())],
                              env=_env(), capture_output=True, text=True, timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"write {g} ({mode}) was not reached: {proc.stderr[-500:]}"
    final = subprocess.run([sys.executable, "-m", "inftool_jax.cli", *_args(out, True)], env=_env(), capture_output=True,
                           text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert _files(out) == _files(ref)
    return len(points)


def test_kill_right_after_a_full_shard_then_resume_keeps_the_shard_boundaries(tmp_path):
    # The regression alone, on the writer: a full last shard recovered from disk is not appended to.
    from inftool_jax.synth.dataset import ShardedJsonl, shard_paths

    writer = ShardedJsonl(tmp_path, "episodes", shard_size=3)
    for i in range(3):
        writer.append({"i": i})
    writer.close()
    resumed = ShardedJsonl(tmp_path, "episodes", shard_size=3)
    assert [r["i"] for r in resumed.recover()] == [0, 1, 2]
    resumed.append({"i": 3})
    resumed.close()
    assert [p.name for p in shard_paths(tmp_path)] == ["episodes-00000.jsonl", "episodes-00001.jsonl"]
    assert shard_paths(tmp_path)[0].read_bytes().count(b"\n") == 3


def test_kill_at_chosen_writes_then_resume_equals_an_uninterrupted_run(tmp_path):
    def pick(order):
        boundaries = _boundary_points(order)
        chosen = [(1, "before"), boundaries[0], boundaries[1], (order.index("rejected") + 1, "after")]
        chosen += [p for p in boundaries if order[p[0] - 1] == "rejected"][:2] + [boundaries[len(boundaries) // 2]]
        return sorted(dict(chosen).items())  # one kill per write

    assert _kill_chain(tmp_path, pick) >= 6


@pytest.mark.slow
def test_kill_at_every_shard_boundary_then_resume_equals_an_uninterrupted_run(tmp_path):
    assert _kill_chain(tmp_path, _boundary_points) >= 20
