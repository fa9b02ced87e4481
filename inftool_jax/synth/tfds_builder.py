"""A TFDS builder over a synthesis folder: array_record files, read with ``tfds.data_source`` (no TensorFlow).

Episodes have free-form nested fields (tool schemas, per-argument
alternatives) that a fixed TFDS feature spec cannot type, so each record
stores the whole episode as JSON text next to a few typed columns for
filtering::

    build_tfds(synth_dir, data_dir)                      # once
    source = tfds.data_source("inftool_episodes", data_dir=data_dir, split="train")
    episode = json.loads(source[0]["episode"])

Import this module only where tensorflow_datasets is wanted (it is heavy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from inftool_jax.synth.dataset import read_episodes

NAME = "inftool_episodes"


class InftoolEpisodes(tfds.core.GeneratorBasedBuilder):
    """Kept episodes of one `inftool synth` folder (``synth_dir`` given at construction)."""

    name = NAME
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Episodes as JSON text with id, category and turn counts."}

    def __init__(self, *, synth_dir: str | Path | None = None, **kwargs: Any):
        self._synth_dir = Path(synth_dir) if synth_dir is not None else None
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "id": tfds.features.Text(),
                    "category": tfds.features.Text(),
                    "num_messages": tfds.features.Scalar(dtype=np.int32),
                    "num_calls": tfds.features.Scalar(dtype=np.int32),
                    "episode": tfds.features.Text(),
                }
            ),
            description="Verified tool-use episodes (OpenAI messages + tools, ground truth, meta) as JSON text.",
        )

    def _split_generators(self, dl_manager):
        if self._synth_dir is None:
            raise ValueError("InftoolEpisodes needs synth_dir= to build")
        return {"train": self._generate_examples(self._synth_dir)}

    def _generate_examples(self, folder: Path):
        for episode in read_episodes(folder):
            calls = sum(len(m.get("tool_calls") or []) for m in episode["messages"])
            yield episode["id"], {
                "id": episode["id"],
                "category": episode["meta"]["category"],
                "num_messages": len(episode["messages"]),
                "num_calls": calls,
                "episode": json.dumps(episode, ensure_ascii=False, separators=(",", ":")),
            }


def build_tfds(synth_dir: str | Path, data_dir: str | Path) -> InftoolEpisodes:
    """Build the array_record dataset for ``synth_dir`` under ``data_dir``; returns the builder."""
    builder = InftoolEpisodes(synth_dir=synth_dir, data_dir=str(data_dir), file_format="array_record")
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(verify_ssl=False))
    return builder
