import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inftool_jax.synth.dataset import ShardedJsonl, read_episodes, shard_paths

ROOT = Path(__file__).resolve().parents[2]


def test_records_roll_over_into_numbered_shards(tmp_path):
    w = ShardedJsonl(tmp_path, "episodes", shard_size=3, fsync_every=1)
    for i in range(7):
        w.append({"i": i})
    w.close()
    assert [p.name for p in shard_paths(tmp_path)] == ["episodes-00000.jsonl", "episodes-00001.jsonl", "episodes-00002.jsonl"]
    assert [r["i"] for r in read_episodes(tmp_path)] == list(range(7))


def test_recover_cuts_a_torn_last_line_and_appends_after_it(tmp_path):
    w = ShardedJsonl(tmp_path, "episodes", shard_size=10, fsync_every=0)
    for i in range(3):
        w.append({"i": i})
    w.close()
    path = shard_paths(tmp_path)[0]
    with open(path, "ab") as f:
        f.write(b'{"i": 3, "trunc')
    w2 = ShardedJsonl(tmp_path, "episodes", shard_size=10)
    assert [r["i"] for r in w2.recover()] == [0, 1, 2] and w2.cut_bytes == len(b'{"i": 3, "trunc')
    w2.append({"i": 3})
    w2.close()
    assert [r["i"] for r in read_episodes(tmp_path)] == [0, 1, 2, 3]
    assert path.read_bytes().endswith(b"\n")


def _cmd(out, num, resume):
    cmd = [sys.executable, "-m", "inftool_jax.cli", "synth", "--out", str(out), "--num", str(num), "--seed", "5", "--quiet",
           f"specs=[{ROOT / 'configs' / 'specs'}]", "synth.shard_size=70", "synth.fsync_every=1"]
    return cmd + (["--resume"] if resume else [])


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(Path(out).glob("*.jsonl"))}


def _kill_and_resume(tmp_path, num, kills, seed):
    rng = random.Random(seed)
    ref = tmp_path / "reference"
    subprocess.run(_cmd(ref, num, False), check=True, env=_env(), capture_output=True, timeout=300)
    out = tmp_path / "killed"
    killed_mid_run = 0
    for k in range(kills):
        proc = subprocess.Popen(_cmd(out, num, k > 0 and (out / "run.json").exists()), env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 2.0))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait()
        killed_mid_run += code == -signal.SIGKILL
    done = subprocess.run(_cmd(out, num, (out / "run.json").exists()), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    kept = list(read_episodes(out))
    assert len(kept) == num
    assert len({e["id"] for e in kept}) == num
    for path in Path(out).glob("*.jsonl"):
        assert path.read_bytes().endswith(b"\n")
    # the interrupted run wrote exactly what an uninterrupted run writes
    assert _files(out) == _files(ref)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept"] == num and manifest["complete"]
    return killed_mid_run


def test_sigkill_at_random_points_then_resume_loses_and_duplicates_nothing(tmp_path):
    killed = _kill_and_resume(tmp_path, num=500, kills=3, seed=1)
    assert killed >= 1


@pytest.mark.slow
def test_sigkill_many_times_then_resume_matches_an_uninterrupted_run(tmp_path):
    killed = _kill_and_resume(tmp_path, num=2500, kills=8, seed=2)
    assert killed >= 5


def test_resume_refuses_a_different_seed(tmp_path):
    out = tmp_path / "o"
    subprocess.run(_cmd(out, 20, False), check=True, env=_env(), capture_output=True, timeout=120)
    cmd = _cmd(out, 30, True)
    cmd[cmd.index("--seed") + 1] = "6"
    res = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "run.json: seed: differs" in res.stderr
