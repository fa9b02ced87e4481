"""The tiny default model: BPE on the catalog, chat template, random Qwen2, one loadable HF folder."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from inftool_jax.cli import main
from inftool_jax.errors import InputError
from inftool_jax.bootstrap.config import TinyModelConfig
from inftool_jax.bootstrap.corpus import corpus_texts, example_value
from inftool_jax.bootstrap.tiny_model import init_tiny_model, tiny_hf_config
from inftool_jax.bootstrap.tokenizer_training import train_tokenizer

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
    },
    {
        "type": "function",
        "function": {
            "name": "book_table",
            "description": "Book a restaurant table",
            "parameters": {
                "type": "object",
                "properties": {"restaurant": {"type": "string"}, "people": {"type": "integer"}},
                "required": ["restaurant", "people"],
            },
        },
    },
]
SMALL = TinyModelConfig(bpe_vocab_size=600, hidden_size=64, intermediate_size=96, num_layers=2, num_heads=4, num_kv_heads=2)
SMALL_OVERRIDES = [
    "tiny_model.bpe_vocab_size=600",
    "tiny_model.hidden_size=64",
    "tiny_model.intermediate_size=96",
    "tiny_model.num_layers=2",
]


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("specs")
    (folder / "tools.json").write_text(json.dumps(TOOLS))
    return folder


@pytest.fixture(scope="module")
def model_dir(specs, tmp_path_factory):
    return init_tiny_model(tmp_path_factory.mktemp("m") / "tiny", [specs], SMALL, seed=3, progress=False)


def test_corpus_holds_catalog_tools_rendered_through_the_template(specs):
    texts = corpus_texts([specs], examples_per_tool=2, seed=0)
    joined = "\n".join(texts)
    assert json.dumps(TOOLS[0], ensure_ascii=False) in joined
    assert '<tool_call>\n{"name": "book_table", "arguments": {' in joined
    assert "<|im_start|>assistant\n" in joined


def test_missing_spec_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        corpus_texts([tmp_path / "missing"])
    assert err.value.source.endswith("missing")


def test_example_values_follow_the_schema():
    rng = random.Random(0)
    assert example_value({"enum": ["a", "b"]}, rng) in ("a", "b")
    assert isinstance(example_value({"type": "integer"}, rng), int)
    assert isinstance(example_value({"type": ["null", "number"]}, rng), float)
    value = example_value(
        {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "boolean"}}}, "required": ["xs"]}, rng
    )
    assert all(isinstance(x, bool) for x in value["xs"]) and value["xs"]


def test_bpe_training_is_deterministic_and_reaches_the_target_size(specs, tmp_path):
    texts = corpus_texts([specs], seed=0)
    a, b = train_tokenizer(texts, 500), train_tokenizer(texts, 500)
    a.save_pretrained(str(tmp_path / "a"))
    b.save_pretrained(str(tmp_path / "b"))
    assert (tmp_path / "a" / "tokenizer.json").read_bytes() == (tmp_path / "b" / "tokenizer.json").read_bytes()
    assert len(a) == 500


def test_bpe_merges_frequent_catalog_words_into_single_tokens(specs):
    tok = train_tokenizer(corpus_texts([specs], seed=0), 800)
    assert len(tok.tokenize("get_weather")) <= 3
    assert tok.tokenize("weather") == ["weather"]
    assert len(tok.tokenize('{"name": "')) <= 5  # {" name ": (space) " - spaces are tokens of their own


def test_a_value_gets_the_same_tokens_in_a_sentence_a_listing_and_a_json_call(specs):
    # A tiny model copies values by token identity: " Paris" vs "Paris" would be two unrelated tokens.
    tok = train_tokenizer(corpus_texts([specs], seed=0), 800)
    for value in ("London", "get_weather", "Orbit Budget", "BOO-11777", "alice@example.com"):
        pieces = tok.tokenize(value)
        for context in (f"The city should be {value}.", f'{{"city": "{value}"}}', f"- {value}(city: string)", f"({value})"):
            tokens = tok.tokenize(context)
            assert any(tokens[i : i + len(pieces)] == pieces for i in range(len(tokens))), (value, context, tokens)


def test_corpus_includes_synthesized_conversations_when_asked(specs):
    plain = corpus_texts([specs], examples_per_tool=1, seed=0)
    with_episodes = corpus_texts([specs], examples_per_tool=1, seed=0, episodes=12)
    extra = [t for t in with_episodes if t not in plain]
    assert len(extra) == 12
    # The small catalog has no chains: categories it cannot serve are left out rather than failing.
    assert all(t.startswith("<|im_start|>system\n") and "<|im_start|>user\n" in t for t in extra)


def test_bpe_is_byte_level_so_any_text_round_trips():
    tok = train_tokenizer(["plain ascii text only"] * 5, 300)
    text = "Zürich → 東京 🙂 \t\n <tool_call>"
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == text


def test_hf_config_pads_vocab_and_points_eos_at_im_end():
    tok = train_tokenizer(["some text for a tokenizer"] * 5, 300)
    cfg = tiny_hf_config(TinyModelConfig(pad_vocab_to_multiple_of=128), tok)
    assert cfg["vocab_size"] % 128 == 0 and cfg["vocab_size"] >= len(tok)
    assert tok.convert_ids_to_tokens(cfg["eos_token_id"]) == "<|im_end|>"
    assert tok.convert_ids_to_tokens(cfg["pad_token_id"]) == "<|endoftext|>"


def test_bad_head_counts_are_input_errors():
    tok = train_tokenizer(["some text for a tokenizer"] * 5, 300)
    with pytest.raises(InputError, match="num_heads"):
        tiny_hf_config(TinyModelConfig(hidden_size=60, num_heads=8), tok)


def test_folder_loads_through_load_pretrained_and_load_tokenizer(model_dir):
    import jax.numpy as jnp

    from inftool_jax.model import load_pretrained
    from inftool_jax.model.episode_tokens import tokenize_prompt
    from inftool_jax.model.tokenizer import load_tokenizer

    tok = load_tokenizer(model_dir)
    model = load_pretrained(model_dir, progress=False)
    config = json.loads((model_dir / "config.json").read_text())
    assert config["model_type"] == "qwen2" and config["tie_word_embeddings"] is True
    assert config["hidden_size"] == 64 and config["num_hidden_layers"] == 2
    ids = tokenize_prompt(tok, TOOLS, [{"role": "user", "content": "Weather in Oslo?"}])
    logits = model(jnp.asarray(ids)[None], attention_mask=jnp.ones((1, len(ids)), jnp.int32))
    assert logits.shape == (1, len(ids), config["vocab_size"])
    assert bool(jnp.isfinite(logits).all())


def test_transformers_autotokenizer_applies_the_template_with_tools(model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    messages = [
        {"role": "user", "content": "Book for 2 at Nopa"},
        {"role": "assistant", "tool_calls": [{"function": {"name": "book_table", "arguments": {"restaurant": "Nopa", "people": 2}}}]},
    ]
    text = tok.apply_chat_template(messages, tools=TOOLS, tokenize=False)
    assert (
        '<tools>\n- get_weather(city: string, unit?: "celsius"|"fahrenheit"): Get the current weather for a city\n'
        "- book_table(restaurant: string, people: integer): Book a restaurant table\n</tools>"
    ) in text
    assert '<tool_call>\n{"name": "book_table", "arguments": {"restaurant": "Nopa", "people": 2}}\n</tool_call><|im_end|>' in text
    ids = tok.apply_chat_template(messages, tools=TOOLS, return_dict=False)
    assert tok.decode(ids) == text


def test_full_tool_rendering_option_writes_the_qwen25_schema_template(specs, tmp_path):
    from transformers import AutoTokenizer

    from inftool_jax.model.chat_template import FULL_SCHEMA_CHAT_TEMPLATE

    cfg = SMALL.model_copy(update={"tool_rendering": "full"})
    folder = init_tiny_model(tmp_path / "full", [specs], cfg, seed=3, progress=False)
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    assert tok.chat_template == FULL_SCHEMA_CHAT_TEMPLATE
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tools=TOOLS, tokenize=False)
    assert "<tools>\n" + json.dumps(TOOLS[0], ensure_ascii=False) in text


def test_corpus_follows_the_chosen_tool_rendering(specs):
    from inftool_jax.model.chat_template import FULL_SCHEMA_CHAT_TEMPLATE

    compact = "\n".join(corpus_texts([specs], examples_per_tool=1, seed=0))
    full = "\n".join(corpus_texts([specs], examples_per_tool=1, seed=0, template=FULL_SCHEMA_CHAT_TEMPLATE))
    assert "- book_table(restaurant: string, people: integer)" in compact
    assert "- book_table(" not in full and "You are provided with function signatures" in full


def test_same_seed_gives_identical_folders_and_another_seed_other_weights(specs, model_dir, tmp_path):
    again = init_tiny_model(tmp_path / "again", [specs], SMALL, seed=3, progress=False)
    other = init_tiny_model(tmp_path / "other", [specs], SMALL, seed=4, progress=False)
    for name in ("model.safetensors", "tokenizer.json", "config.json", "chat_template.jinja"):
        assert (again / name).read_bytes() == (model_dir / name).read_bytes(), name
    assert (other / "model.safetensors").read_bytes() != (model_dir / "model.safetensors").read_bytes()


def test_non_empty_output_folder_needs_overwrite(specs, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="--force"):
        init_tiny_model(out, [specs], SMALL, progress=False)
    init_tiny_model(out, [specs], SMALL, overwrite=True, progress=False)
    assert not (out / "keep.txt").exists() and (out / "model.safetensors").is_file()
    assert not (tmp_path / "busy.partial").exists()


def test_cli_init_model_writes_the_folder_with_config_seed_and_overrides(specs, tmp_path, capsys):
    config = tmp_path / "exp.yaml"
    config.write_text(f"seed: 5\nspecs: [{specs}]\n")
    out = tmp_path / "cli-model"
    code = main(["init-model", "--config", str(config), "--out", str(out), "--quiet", *SMALL_OVERRIDES])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(out)
    written = json.loads((out / "config.json").read_text())
    assert written["hidden_size"] == 64 and written["num_hidden_layers"] == 2
    again = init_tiny_model(tmp_path / "py", [specs], SMALL.model_copy(update={"num_layers": 2}), seed=5, progress=False)
    assert (again / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()


@pytest.mark.parametrize(
    ("override", "needle"),
    [("tiny_model.hidden_sise=64", "unknown key 'hidden_sise'"), ("tiny_model.num_layers=many", "tiny_model.num_layers")],
)
def test_cli_bad_tiny_model_override_exits_2_naming_the_key(specs, tmp_path, capsys, override, needle):
    config = tmp_path / "exp.yaml"
    config.write_text(f"specs: [{specs}]\n")
    code = main(["init-model", "--config", str(config), "--out", str(tmp_path / "x"), "--quiet", override])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "<command line>" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_transformers_model_loads_the_folder_with_the_same_logits(model_dir):
    import jax.numpy as jnp
    import torch
    from transformers import AutoModelForCausalLM

    from inftool_jax.model import load_pretrained

    ids = np.array([[1, 5, 9, 200, 17, 2]], dtype=np.int64)
    ours = np.asarray(load_pretrained(model_dir, progress=False)(jnp.asarray(ids), attention_mask=jnp.ones_like(ids)))
    theirs = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    with torch.no_grad():
        ref = theirs(torch.from_numpy(ids)).logits.numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-4)


COPYING = SMALL.model_copy(update={"num_heads": 2, "rope_theta": 1e6, "copy_prior": True, "copy_warmup_steps": 5,
                                   "copy_warmup_batch_size": 4, "copy_warmup_length": 64})


@pytest.mark.slow
def test_copy_prior_folder_is_a_stock_qwen2_that_transformers_loads_with_the_same_logits(specs, tmp_path):
    import jax.numpy as jnp
    import torch
    from transformers import AutoModelForCausalLM

    from inftool_jax.model import load_pretrained

    folder = init_tiny_model(tmp_path / "copying", [specs], COPYING, seed=3, progress=False)
    plain = init_tiny_model(tmp_path / "plain", [specs], COPYING.model_copy(update={"copy_prior": False, "copy_warmup_steps": 0}),
                            seed=3, progress=False)
    assert (folder / "model.safetensors").read_bytes() != (plain / "model.safetensors").read_bytes()
    ids = np.array([[1, 5, 9, 200, 17, 2, 5, 9]], dtype=np.int64)
    ours = np.asarray(load_pretrained(folder, progress=False)(jnp.asarray(ids), attention_mask=jnp.ones_like(ids)))
    theirs = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    with torch.no_grad():
        ref = theirs(torch.from_numpy(ids)).logits.numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_cli_copy_prior_on_a_model_that_cannot_carry_it_exits_2_naming_the_key(specs, tmp_path, capsys):
    config = tmp_path / "exp.yaml"
    config.write_text(f"specs: [{specs}]\n")
    out = tmp_path / "x"
    code = main(["init-model", "--config", str(config), "--out", str(out), "--quiet", *SMALL_OVERRIDES,
                 "tiny_model.copy_prior=true"])
    err = capsys.readouterr().err
    assert code == 2 and "tiny_model.copy_prior" in err and "head_dim >= 24" in err
    assert not out.exists()
