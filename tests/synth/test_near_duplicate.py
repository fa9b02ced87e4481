import json
import os
import subprocess
import sys
from pathlib import Path

from inftool_jax.synth.near_duplicate import MinHashLSH, shingles

ROOT = Path(__file__).resolve().parents[2]

BASE = "please book a table for four people at the italian place on march 5 2026 at 19 30 under the name alice becker"


def test_signature_estimates_jaccard_high_for_a_small_edit_and_low_for_other_text():
    index = MinHashLSH(num_perm=128, bands=32, threshold=0.5)
    a = index.signature(BASE)
    b = index.signature(BASE.replace("four", "five"))
    c = index.signature("send an email to the design team about the quarterly budget review and attach the report")
    assert (a == b).mean() > 0.6
    assert (a == c).mean() < 0.1


def test_query_finds_only_near_duplicates_at_the_threshold():
    index = MinHashLSH(num_perm=64, bands=16, threshold=0.9)
    index.add("e1", index.signature(BASE))
    assert index.query(index.signature(BASE))[0] == "e1"
    assert index.query(index.signature("a completely different request about flights from lisbon to tokyo")) is None


_SIGNATURES = """
import json
from inftool_jax.synth.near_duplicate import MinHashLSH, shingles
texts = {texts!r}
index = MinHashLSH(num_perm=64, bands=16, threshold=0.9)
print(json.dumps({{t: [shingles(t).tolist(), index.signature(t).tolist()] for t in texts}}))
"""


def _signatures_in_a_process(hash_seed: str, texts: list[str]) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", _SIGNATURES.format(texts=texts)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_shingle_hashes_are_stable_across_processes():
    # fixed CRC32 + fixed mixing: a resumed run (another process, another str hash seed) must
    # rebuild the very same index, so nothing may depend on Python's randomised hash()
    texts = [BASE, "a b c d", "a b", "", "zürich São Paulo 19:30"]
    first = _signatures_in_a_process("1", texts)
    second = _signatures_in_a_process("2", texts)
    assert first == second
    assert first == {t: [shingles(t).tolist(), MinHashLSH(num_perm=64, bands=16, threshold=0.9).signature(t).tolist()] for t in texts}
    assert len(shingles("a b c d")) == 2 and len(shingles("a b")) == 2
