"""`inftool import-gguf`: GGUF files written here from tiny random models, imported, and checked against
transformers' own GGUF loading (logits and token ids), the models they came from, and hand computations."""

from __future__ import annotations

import argparse
import functools
import json
import unicodedata

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
gguf = pytest.importorskip("gguf")

from gguf import GGMLQuantizationType as Q  # noqa: E402
from gguf.quants import quantize  # noqa: E402

from inftool_jax.errors import InputError  # noqa: E402
from inftool_jax.model import load_pretrained  # noqa: E402
from inftool_jax.model.gguf_import import import_gguf  # noqa: E402
from inftool_jax.model.gguf_reader import GGUFFile  # noqa: E402
from inftool_jax.model.gguf_tokenizer import PRE_TOKENIZERS  # noqa: E402
from inftool_jax.model.gguf_weights import unpermute_rows  # noqa: E402
from inftool_jax.model.tokenizer import load_tokenizer  # noqa: E402

# Tokenizer training text: excerpts of real public API docs (GitHub REST "List repository issues", Open-Meteo
# forecast parameters, Stripe "Create a PaymentIntent", Twilio "Create a Message") and tool calls made from them.
CORPUS = [
    "List repository issues. List issues in a repository. Only open issues will be listed.",
    "owner: The account owner of the repository. The name is not case sensitive.",
    "state: Indicates the state of the issues to return. Can be one of: open, closed, all. Default: open",
    "per_page: The number of results per page (max 100). page: The page number of the results to fetch.",
    "latitude, longitude: Geographical WGS84 coordinates of the location. Multiple coordinates can be comma separated.",
    "hourly=temperature_2m,relative_humidity_2m&timezone=Europe/Berlin&forecast_days=7",
    "amount: Amount intended to be collected by this PaymentIntent, a positive integer in the smallest currency unit.",
    "currency: Three-letter ISO currency code, in lowercase. Must be a supported currency: usd, eur, gbp.",
    "To: The recipient's phone number in E.164 format, e.g. +14155552671. Body: The text of the message you want to send.",
    '{"name": "list_issues", "arguments": {"owner": "octocat", "repo": "Hello-World", "state": "closed", "per_page": 30}}',
    '{"name": "get_forecast", "arguments": {"latitude": 52.52, "longitude": 13.41, "forecast_days": 7}}',
    '{"name": "create_payment_intent", "arguments": {"amount": 2000, "currency": "usd"}}',
    "I'll check the weather in Zürich and São Paulo; we're done by 2024-05-17T09:30:00Z.",
    "    def get(self, url):\n        return requests.get(url, timeout=10)\n\n\n",
]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # control tokens (type 3)
USER_DEFINED = ["<tool_call>", "</tool_call>"]  # matched whole, not special (type 4), as in Qwen2.5's vocabulary

# Text the tokenizers are compared on: none of it was written to fit the code.
TEXTS = [
    "Hello world",
    "List the open issues of octocat/Hello-World, 30 per page.",
    "Send +14155552671 the code 000123 at 2026-11-22 09:05 (UTC+01:00).",
    "Zürich, São Paulo, Kraków, 東京 and 🚀 rockets; I'll go, we're 'quoted' THEY'LL",
    "tabs\tand  double  spaces\n\n\nnewlines   \n  trailing  ",
    '<|im_start|>user\nWhat is 12.5 * 3?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "calc", "arguments": {"x": 12.5}}\n</tool_call><|im_end|>',
    "amount=2000&currency=usd&payment_method_types[]=card",
    "x" * 40 + " 1234567890 " + "9" * 17,
]

