"""Stop strings on decoded text (a real byte-level BPE) and the stop-token set."""

from __future__ import annotations

import pytest

from inftool_jax.errors import InputError
from inftool_jax.bootstrap.tokenizer_training import train_tokenizer
from inftool_jax.rollout.stop_criteria import StopStringMatcher, eos_token_ids, resolve_stop_token_ids

CORPUS = [
    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
    "The weather in Paris is sunny today. Tomorrow the weather in Berlin is rainy.",
    "Book a table for four people at the restaurant tonight, please.",
] * 20


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(CORPUS, vocab_size=400, min_frequency=2)


def _ids(tokenizer, text):
    return tokenizer.encode(text, add_special_tokens=False)


def test_first_stop_returns_the_shortest_prefix_and_cuts_text_right_after_the_stop_string(tokenizer):
    text = "The weather in Paris is sunny</tool_call> and more text after it"
    ids = _ids(tokenizer, text)
    matcher = StopStringMatcher(tokenizer, ["</tool_call>"])
    n, cut = matcher.first_stop(ids)
    assert cut == "The weather in Paris is sunny</tool_call>"
    assert "</tool_call>" in tokenizer.decode(ids[:n])
    assert "</tool_call>" not in tokenizer.decode(ids[: n - 1])


def test_a_stop_string_ending_inside_a_token_cuts_the_text_mid_token(tokenizer):
    ids = _ids(tokenizer, "The weather in Paris")
    # "weath" ends inside the token(s) spelling "weather"
    n, cut = StopStringMatcher(tokenizer, ["weath"]).first_stop(ids)
    assert cut == "The weath"
    assert tokenizer.decode(ids[:n]).startswith("The weath") and len(tokenizer.decode(ids[:n])) > len(cut)


def test_the_stop_string_that_completes_first_wins(tokenizer):
    ids = _ids(tokenizer, "sunny today. Tomorrow rainy")
    n, cut = StopStringMatcher(tokenizer, ["rainy", "today"]).first_stop(ids)
    assert cut == "sunny today"
    assert n < len(ids)


def test_no_stop_string_gives_none_and_checked_prefixes_are_not_scanned_again(tokenizer):
    ids = _ids(tokenizer, "Book a table for four people")
    matcher = StopStringMatcher(tokenizer, ["Paris"])
    assert matcher.first_stop(ids) is None
    calls = []
    decode = matcher.decode
    matcher.decode = lambda toks: calls.append(len(toks)) or decode(toks)
    ids2 = ids + _ids(tokenizer, " in Paris")
    n, cut = matcher.first_stop(ids2, checked=len(ids))
    assert cut.endswith("Paris") and n <= len(ids2)
    assert min(calls) > len(ids)  # only prefixes longer than the checked one were decoded


def test_special_tokens_are_skipped_in_matching_by_default(tokenizer):
    ids = _ids(tokenizer, "sunny") + [tokenizer.convert_tokens_to_ids("<|im_end|>")] + _ids(tokenizer, " today")
    assert StopStringMatcher(tokenizer, ["sunny today"]).first_stop(ids)[1] == "sunny today"
    assert StopStringMatcher(tokenizer, ["sunny today"], skip_special_tokens=False).first_stop(ids) is None


def test_stop_strings_need_a_tokenizer_and_must_be_non_empty(tokenizer):
    with pytest.raises(InputError, match="need a tokenizer"):
        StopStringMatcher(None, ["x"])
    with pytest.raises(InputError, match="non-empty"):
        StopStringMatcher(tokenizer, [""])
    assert not StopStringMatcher(None, [])


def test_eos_ids_come_from_the_tokenizer_and_the_config_int_or_list(tokenizer):
    im_end = tokenizer.eos_token_id
    assert eos_token_ids(tokenizer, {"eos_token_id": [7, 9]}) == sorted({im_end, 7, 9})
    assert eos_token_ids(None, {"eos_token_id": 5}) == [5]
    assert eos_token_ids(None, {}) == []


def test_resolve_stop_ids_unions_eos_only_when_asked_and_rejects_ids_outside_the_vocabulary():
    assert resolve_stop_token_ids([4, 3], True, None, {"eos_token_id": 2}, 10) == [2, 3, 4]
    assert resolve_stop_token_ids([4], False, None, {"eos_token_id": 2}, 10) == [4]
    with pytest.raises(InputError, match="stop_token_ids.*outside the vocabulary"):
        resolve_stop_token_ids([10], False, None, {}, 10)
