import glob
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.dataset import read_episodes
from inftool_jax.synth.pipeline import Synthesis


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory, catalog_tools):
    out = tmp_path_factory.mktemp("synth")
    cfg = SynthConfig.model_validate({"shard_size": 150, "fsync_every": 0})
    run = Synthesis(catalog_tools, cfg, 11, out)
    run.open(resume=False)
    run.run(400)
    return out


def test_plain_jsonl_holds_the_episode_contract(synth_dir):
    episodes = []
    for path in sorted(Path(synth_dir).glob("episodes-*.jsonl")):
        with open(path, encoding="utf-8") as f:
            episodes += [json.loads(line) for line in f]
    assert len(episodes) == 400
    for ep in episodes:
        assert set(ep) == {"id", "tools", "messages", "ground_truth", "meta"}
        assistant = [i for i, m in enumerate(ep["messages"]) if m["role"] == "assistant"]
        assert [t["message_index"] for t in ep["ground_truth"]] == assistant
        assert ep["meta"]["verification"]["passed"]


def test_every_kept_call_validates_against_the_offered_schema(synth_dir):
    for ep in read_episodes(synth_dir):
        schemas = {t["function"]["name"]: t["function"]["parameters"] for t in ep["tools"]}
        for m in ep["messages"]:
            for tc in m.get("tool_calls") or []:
                fn = tc["function"]
                Draft202012Validator(schemas[fn["name"]]).validate(json.loads(fn["arguments"]))


def test_huggingface_datasets_reads_the_shards(synth_dir):
    import datasets

    files = sorted(glob.glob(str(Path(synth_dir) / "episodes-*.jsonl")))
    ds = datasets.load_dataset("json", data_files=files, split="train", cache_dir=str(Path(synth_dir) / "hf_cache"))
    assert ds.num_rows == 400
    first = next(read_episodes(synth_dir))
    assert ds[0]["id"] == first["id"] and ds[0]["messages"][1]["content"] == first["messages"][1]["content"]
    assert set(ds.column_names) == {"id", "tools", "messages", "ground_truth", "meta"}


def test_tfds_builder_writes_array_record_read_by_data_source(synth_dir, tmp_path):
    import sys

    import tensorflow_datasets as tfds

    from inftool_jax.synth.tfds_builder import NAME, build_tfds

    build_tfds(synth_dir, tmp_path)
    assert list(tmp_path.glob(f"{NAME}/1.0.0/*.array_record-*"))
    source = tfds.data_source(NAME, data_dir=str(tmp_path), split="train")
    assert len(source) == 400
    ids = {json.loads(source[i]["episode"])["id"] for i in range(len(source))}
    assert ids == {ep["id"] for ep in read_episodes(synth_dir)}
    assert "tensorflow" not in sys.modules