# SmolLM2-Instruct's chat template layout (ChatML with a default system prompt; no tools).
CHATML_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named Tiny, trained by tests<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def _train_tokenizer(pre: str, vocab_size: int = 420):
    """A byte-level BPE trained with `tokenizers` under the split the GGUF `pre` name stands for (the ground truth)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX as qwen2_split

    tok = Tokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre == "smollm":  # SmolLM2's tokenizer.json: Digits(individual) then ByteLevel with GPT-2's regex
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    elif pre == "qwen2":  # Qwen2.5's tokenizer.json: NFC, then its Split regex, then ByteLevel without regex
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Split(Regex(qwen2_split), "isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
        )
    else:
        raise AssertionError(pre)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(CORPUS * 3, trainer=trainer)
    from tokenizers import AddedToken

    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in USER_DEFINED])
    return tok


def _vocab_and_merges(tok):
    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [None] * len(vocab)
    for text, index in vocab.items():
        tokens[index] = text
    merges = [" ".join(m) if isinstance(m, list) else m for m in json.loads(tok.to_str())["model"]["merges"]]
    return tokens, merges


def _converter_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf reordering of q/k rows: per head, interleave the two rotary halves."""
    out = np.empty_like(w)
    d = w.shape[0] // n_head
    for h in range(n_head):
        block = w[h * d : (h + 1) * d]
        out[h * d : (h + 1) * d : 2] = block[: d // 2]
        out[h * d + 1 : (h + 1) * d : 2] = block[d // 2 :]
    return out


def _torch_model(model_type: str, vocab: int, tied: bool, seed: int):
    kw = dict(
        vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, rms_norm_eps=1e-5, max_position_embeddings=256, tie_word_embeddings=tied,
        rope_theta=100000.0, bos_token_id=1, eos_token_id=2,
    )
    config = transformers.AutoConfig.for_model(model_type, **kw)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # O(1) weights, gains and biases: a wrong row order or bias shows far above tolerance
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            p.copy_(1.0 + 0.2 * noise if name.endswith("norm.weight") else 0.3 * noise if name.endswith(".bias") else noise / np.sqrt(p.shape[-1]))
    return model.eval()


_GGUF_NAMES = {
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def _gguf_name(hf: str) -> str:
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    layer, rest = hf[len("model.layers.") :].split(".", 1)
    for key, short in _GGUF_NAMES.items():
        if rest.startswith(key):
            return f"blk.{layer}.{short}{rest[len(key):]}"
    raise AssertionError(hf)


def write_gguf(path, model, tok, arch: str, pre: str, qtype, add_bos: bool = False, template: str | None = CHATML_TEMPLATE,
               tokenizer_model: str = "gpt2"):
    """Write ``model`` + ``tok`` as llama.cpp's converter would (names, q/k order for llama, metadata)."""
    cfg = model.config
    w = gguf.GGUFWriter(str(path), arch)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_freq_base(cfg.rope_theta if hasattr(cfg, "rope_theta") else cfg.rope_parameters["rope_theta"])
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    tokens, merges = _vocab_and_merges(tok)
    w.add_tokenizer_model(tokenizer_model)
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types([3 if t in SPECIALS else 4 if t in USER_DEFINED else 1 for t in tokens])
    w.add_token_merges(merges)
    w.add_bos_token_id(tokens.index("<|im_start|>"))
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_add_bos_token(add_bos)
    if template is not None:
        w.add_chat_template(template)
    for name, p in model.state_dict().items():
        if cfg.tie_word_embeddings and name == "lm_head.weight":
            continue
        data = p.detach().numpy().astype(np.float32)
        gname = _gguf_name(name)
        if arch == "llama" and ".attn_q." in gname:
            data = _converter_permute(data, cfg.num_attention_heads)
        elif arch == "llama" and ".attn_k." in gname:
            data = _converter_permute(data, cfg.num_key_value_heads)
        if data.ndim == 1 or qtype == Q.F32:  # llama.cpp keeps norms and biases in F32
            w.add_tensor(gname, data)
        elif qtype == Q.F16:
            w.add_tensor(gname, data.astype(np.float16))
        else:
            w.add_tensor(gname, quantize(data, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


# (GGUF architecture, pre-tokenizer, tied embeddings, block type, BOS added) - SmolLM2's own combination first.
CASES = {
    "llama-smollm-tied-q4_1": ("llama", "smollm", True, Q.Q4_1, False),
    "llama-smollm-untied-f32-bos": ("llama", "smollm", False, Q.F32, True),
    "qwen2-tied-q8_0": ("qwen2", "qwen2", True, Q.Q8_0, False),
    "qwen2-untied-f16": ("qwen2", "qwen2", False, Q.F16, False),
}


@functools.lru_cache(maxsize=None)
def _tokenizer(pre: str):
    return _train_tokenizer(pre)


@pytest.fixture(params=sorted(CASES))
def imported(request, tmp_path):
    arch, pre, tied, qtype, add_bos = CASES[request.param]
    tok = _tokenizer(pre)
    model = _torch_model(arch, tok.get_vocab_size(), tied, seed=sorted(CASES).index(request.param))
    src = tmp_path / "gguf"
    src.mkdir()
    path = write_gguf(src / "tiny.gguf", model, tok, arch, pre, qtype, add_bos)
    summary = import_gguf(path, tmp_path / "hf")
    return dict(model=model, tok=tok, path=path, out=tmp_path / "hf", summary=summary, qtype=qtype, tied=tied, add_bos=add_bos, pre=pre)


def _ids(vocab: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, vocab, size=(2, 24)).astype(np.int32)


def _ours(folder, ids) -> np.ndarray:
    from flax import nnx

    model = load_pretrained(folder, progress=False)
    return np.asarray(nnx.jit(lambda m, i: m(i))(model, ids))


def _torch_logits(model, ids) -> np.ndarray:
    with torch.no_grad():
        return model(input_ids=torch.from_numpy(ids).long()).logits.float().numpy()


def test_logits_match_transformers_own_gguf_loading_and_the_exported_folder(imported):
    ids = _ids(imported["tok"].get_vocab_size())
    ours = _ours(imported["out"], ids)
    theirs_gguf = transformers.AutoModelForCausalLM.from_pretrained(
        imported["path"].parent, gguf_file=imported["path"].name, dtype=torch.float32, attn_implementation="eager"
    ).eval()
    reference = _torch_logits(theirs_gguf, ids)
    err = float(np.abs(ours - reference).max())
    print(f"\n{imported['summary']['block_types']}: project vs transformers(gguf) max-abs {err:.2e} (scale {np.abs(reference).max():.1f})")
    assert err < 2e-4
    folder = transformers.AutoModelForCausalLM.from_pretrained(imported["out"], attn_implementation="eager").eval()
    np.testing.assert_allclose(_torch_logits(folder, ids), reference, atol=2e-4, rtol=0)
    original = _torch_logits(imported["model"], ids)
    if imported["qtype"] == Q.F32:  # nothing lost: the model the file was written from
        assert float(np.abs(ours - original).max()) < 2e-4
    else:  # quantization noise only: the logits still follow the original model's closely
        corr = float(np.corrcoef(ours.ravel(), original.ravel())[0, 1])
        print(f"correlation with the unquantized model {corr:.4f}")
        assert corr > {Q.Q4_1: 0.9, Q.Q8_0: 0.999, Q.F16: 0.9999}[imported["qtype"]]
    config = json.loads((imported["out"] / "config.json").read_text())
    assert config["tie_word_embeddings"] is imported["tied"]
    assert imported["summary"]["tensors"] == len(list(imported["model"].state_dict())) - imported["tied"]


def test_token_ids_match_the_source_tokenizer_and_transformers_gguf_tokenizer(imported):
    ours = load_tokenizer(imported["out"])
    theirs = transformers.AutoTokenizer.from_pretrained(imported["path"].parent, gguf_file=imported["path"].name)
    auto = transformers.AutoTokenizer.from_pretrained(imported["out"])
    source = imported["tok"]
    bos = [source.token_to_id("<|im_start|>")] if imported["add_bos"] else []
    differs_from_transformers = []
    for text in TEXTS:
        want = bos + source.encode(text).ids
        assert ours(text)["input_ids"] == want, text
        assert auto(text)["input_ids"] == want, text
        assert ours.decode(want[len(bos):]) == text
        if theirs(text, add_special_tokens=False)["input_ids"] != want[len(bos):]:
            differs_from_transformers.append(text)
    # transformers has no "smollm" entry (it splits with GPT-2's regex, digits in runs), yet a vocabulary trained on
    # single digits has no merge that joins them, so the ids agree there too.
    assert differs_from_transformers == []


def test_qwen2_text_is_nfc_normalised_like_qwens_tokenizer(tmp_path):
    tok = _tokenizer("qwen2")
    model = _torch_model("qwen2", tok.get_vocab_size(), True, seed=0)
    path = write_gguf(tmp_path / "q.gguf", model, tok, "qwen2", "qwen2", Q.F32)
    import_gguf(path, tmp_path / "hf")
    ours = load_tokenizer(tmp_path / "hf")
    decomposed = unicodedata.normalize("NFD", "Zürich café")
    assert ours(decomposed)["input_ids"] == tok.encode(decomposed).ids == ours("Zürich café")["input_ids"]


def test_pre_tokenizer_regexes_are_the_ones_transformers_names_for_those_models():
    from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_PRE_TOKENIZER_SPLITS
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX as qwen2_split

    from inftool_jax.model.gguf_tokenizer import _LLAMA3, _QWEN2

    assert _QWEN2 == qwen2_split
    for name in ("llama-bpe", "llama3", "smaug-bpe"):
        assert PRE_TOKENIZERS[name][0] == _LLAMA3 == GGUF_PRE_TOKENIZER_SPLITS[name]


def test_q4_1_blocks_dequantize_as_computed_by_hand(tmp_path):
    # One Q4_1 block: f16 scale d, f16 minimum m, 16 bytes of nibbles; element j is the low nibble of byte j,
    # element j + 16 the high nibble; value = d * q + m.
    d, m = np.float16(0.25), np.float16(-1.5)
    q = np.arange(32, dtype=np.uint8) % 16
    packed = (q[:16] | (q[16:] << 4)).astype(np.uint8)
    block = np.concatenate([np.frombuffer(d.tobytes() + m.tobytes(), np.uint8), packed])
    rows = np.stack([block, block])  # a 2 x 32 tensor
    w = gguf.GGUFWriter(str(tmp_path / "q.gguf"), "llama")
    w.add_tensor("t", rows, raw_dtype=Q.Q4_1)  # shape from the bytes: 2 rows of one 20-byte block
    w.write_header_to_file(), w.write_kv_data_to_file(), w.write_tensors_to_file(), w.close()
    got = GGUFFile(tmp_path / "q.gguf").tensor("t")
    by_hand = np.array([0.25 * (j % 16) - 1.5 for j in range(32)], dtype=np.float32)
    assert got.shape == (2, 32)
    np.testing.assert_array_equal(got, np.stack([by_hand, by_hand]))


def test_unpermute_inverts_the_converters_row_order():
    rng = np.random.default_rng(0)
    for heads, rows in ((4, 64), (2, 32), (9, 576)):  # the last: SmolLM2-135M's q rows
        w = rng.standard_normal((rows, 8)).astype(np.float32)
        np.testing.assert_array_equal(unpermute_rows(_converter_permute(w, heads), heads), w)
        bias = rng.standard_normal(rows).astype(np.float32)
        np.testing.assert_array_equal(unpermute_rows(_converter_permute(bias, heads), heads), bias)
    assert not np.array_equal(_converter_permute(w, heads), w)


def test_bfloat16_import_writes_bfloat16_that_transformers_reads(tmp_path):
    tok = _tokenizer("smollm")
    model = _torch_model("llama", tok.get_vocab_size(), True, seed=3)
    path = write_gguf(tmp_path / "m.gguf", model, tok, "llama", "smollm", Q.F32)
    import_gguf(path, tmp_path / "hf", dtype="bfloat16")
    back = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "hf", dtype="auto")
    assert back.model.embed_tokens.weight.dtype == torch.bfloat16
    ids = _ids(tok.get_vocab_size(), 1)
    ours = _ours(tmp_path / "hf", ids)
    assert float(np.corrcoef(ours.ravel(), _torch_logits(model, ids).ravel())[0, 1]) > 0.999


def test_tools_template_keeps_the_models_system_prompt_and_lists_the_tools(tmp_path):
    tok = _tokenizer("smollm")
    model = _torch_model("llama", tok.get_vocab_size(), True, seed=4)
    path = write_gguf(tmp_path / "m.gguf", model, tok, "llama", "smollm", Q.F32)
    import_gguf(path, tmp_path / "own")
    import_gguf(path, tmp_path / "tools", chat_template="tools-compact")
    messages = [{"role": "user", "content": "Issues of octocat/Hello-World?"}]
    # OpenAI tool schema of GitHub's "List repository issues" (owner and repo required, state an enum).
    tools = [{"type": "function", "function": {"name": "list_issues", "description": "List repository issues", "parameters": {
        "type": "object", "properties": {"owner": {"type": "string"}, "repo": {"type": "string"},
                                         "state": {"type": "string", "enum": ["open", "closed", "all"]}},
        "required": ["owner", "repo"]}}}]
    own = load_tokenizer(tmp_path / "own").apply_chat_template(messages, tools=tools, tokenize=False)
    assert "list_issues" not in own  # the model's own template ignores tools: why the tools modes exist
    text = load_tokenizer(tmp_path / "tools").apply_chat_template(messages, tools=tools, tokenize=False, add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\nYou are a helpful AI assistant named Tiny, trained by tests\n\n# Tools")
    assert '- list_issues(owner: string, repo: string, state?: "open"|"closed"|"all"): List repository issues' in text
    assert text.endswith("<|im_start|>user\nIssues of octocat/Hello-World?<|im_end|>\n<|im_start|>assistant\n")


# --- bad input ---------------------------------------------------------------------------------------------------


def _tiny_file(tmp_path, **changes):
    tok = _tokenizer("smollm")
    model = _torch_model("llama", tok.get_vocab_size(), True, seed=5)
    arch = changes.pop("arch", "llama")
    return write_gguf(tmp_path / "bad.gguf", model, tok, arch, changes.pop("pre", "smollm"), Q.F32, **changes)


def test_a_file_that_is_not_gguf_is_named(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(InputError, match="not a GGUF file") as err:
        import_gguf(tmp_path / "x.gguf", tmp_path / "out")
    assert err.value.source.endswith("x.gguf")
    with pytest.raises(InputError, match="not found"):
        import_gguf(tmp_path / "missing.gguf", tmp_path / "out")


def test_truncated_gguf_is_an_input_error(tmp_path):
    path = _tiny_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="not a readable GGUF file"):
        import_gguf(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unsupported_architecture_names_the_key(tmp_path):
    with pytest.raises(InputError) as err:
        import_gguf(_tiny_file(tmp_path, arch="gemma2"), tmp_path / "out")
    assert err.value.pointer == "general.architecture" and "gemma2" in err.value.problem


def test_unknown_pre_tokenizer_names_the_key(tmp_path):
    with pytest.raises(InputError) as err:
        import_gguf(_tiny_file(tmp_path, pre="made-up"), tmp_path / "out")
    assert err.value.pointer == "tokenizer.ggml.pre" and "made-up" in err.value.problem
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_sentencepiece_vocabulary_is_refused_by_name(tmp_path):
    with pytest.raises(InputError) as err:
        import_gguf(_tiny_file(tmp_path, tokenizer_model="llama"), tmp_path / "out")
    assert err.value.pointer == "tokenizer.ggml.model" and "'llama'" in err.value.problem


def test_missing_hyper_parameter_names_the_metadata_key(tmp_path):
    w = gguf.GGUFWriter(str(tmp_path / "m.gguf"), "llama")
    w.add_embedding_length(64)  # no attention.head_count, block_count, ...
    w.add_tensor("token_embd.weight", np.zeros((8, 64), np.float32))
    w.write_header_to_file(), w.write_kv_data_to_file(), w.write_tensors_to_file(), w.close()
    with pytest.raises(InputError) as err:
        import_gguf(tmp_path / "m.gguf", tmp_path / "out")
    assert err.value.pointer == "llama.attention.head_count" and "missing" in err.value.problem


def test_cpu_smollm2_config_validates_and_points_at_the_fetched_folder():
    from pathlib import Path

    from inftool_jax.config import load_config

    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "configs" / "cpu_smollm2.yaml")
    assert config.resolve(config.model.path).resolve() == root / "runs" / "smollm2"  # scripts/fetch_smollm2.sh's default
    assert config.loop.bfcl_categories == ["simple_python", "multiple", "parallel", "irrelevance"]


def test_tools_template_needs_chatml_tokens_and_gguf_mode_needs_a_template(tmp_path):
    path = _tiny_file(tmp_path, template=None)
    with pytest.raises(InputError) as err:
        import_gguf(path, tmp_path / "out")
    assert err.value.pointer == "tokenizer.chat_template"
    with pytest.raises(InputError) as err:
        import_gguf(path, tmp_path / "out", chat_template="jinja-of-my-own")
    assert err.value.pointer == "--chat-template"
    from inftool_jax.model.gguf_tokenizer import chat_template

    with pytest.raises(InputError, match="lacks <\\|im_start\\|>, <\\|im_end\\|>") as err:
        chat_template(GGUFFile(path), "tools-full", tokens=["<s>", "</s>", "a"])  # a Llama-2-style vocabulary
    assert err.value.pointer == "tokenizer.ggml.tokens"


def test_non_empty_output_needs_force(tmp_path):
    path = _tiny_file(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="--force"):
        import_gguf(path, tmp_path / "out")
    import_gguf(path, tmp_path / "out", overwrite=True)
    assert not (tmp_path / "out" / "keep.txt").exists() and (tmp_path / "out" / "model.safetensors").is_file()


def test_command_line_imports_and_reports(tmp_path, capsys):
    from inftool_jax.commands import import_gguf as command
    from inftool_jax.model import gguf_import, gguf_tokenizer

    assert command.DTYPES == gguf_import.DTYPES and command.CHAT_TEMPLATE_MODES == gguf_tokenizer.CHAT_TEMPLATE_MODES
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    path = _tiny_file(tmp_path)
    args = parser.parse_args(["import-gguf", str(path), "--out", str(tmp_path / "hf"), "--chat-template", "tools-full"])
    assert args.func(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["architecture"] == "llama" and summary["block_types"] == {"F32": summary["tensors"]}
    assert "# Tools" in (tmp_path / "hf" / "chat_template.jinja").read_text()
