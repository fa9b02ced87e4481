"""Deterministic bucketed batches, collation and the loader position."""

import json

import numpy as np
import pytest

from inftool_jax.errors import InputError
from inftool_jax.train.data import BatchLoader, TokenizedEpisodes, collate, epoch_batches, heldout_split, tokenize_folder


def _episodes(lengths):
    ids = [np.arange(1, n + 1, dtype=np.int32) for n in lengths]
    masks = [np.r_[np.zeros(n // 2, np.int32), np.ones(n - n // 2, np.int32)] for n in lengths]
    return TokenizedEpisodes(ids, masks, [str(i) for i in range(len(lengths))])


def test_epoch_order_is_a_pure_function_of_seed_and_epoch():
    lengths = np.random.default_rng(0).integers(5, 500, 64)
    a = epoch_batches(lengths, 4, seed=1, epoch=0, bucket_window=4)
    b = epoch_batches(lengths, 4, seed=1, epoch=0, bucket_window=4)
    c = epoch_batches(lengths, 4, seed=1, epoch=1, bucket_window=4)
    assert [x.tolist() for x in a] == [x.tolist() for x in b]
    assert [x.tolist() for x in a] != [x.tolist() for x in c]
    assert sorted(np.concatenate(a).tolist()) == list(range(64))  # every example once per epoch


def test_bucketing_cuts_padding():
    lengths = np.random.default_rng(0).integers(5, 500, 256)

    def padding(batches):
        return sum(len(b) * lengths[b].max() - lengths[b].sum() for b in batches)

    assert padding(epoch_batches(lengths, 8, 0, 0, bucket_window=16)) < 0.5 * padding(epoch_batches(lengths, 8, 0, 0, bucket_window=1))


def test_collate_right_pads_to_the_bucket_multiple():
    data = _episodes([3, 5])
    batch = collate(data, np.array([0, 1]), bucket_multiple=4, pad_id=9)
    assert batch["input_ids"].shape == (2, 8)
    assert batch["input_ids"][0].tolist() == [1, 2, 3, 9, 9, 9, 9, 9]
    assert batch["attention_mask"][0].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert batch["loss_mask"][1].tolist() == [0, 0, 1, 1, 1, 0, 0, 0]


def test_loader_resumes_at_its_saved_position_across_epochs():
    data = _episodes(list(range(10, 40)))
    full = BatchLoader(data, 4, seed=3, bucket_multiple=8, bucket_window=2)
    expected = [next(full)["input_ids"] for _ in range(12)]  # 7 batches per epoch: crosses into epoch 1
    first = BatchLoader(data, 4, seed=3, bucket_multiple=8, bucket_window=2)
    got = [next(first)["input_ids"] for _ in range(5)]
    position = json.loads(json.dumps(first.position()))
    second = BatchLoader(data, 4, seed=3, bucket_multiple=8, bucket_window=2)
    second.restore(position)
    got += [next(second)["input_ids"] for _ in range(7)]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert second.position()["epoch"] == 1


def test_heldout_split_is_disjoint_and_seeded():
    train, held = heldout_split(50, 10, seed=4)
    assert len(held) == 10 and not set(train) & set(held) and len(train) + len(held) == 50
    assert heldout_split(50, 10, seed=4)[1].tolist() == held.tolist()
    assert heldout_split(50, 10, seed=5)[1].tolist() != held.tolist()


def test_loader_needs_a_full_batch_of_episodes():
    with pytest.raises(InputError, match="train.batch_size"):
        BatchLoader(_episodes([5, 6]), 4, seed=0, bucket_multiple=8)


def test_tokenize_folder_reports_missing_and_empty_folders(tmp_path):
    with pytest.raises(InputError, match="dataset folder not found"):
        tokenize_folder(tmp_path / "nope", None, 64)
    with pytest.raises(InputError, match="no episodes"):
        tokenize_folder(tmp_path, None, 64)


def test_tokenize_folder_names_the_file_and_line_of_a_bad_record(tmp_path):
    (tmp_path / "episodes-00000.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        tokenize_folder(tmp_path, object(), 64)
    assert "episodes-00000.jsonl line 1" in str(err.value) and "/messages" in str(err.value)
