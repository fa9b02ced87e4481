"""The sampler against transformers' greedy generate, the full forward, itself under other layouts, and a sharded copy.

Compiles dominate the run time, so most tests share one shape: 4 rows, prompt bucket 16,
20 new tokens (sampling settings are run-time values and never recompile).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from inftool_jax.errors import InputError  # noqa: E402
from inftool_jax.model import load_pretrained, make_mesh  # noqa: E402
from inftool_jax.model.config import MeshConfig  # noqa: E402
from inftool_jax.rollout.logits_processing import filter_top_k_top_p  # noqa: E402
from inftool_jax.rollout.sampler import Sampler, _decode, _prefill, prompt_bucket  # noqa: E402
from inftool_jax.rollout.sampling_config import SamplingConfig  # noqa: E402

VOCAB, EOS = 96, 2
HF_CONFIG = dict(
    model_type="qwen2",
    architectures=["Qwen2ForCausalLM"],
    vocab_size=VOCAB,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    rms_norm_eps=1e-6,
    max_position_embeddings=256,
    rope_theta=10000.0,
    tie_word_embeddings=False,
    bos_token_id=1,
    eos_token_id=EOS,
    pad_token_id=0,
)
LENGTHS = (3, 11, 7, 14)
MAX_NEW = 20
GREEDY = SamplingConfig(max_new_tokens=MAX_NEW, temperature=0.0)
SAMPLE = SamplingConfig(max_new_tokens=MAX_NEW, temperature=0.9, top_k=20, top_p=0.95)


def _prompts(seed=0, lengths=LENGTHS):
    rng = np.random.default_rng(seed)
    return [rng.integers(3, VOCAB, n).tolist() for n in lengths]


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    """A transformers Qwen2 with O(1) random weights (peaked next-token distributions), saved as an HF folder."""
    config = transformers.AutoConfig.for_model(**HF_CONFIG)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            p.copy_(1.0 + 0.2 * noise if name.endswith("norm.weight") else (0.3 * noise if name.endswith(".bias") else 2 * noise / np.sqrt(p.shape[-1])))
    folder = tmp_path_factory.mktemp("hf") / "qwen2"
    model.eval().save_pretrained(folder)
    return folder, model


@pytest.fixture(scope="module")
def sampler(hf_folder):
    return Sampler(load_pretrained(hf_folder[0], progress=False))


@pytest.fixture(scope="module")
def greedy(sampler):
    return sampler.generate(_prompts(), GREEDY, jax.random.key(0))


def test_greedy_equals_transformers_greedy_generate_for_prompts_of_different_lengths(hf_folder, greedy):
    ref = hf_folder[1]
    stopped = 0
    for row, prompt in enumerate(_prompts()):
        with torch.no_grad():
            out = ref.generate(
                torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                max_new_tokens=MAX_NEW, do_sample=False, eos_token_id=EOS, pad_token_id=0,
            )
        want = out[0, len(prompt) :].tolist()
        if want and want[-1] == EOS:
            stopped += 1
            assert greedy.finish_reasons[row] == "stop_token"
        else:
            assert len(want) == MAX_NEW and greedy.finish_reasons[row] == "length"
        assert greedy.tokens[row, : greedy.lengths[row]].tolist() == want
    assert greedy.tokens.shape == (len(LENGTHS), MAX_NEW)
    assert 0 < stopped < len(LENGTHS)  # both the eos id from config.json and max_new_tokens ended rows


def test_output_past_the_end_is_padding_with_mask_zero(greedy):
    for row, n in enumerate(greedy.lengths):
        assert greedy.mask[row].tolist() == [True] * n + [False] * (MAX_NEW - n)
        assert set(greedy.tokens[row, n:].tolist()) <= {0}
        assert not greedy.logprobs[row, n:].any()


full_forward = nnx.jit(lambda m, ids, mask: m(ids, attention_mask=mask))


@jax.jit
def _processed_log_probs(logits):
    n = logits.shape[0]
    k, p = jnp.full((n,), SAMPLE.top_k), jnp.full((n,), SAMPLE.top_p)
    return jax.nn.log_softmax(filter_top_k_top_p(logits / SAMPLE.temperature, k, p))


def test_log_probs_equal_log_softmax_of_the_full_forward_at_the_sampled_tokens(sampler):
    out = sampler.generate(_prompts(), SAMPLE, jax.random.key(7))
    prompts = _prompts()
    width = max(LENGTHS) + MAX_NEW
    ids = np.zeros((len(prompts), width), np.int32)
    mask = np.zeros_like(ids)
    for r, p in enumerate(prompts):
        seq = p + out.tokens[r, : out.lengths[r]].tolist()
        ids[r, : len(seq)], mask[r, : len(seq)] = seq, 1
    logits = np.asarray(full_forward(sampler.model, jnp.asarray(ids), jnp.asarray(mask)))
    step_logits = np.concatenate([logits[r, len(p) - 1 : len(p) - 1 + out.lengths[r]] for r, p in enumerate(prompts)])
    toks = out.tokens[out.mask]  # row-major, the same order
    at = np.arange(len(toks))
    np.testing.assert_allclose(out.logprobs[out.mask], np.asarray(jax.nn.log_softmax(step_logits))[at, toks], atol=1e-5, rtol=0)
    processed = np.asarray(_processed_log_probs(jnp.asarray(step_logits)))[at, toks]
    np.testing.assert_allclose(out.sampling_logprobs[out.mask], processed, atol=1e-5, rtol=0)
    assert (out.sampling_logprobs[out.mask] > out.logprobs[out.mask]).mean() > 0.5  # filtering sharpened the draws


def test_top_k_one_sampling_equals_greedy(sampler, greedy):
    out = sampler.generate(_prompts(), SamplingConfig(max_new_tokens=MAX_NEW, temperature=1.3, top_k=1), jax.random.key(5))
    np.testing.assert_array_equal(out.tokens, greedy.tokens)
    np.testing.assert_allclose(out.logprobs, greedy.logprobs, atol=1e-6)


def test_same_key_same_output_and_another_key_another_output(sampler):
    a = sampler.generate(_prompts(), SAMPLE, jax.random.key(1))
    b = sampler.generate(_prompts(), SAMPLE, jax.random.key(1))
    c = sampler.generate(_prompts(), SAMPLE, jax.random.key(2))
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.logprobs, b.logprobs)
    assert (a.tokens != c.tokens).any()


def test_a_row_does_not_depend_on_its_batch_mates_and_calls_in_one_bucket_do_not_recompile(sampler):
    first = sampler.generate(_prompts(), SAMPLE, jax.random.key(3))
    sizes = (_prefill._cache_size(), _decode._cache_size())
    others = _prompts(seed=9, lengths=(3, 12, 9, 16))  # same bucket (16), other batch-mates for row 0
    others[0] = _prompts()[0]
    second = sampler.generate(others, SAMPLE.model_copy(update={"temperature": 0.7}), jax.random.key(3))
    assert (_prefill._cache_size(), _decode._cache_size()) == sizes
    third = sampler.generate(others, SAMPLE, jax.random.key(3))
    np.testing.assert_array_equal(third.tokens[0], first.tokens[0])
    np.testing.assert_allclose(third.logprobs[0], first.logprobs[0], atol=1e-6)
    assert (second.tokens[0] != first.tokens[0]).any() or (second.sampling_logprobs[0] != first.sampling_logprobs[0]).any()


@pytest.mark.slow  # one more compile
def test_a_larger_prompt_bucket_gives_the_same_tokens(sampler, greedy):
    out = sampler.generate(_prompts(), GREEDY.model_copy(update={"min_prompt_bucket": 32}), jax.random.key(0))
    np.testing.assert_array_equal(out.tokens, greedy.tokens)
    np.testing.assert_allclose(out.logprobs, greedy.logprobs, atol=1e-5)


@pytest.mark.parametrize("side", ["left", "right", "auto"])
def test_padded_arrays_on_either_side_give_the_same_output_as_lists(sampler, greedy, side):
    prompts = _prompts()
    width = max(LENGTHS)
    ids = np.full((len(prompts), width), 0, np.int32)
    mask = np.zeros_like(ids)
    for r, p in enumerate(prompts):
        cols = slice(width - len(p), width) if side == "left" or (side == "auto" and r % 2) else slice(0, len(p))
        ids[r, cols], mask[r, cols] = p, 1
    out = sampler.generate(ids, GREEDY, jax.random.key(0), attention_mask=mask, padding_side=side)
    np.testing.assert_array_equal(out.tokens, greedy.tokens)


def test_stop_token_ends_the_row_right_after_it(sampler, greedy):
    row = 1
    toks = greedy.tokens[row].tolist()
    t = next(i for i in range(3, MAX_NEW) if toks[i] not in toks[:i] and toks[i] != EOS)
    out = sampler.generate(_prompts(), GREEDY.model_copy(update={"stop_token_ids": [toks[t]], "stop_at_eos": False}), 0)
    assert out.lengths[row] == t + 1 and out.finish_reasons[row] == "stop_token"
    assert out.tokens[row, : t + 1].tolist() == toks[: t + 1]
    assert out.mask[row].sum() == t + 1


def test_num_samples_repeats_each_prompt_in_order(sampler):
    prompts = _prompts()[:2]
    out = sampler.generate(prompts, SAMPLE.model_copy(update={"num_samples": 2}), jax.random.key(4))
    assert out.prompt_index.tolist() == [0, 0, 1, 1]
    assert [p.tolist() for p in out.prompts] == [prompts[0], prompts[0], prompts[1], prompts[1]]
    assert (out.tokens[0] != out.tokens[1]).any() and (out.tokens[2] != out.tokens[3]).any()


def _assert_same_outputs(a, b):
    for field in ("tokens", "mask", "lengths"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.finish_reasons == b.finish_reasons
    # XLA:CPU may pick another dot kernel for a smaller prefill batch (the effect that makes a row's
    # log-probs depend on its batch-mates): last-bit differences on this tiny model, none at the
    # benchmark's sizes
    for field in ("logprobs", "sampling_logprobs"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), atol=1e-5, rtol=0, err_msg=field)


def test_shared_prefill_gives_exactly_the_outputs_of_prefilling_every_sample(sampler):
    prompts = _prompts()[1:3]
    config = SAMPLE.model_copy(update={"num_samples": 2})
    shared = sampler.generate(prompts, config, jax.random.key(8))
    repeated = Sampler(sampler.model, share_prefill=False).generate(prompts, config, jax.random.key(8))
    _assert_same_outputs(shared, repeated)
    assert (shared.tokens[0] != shared.tokens[1]).any()  # the samples of one prompt still differ
    # the same rows given explicitly (num_samples=1) share their prefill too and keep their keys
    flat = sampler.generate([p for p in prompts for _ in range(2)], config.model_copy(update={"num_samples": 1}), jax.random.key(8))
    _assert_same_outputs(flat, repeated)


def test_distinct_prompts_are_prefilled_once_and_every_row_points_at_its_prompt(sampler):
    rows = [np.asarray(p, np.int32) for p in ([4, 5], [6], [4, 5], [4, 5, 6], [6])]
    distinct, source = sampler._distinct_prompts(rows)
    assert [d.tolist() for d in distinct] == [[4, 5], [6], [4, 5, 6]]
    assert source.tolist() == [0, 1, 0, 2, 1]
    distinct, source = Sampler(sampler.model, share_prefill=False)._distinct_prompts(rows)
    assert len(distinct) == 5 and source.tolist() == [0, 1, 2, 3, 4]


def test_sharded_model_on_fsdp4_tp2_gives_the_unsharded_greedy_tokens(hf_folder, greedy):
    mesh = make_mesh(MeshConfig(fsdp=4, tp=2))
    model = load_pretrained(hf_folder[0], mesh=mesh, progress=False)
    assert len(model.layers[0].self_attn.q_proj.weight[...].sharding.device_set) == 8
    prompts = _prompts()[:3]  # padded to 4 rows for the fsdp axis
    out = Sampler(model, mesh=mesh).generate(prompts, GREEDY, jax.random.key(0))
    assert out.tokens.shape == (3, MAX_NEW)
    np.testing.assert_array_equal(out.tokens, greedy.tokens[:3])
    # fp32 reductions split over devices round differently (seen: 1.2e-5 on a log-prob of -3.5): tokens must be
    # identical, log-probs equal to float rounding.
    np.testing.assert_allclose(out.logprobs, greedy.logprobs[:3], atol=5e-5)


@pytest.mark.slow  # sharded compiles
def test_sharded_shared_prefill_gives_the_unsharded_samples(hf_folder, sampler):
    mesh = make_mesh(MeshConfig(fsdp=4, tp=2))
    model = load_pretrained(hf_folder[0], mesh=mesh, progress=False)
    prompts = _prompts()[:2]  # 2 distinct prompts padded to 4 for prefill, 6 rows padded to 8 for decoding
    config = SAMPLE.model_copy(update={"num_samples": 3})
    out = Sampler(model, mesh=mesh).generate(prompts, config, jax.random.key(6))
    ref = sampler.generate(prompts, config, jax.random.key(6))
    np.testing.assert_array_equal(out.tokens, ref.tokens)
    np.testing.assert_allclose(out.logprobs, ref.logprobs, atol=5e-5)  # sharded fp32 rounding, as above


def test_prompt_buckets_are_powers_of_two_at_least_the_minimum():
    assert [prompt_bucket(n, 16) for n in (1, 16, 17, 100)] == [16, 16, 32, 128]
    assert prompt_bucket(5, 1) == 8


@pytest.mark.parametrize(
    "prompts, kwargs, needle",
    [
        ([], {}, "no prompts"),
        ([[1, 2], []], {}, "/1: a prompt must hold at least one token"),
        ([[1, VOCAB]], {}, f"/0: token id {VOCAB} is outside the vocabulary"),
        ([[1, 2.5]], {}, "/0: a prompt must be a flat list of integer"),
        (np.array([[1, 2, 3]]), {"attention_mask": np.array([[1, 0, 1]])}, "/0: the attention mask of a padded row"),
        (np.array([[1, 2, 0]]), {"attention_mask": np.array([[1, 1, 0]]), "padding_side": "left"}, "padding on the right"),
        (np.array([[1, 2]]), {"padding_side": "middle"}, "padding_side"),
        ([[1, 2]], {"attention_mask": [[1, 1]]}, "only padded prompt arrays"),
    ],
)
def test_bad_prompts_are_input_errors_naming_the_row(sampler, prompts, kwargs, needle):
    with pytest.raises(InputError, match="^<prompts>") as err:
        sampler.generate(prompts, GREEDY, 0, **kwargs)
    assert needle in str(err.value)


def test_stop_strings_without_a_tokenizer_are_an_input_error(sampler):
    with pytest.raises(InputError, match="stop_strings: stop strings need a tokenizer"):
        sampler.generate(_prompts(), GREEDY.model_copy(update={"stop_strings": ["x"]}), 0)
