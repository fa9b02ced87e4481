"""Held-out call-turn figures: exact match on call turns read off teacher-forced argmax, without generating."""

import numpy as np

from inftool_jax.sft.trainer import assistant_turns, call_turn_figures

CALL = 7


def test_assistant_turns_are_the_runs_of_the_loss_mask():
    assert assistant_turns(np.array([0, 1, 1, 0, 0, 1, 0, 1])) == [(1, 3), (5, 6), (7, 8)]
    assert assistant_turns(np.zeros(4)) == []


def test_a_call_turn_counts_as_exact_only_when_every_token_is_predicted():
    #             0  1  2     3  4  5  6  7     8  9
    ids = np.array([[1, 2, CALL, 4, 5, 0, 0, CALL, 4, 0]])
    mask = np.array([[0, 0, 1, 1, 1, 0, 0, 1, 1, 0]])
    correct = np.ones((1, 9), bool)  # correct[t]: argmax at t predicts ids[t + 1]
    correct[0, 7] = False  # the second call turn misses its token at 8
    correct[0, 0] = False  # outside any turn: ignored
    calls, exact, tokens, right = call_turn_figures(ids, mask, correct, CALL)
    assert (calls, exact, tokens, right) == (2, 1, 5, 4)


def test_prose_turns_are_not_call_turns():
    ids = np.array([[1, 2, 3, 4, 0]])
    mask = np.array([[0, 0, 1, 1, 0]])
    assert call_turn_figures(ids, mask, np.ones((1, 4), bool), CALL).tolist() == [0, 0, 0, 0]
