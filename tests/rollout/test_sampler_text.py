"""The sampler with a tokenizer: chat prompts, decoded texts and stop strings, on the tiny default model folder."""

from __future__ import annotations

import json

import jax
import pytest

from inftool_jax.model import load_pretrained
from inftool_jax.model.episode_tokens import tokenize_prompt
from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model
from inftool_jax.model.tokenizer import load_tokenizer
from inftool_jax.rollout.sampler import Sampler
from inftool_jax.rollout.sampling_config import SamplingConfig

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                "required": ["city"],
            },
        },
    }
]
SMALL = TinyModelConfig(bpe_vocab_size=600, hidden_size=64, intermediate_size=96, num_layers=2, num_heads=4, num_kv_heads=2)
USERS = ["What is the weather in Paris?", "Weather in Berlin, in celsius please.", "Hi!", "Is it raining in Rome today?"]
CONVERSATIONS = [(TOOLS, [{"role": "user", "content": u}]) for u in USERS]
# Sampled, not greedy: a random tiny model's greedy text is one repeated token. stop_at_eos off
# so that every row runs long enough to hold stop strings; a fixed key replays the same draws.
BASE = SamplingConfig(max_new_tokens=24, temperature=1.0, stop_at_eos=False)


@pytest.fixture(scope="module")
def sampler(tmp_path_factory):
    specs = tmp_path_factory.mktemp("specs")
    (specs / "tools.json").write_text(json.dumps(TOOLS))
    folder = init_tiny_model(tmp_path_factory.mktemp("m") / "tiny", [specs], SMALL, seed=1, progress=False)
    return Sampler(load_pretrained(folder, progress=False), load_tokenizer(folder))


@pytest.fixture(scope="module")
def base(sampler):
    return sampler.generate_chat(CONVERSATIONS, BASE, jax.random.key(0))


def test_chat_prompts_come_from_the_chat_template_and_texts_decode_the_tokens(sampler, base):
    tok = sampler.tokenizer
    for row, (tools, messages) in enumerate(CONVERSATIONS):
        assert base.prompts[row].tolist() == tokenize_prompt(tok, tools, messages).tolist()
        assert base.texts[row] == tok.decode(base.tokens[row, : base.lengths[row]].tolist(), skip_special_tokens=True)
    as_dicts = [{"tools": tools, "messages": messages} for tools, messages in CONVERSATIONS]
    again = sampler.generate_chat(as_dicts, BASE, jax.random.key(0))
    assert again.texts == base.texts


def _ascii_window(text: str, end: int, size: int = 3) -> str:
    """A printable-ASCII piece of ``text`` ending near ``end`` (random weights also emit partial UTF-8 bytes)."""
    for stop in range(end, len(text) + 1):
        piece = text[stop - size : stop]
        if len(piece) == size and piece.isascii() and piece.isprintable():
            return piece
    raise AssertionError(f"no printable ASCII window in {text!r}")


def test_stop_strings_end_tokens_at_the_completing_token_and_text_right_after_the_string(sampler, base):
    tok = sampler.tokenizer
    # one stop string from the middle of row 0's text, one from row 1's; every row is scanned for both
    stops = [_ascii_window(base.texts[0], len(base.texts[0]) // 2), _ascii_window(base.texts[1], 2 * len(base.texts[1]) // 3)]
    cfg = BASE.model_copy(update={"stop_strings": stops, "stop_check_interval": 3})
    out = sampler.generate_chat(CONVERSATIONS, cfg, jax.random.key(0))
    matched = 0
    for row in range(len(CONVERSATIONS)):
        toks = base.tokens[row, : base.lengths[row]].tolist()
        # brute force: the shortest prefix whose decoded text holds a stop string
        n = next((k for k in range(1, len(toks) + 1) if any(s in tok.decode(toks[:k], skip_special_tokens=True) for s in stops)), None)
        if n is None:
            assert out.finish_reasons[row] == "length" and out.texts[row] == base.texts[row]
            continue
        matched += 1
        full = base.texts[row]
        end = min(full.find(s) + len(s) for s in stops if s in full)
        assert out.finish_reasons[row] == "stop_string"
        assert out.lengths[row] == n and out.tokens[row, :n].tolist() == toks[:n]
        assert not out.mask[row, n:].any() and set(out.tokens[row, n:].tolist()) <= {sampler.pad_token_id}
        assert out.texts[row] == full[:end]
    assert matched >= 2
