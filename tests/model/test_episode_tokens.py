"""Episode tokenization: ids plus a mask that is 1 exactly on assistant-generated tokens."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.errors import InputError
from inftool_jax.model.episode_tokens import episode_segments, tokenize_episode, tokenize_prompt
from inftool_jax.bootstrap.corpus import corpus_texts
from inftool_jax.bootstrap.tokenizer_training import train_tokenizer
from inftool_jax.model.tokenizer import load_tokenizer, save_tokenizer

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}

EPISODE = {
    "id": "e1",
    "tools": [WEATHER],
    "messages": [
        {"role": "user", "content": "Weather in Paris and in Köln?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
                {"id": "c2", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Köln"}}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 18}'},
        {"role": "tool", "tool_call_id": "c2", "content": '{"temp": 15}'},
        {"role": "assistant", "content": "Paris has 18 degrees, Köln 15."},
        {"role": "user", "content": "And tomorrow in Paris?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris", "day": 1}}}],
        },
        {"role": "tool", "content": '{"temp": 20}'},
        {"role": "assistant", "content": "20 degrees."},
    ],
}

ASSISTANT_TURNS = [
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Köln"}}\n</tool_call><|im_end|>',
    "Paris has 18 degrees, Köln 15.<|im_end|>",
    'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "day": 1}}\n</tool_call><|im_end|>',
    "20 degrees.<|im_end|>",
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tok")
    save_tokenizer(train_tokenizer(corpus_texts([]), 800), folder)
    return load_tokenizer(folder)


def _masked_spans(ids, mask):
    spans, current = [], []
    for token, m in zip(ids.tolist(), mask.tolist()):
        if m:
            current.append(token)
        elif current:
            spans.append(current)
            current = []
    if current:
        spans.append(current)
    return spans


def test_decoded_masked_spans_are_exactly_the_assistant_turns(tokenizer):
    ids, mask = tokenize_episode(tokenizer, EPISODE)
    assert ids.dtype == np.int32 and mask.shape == ids.shape
    spans = [tokenizer.decode(span) for span in _masked_spans(ids, mask)]
    assert spans == ASSISTANT_TURNS


def test_all_tokens_decode_to_the_full_template_rendering(tokenizer):
    ids, _ = tokenize_episode(tokenizer, EPISODE)
    full = tokenizer.apply_chat_template(EPISODE["messages"], tools=EPISODE["tools"], tokenize=False)
    # String arguments are canonicalised to objects; this episode's string is already canonical.
    assert tokenizer.decode(ids.tolist()) == full


def test_role_headers_tool_results_and_newlines_after_turn_end_are_unmasked(tokenizer):
    ids, mask = tokenize_episode(tokenizer, EPISODE)
    im_start = tokenizer.convert_tokens_to_ids("<|im_start|>")
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    response = tokenizer.convert_tokens_to_ids("<tool_response>")
    assert not mask[ids == im_start].any()
    assert not mask[ids == response].any()
    # Four of the seven <|im_end|> tokens end assistant turns (system, user, tool turns do not count).
    assert int(mask[ids == im_end].sum()) == 4
    after_end = np.flatnonzero(ids == im_end) + 1
    assert not mask[after_end[after_end < len(ids)]].any()
    # Nothing after the last assistant turn's end token is trained on.
    assert mask[-1] == 0 or ids[-1] == im_end


def test_episode_prompt_part_equals_tokenize_prompt_for_the_first_turn(tokenizer):
    ids, mask = tokenize_episode(tokenizer, EPISODE)
    prompt = tokenize_prompt(tokenizer, EPISODE["tools"], EPISODE["messages"][:1])
    first = int(np.flatnonzero(mask)[0])
    assert ids[:first].tolist() == prompt.tolist()
    assert tokenizer.decode(prompt.tolist()).endswith("<|im_start|>assistant\n")


def test_later_turn_prompt_is_the_earlier_tokens_when_tokenized_by_segments(tokenizer):
    # A rollout appends generated and environment tokens; the episode's ids up to the third turn
    # decode to exactly the prompt text a fresh render of messages[:6] gives.
    ids, mask = tokenize_episode(tokenizer, EPISODE)
    starts = [s for s in np.flatnonzero(mask) if s == 0 or not mask[s - 1]]
    prompt = tokenize_prompt(tokenizer, EPISODE["tools"], EPISODE["messages"][:6])
    assert tokenizer.decode(ids[: starts[2]].tolist()) == tokenizer.decode(prompt.tolist())


def test_string_and_object_arguments_tokenize_identically(tokenizer):
    as_string = json.loads(json.dumps(EPISODE))
    for message in as_string["messages"]:
        for call in message.get("tool_calls") or []:
            if isinstance(call["function"]["arguments"], dict):
                call["function"]["arguments"] = json.dumps(call["function"]["arguments"], ensure_ascii=False)
    ugly = json.loads(json.dumps(EPISODE))
    ugly["messages"][1]["tool_calls"][0]["function"]["arguments"] = '{ "city" :"Paris" }'
    a, am = tokenize_episode(tokenizer, EPISODE)
    b, bm = tokenize_episode(tokenizer, as_string)
    c, cm = tokenize_episode(tokenizer, ugly)
    assert a.tolist() == b.tolist() == c.tolist() and am.tolist() == bm.tolist() == cm.tolist()


def test_max_length_truncates_ids_and_mask_together(tokenizer):
    ids, mask = tokenize_episode(tokenizer, EPISODE)
    short_ids, short_mask = tokenize_episode(tokenizer, EPISODE, max_length=50)
    assert short_ids.tolist() == ids[:50].tolist() and short_mask.tolist() == mask[:50].tolist()


def test_episode_without_assistant_turns_has_an_all_zero_mask(tokenizer):
    ids, mask = tokenize_episode(tokenizer, {"messages": [{"role": "user", "content": "hi"}]})
    assert len(ids) > 0 and not mask.any()


def test_segments_concatenate_to_the_rendering_and_alternate_with_assistant_turns(tokenizer):
    segments = episode_segments(tokenizer, EPISODE)
    assert [flag for _, flag in segments] == [False, True] * 4 + [False]
    assert segments[-1][0] == "\n"


@pytest.mark.parametrize(
    ("episode", "pointer"),
    [
        ({"messages": []}, "/messages"),
        ({"messages": [{"content": "no role"}]}, "/messages/0"),
        ({"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]}, "/messages/0/tool_calls/0"),
        (
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]},
            "/messages/0/tool_calls/0/function/arguments",
        ),
        (
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}]},
            "/messages/0/tool_calls/0/function/arguments",
        ),
        (
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 3}}]}]},
            "/messages/0/tool_calls/0/function/arguments",
        ),
        ({"tools": {"x": 1}, "messages": [{"role": "user", "content": "x"}]}, "/tools"),
    ],
)
def test_bad_episodes_raise_input_errors_with_the_json_pointer(tokenizer, episode, pointer):
    with pytest.raises(InputError) as err:
        tokenize_episode(tokenizer, episode, source="data.jsonl:3")
    assert err.value.source == "data.jsonl:3" and err.value.pointer == pointer


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="<>"), max_size=15)
_args = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.integers(-99, 99) | _text, max_size=3)
_call = st.builds(lambda n, a: {"name": n, "arguments": a}, st.from_regex(r"[a-z_]{1,10}", fullmatch=True), _args)
_turn = st.tuples(_text, st.one_of(st.none(), _text), st.lists(_call, max_size=2), st.lists(_text, max_size=2))


@settings(max_examples=40)
@given(first=_text, turns=st.lists(_turn, min_size=1, max_size=3))
def test_random_multi_turn_episodes_mask_exactly_the_assistant_turns(tokenizer, first, turns):
    from inftool_jax.calls import Call, render_hermes

    messages, expected = [{"role": "user", "content": first}], []
    for user, content, calls, results in turns:
        message = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = [{"type": "function", "function": c} for c in calls]
        messages.append(message)
        hermes = render_hermes([Call(c["name"], c["arguments"]) for c in calls])
        body = "\n".join(part for part in (content or "", hermes) if part)
        expected.append(unicodedata.normalize("NFC", body) + "<|im_end|>")
        messages += [{"role": "tool", "content": r} for r in results] + [{"role": "user", "content": user}]
    ids, mask = tokenize_episode(tokenizer, {"tools": [WEATHER], "messages": messages})
    assert [tokenizer.decode(span) for span in _masked_spans(ids, mask)] == expected
