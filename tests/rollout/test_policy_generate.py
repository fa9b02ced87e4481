"""The rollouts' generation function: GRPO groups go to the sampler as distinct prompts with num_samples=G (G given by the caller)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from flax import nnx

from inftool_jax.model.decoder import CausalLM
from inftool_jax.rollout.policy_generate import sampler_generate_fn
from inftool_jax.rollout.sampler import Sampler
from inftool_jax.rollout.sampling_config import SamplingConfig

HF_CONFIG = dict(
    model_type="qwen2", architectures=["Qwen2ForCausalLM"], vocab_size=64, hidden_size=32, intermediate_size=48,
    num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, rms_norm_eps=1e-6,
    max_position_embeddings=128, rope_theta=10000.0, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
    pad_token_id=0, initializer_range=0.5,
)
SAMPLING = SamplingConfig(max_new_tokens=8, temperature=1.0, min_prompt_bucket=8)


class RecordingSampler(Sampler):
    """The real sampler, remembering how it was called."""

    calls: list

    def generate(self, prompts, config=None, key=0, **kw):
        self.calls.append(([list(p) for p in prompts], config.num_samples))
        return super().generate(prompts, config, key, **kw)


@pytest.fixture(scope="module")
def model():
    return CausalLM(HF_CONFIG, rngs=nnx.Rngs(0))


def _tokens(outs):
    return [o.tokens.tolist() for o in outs]


def test_a_grpo_batch_is_sent_as_distinct_prompts_with_num_samples_and_keeps_every_rows_output(model):
    distinct = [np.array([5, 6, 7], np.int32), np.array([9, 10, 11, 12], np.int32)]
    prompts = [distinct[0]] * 4 + [distinct[1]] * 4
    sampler = RecordingSampler(model)
    sampler.calls = []
    outs = sampler_generate_fn(sampler, SAMPLING, 3)(distinct, 4)
    assert sampler.calls == [([[5, 6, 7], [9, 10, 11, 12]], 4)]
    # the row-per-prompt reference: every row prefilled on its own, same key schedule
    ref = Sampler(model, share_prefill=False).generate(prompts, SAMPLING, jax.random.fold_in(jax.random.PRNGKey(3), 0))
    assert _tokens(outs) == [ref.tokens[i, : ref.lengths[i]].tolist() for i in range(8)]
    assert [o.finished for o in outs] == [r == "stop_token" for r in ref.finish_reasons]
    assert len({tuple(t) for t in _tokens(outs[:4])}) > 1  # the G samples differ


def test_later_rounds_with_distinct_prompts_go_one_sample_each_with_the_next_key(model):
    sampler = RecordingSampler(model)
    sampler.calls = []
    generate = sampler_generate_fn(sampler, SAMPLING.model_copy(update={"num_samples": 4}), 3)
    generate([np.array([5, 6], np.int32)], 2)
    prompts = [np.array([5, 6, 8], np.int32), np.array([5, 6, 9, 9], np.int32), np.array([4], np.int32)]
    outs = generate(prompts, 1)
    assert [n for _, n in sampler.calls] == [2, 1]
    ref = Sampler(model).generate(prompts, SAMPLING, jax.random.fold_in(jax.random.PRNGKey(3), 1))
    assert _tokens(outs) == [ref.tokens[i, : ref.lengths[i]].tolist() for i in range(3)]
    assert generate([], 1) == []
