"""Loading a model folder's tokenizer: local only, with a chat template, clear errors otherwise."""

from __future__ import annotations

import json

import pytest

from inftool_jax.errors import InputError
from inftool_jax.model.chat_template import CHAT_TEMPLATE
from inftool_jax.bootstrap.tokenizer_training import train_tokenizer
from inftool_jax.model.tokenizer import load_tokenizer, save_tokenizer

TEXT = ["The quick brown fox jumps over the lazy dog.", '{"name": "get_weather", "arguments": {"city": "Oslo"}}'] * 4


@pytest.fixture(scope="module")
def trained():
    return train_tokenizer(TEXT, 400)


def test_saved_tokenizer_loads_back_with_template_and_special_tokens(trained, tmp_path):
    save_tokenizer(trained, tmp_path)
    tok = load_tokenizer(tmp_path)
    assert tok.chat_template == CHAT_TEMPLATE
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    text = "<|im_start|>user\nOslo<tool_call>{}</tool_call><|im_end|>"
    ids = tok.encode(text, add_special_tokens=False)
    assert tok.decode(ids) == text
    # Each markup string is one token, as in Qwen2.5.
    for marker in ("<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"):
        assert len(tok.encode(marker, add_special_tokens=False)) == 1


def test_a_qwen2_model_folder_keeps_the_pre_tokenizer_its_tokenizer_json_was_trained_with(trained, tmp_path):
    # transformers 5 would map model_type qwen2 to Qwen2Tokenizer and swap in Qwen's own split (" x" as one piece).
    import tokenizers

    save_tokenizer(trained, tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}))
    tok = load_tokenizer(tmp_path)
    raw = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    text = 'The city is "Oslo", 12 foxes <tool_call>'
    assert tok.tokenize(text) == raw.encode(text, add_special_tokens=False).tokens
    assert "Ġ" in tok.tokenize(" x")  # the space is a piece of its own, as trained
    assert tok.chat_template == CHAT_TEMPLATE and tok.eos_token == "<|im_end|>"


def test_qwen2s_own_split_and_autotokenizer_give_the_same_ids_as_the_tiny_tokenizer(tmp_path):
    # vLLM, SGLang and AutoTokenizer (transformers 5) load an exported tiny model as Qwen2Tokenizer, which swaps in
    # Qwen's own split; no merge learned under the tiny split may cross one of its boundaries.
    import tokenizers
    from transformers import AutoTokenizer

    from inftool_jax.bootstrap.tokenizer_training import QWEN2_SPLIT_PATTERN

    text = (
        "<|im_start|>user\nLet's book 2 seats for O'Malley and D'Souza, id BOO-17292 at 3.25 in \"Oslo\"  ok?\n\n"
        "'Tomorrow' works.\n\t\n<|im_end|>\n"
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": 12}}\n \n</tool_call>'
    )
    save_tokenizer(train_tokenizer(TEXT + [text] * 8, 400), tmp_path)  # the text's own merges are in the vocab
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}))
    ours = load_tokenizer(tmp_path)(text)["input_ids"]
    qwen = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    qwen.pre_tokenizer = tokenizers.pre_tokenizers.Sequence([
        tokenizers.pre_tokenizers.Split(tokenizers.Regex(QWEN2_SPLIT_PATTERN), behavior="isolated"),
        tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    assert qwen.encode(text, add_special_tokens=False).ids == ours
    assert AutoTokenizer.from_pretrained(str(tmp_path))(text)["input_ids"] == ours


def test_saved_tokenizer_config_uses_names_older_transformers_know(trained, tmp_path):
    save_tokenizer(trained, tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert "extra_special_tokens" not in config
    assert set(config["additional_special_tokens"]) == {"<|im_start|>", "<|im_end|>"}


def test_missing_folder_is_an_input_error_naming_it(tmp_path):
    with pytest.raises(InputError, match="model folder not found") as err:
        load_tokenizer(tmp_path / "nope")
    assert err.value.source.endswith("nope")


def test_folder_without_tokenizer_files_names_tokenizer_json(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(InputError, match="no tokenizer files") as err:
        load_tokenizer(tmp_path)
    assert err.value.source.endswith("tokenizer.json")


def test_tokenizer_without_chat_template_names_the_config_file_and_key(trained, tmp_path):
    save_tokenizer(trained, tmp_path)
    (tmp_path / "chat_template.jinja").unlink()
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(InputError) as err:
        load_tokenizer(tmp_path)
    assert err.value.source.endswith("tokenizer_config.json")
    assert err.value.pointer == "chat_template"
    assert "chat_template.jinja" in err.value.problem


def test_unreadable_tokenizer_json_is_an_input_error(trained, tmp_path):
    save_tokenizer(trained, tmp_path)
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(InputError, match="cannot load the tokenizer"):
        load_tokenizer(tmp_path)
