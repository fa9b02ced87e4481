import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.errors import InputError
from inftool_jax.rl.loss_aggregation import get_aggregation

L = jnp.array([[1.0, 2.0, 3.0, 9.0], [4.0, 9.0, 9.0, 9.0]])
M = jnp.array([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])


def test_token_mean_divides_by_all_trained_tokens():
    assert float(get_aggregation("dapo")(L, M)) == pytest.approx((1 + 2 + 3 + 4) / 4)


def test_sequence_mean_token_mean_averages_per_sequence_means():
    assert float(get_aggregation("grpo")(L, M)) == pytest.approx((2.0 + 4.0) / 2)


def test_sequence_mean_token_scale_uses_fixed_length():
    agg = get_aggregation("dr_grpo")
    assert float(agg(L, M)) == pytest.approx((6 / 4 + 4 / 4) / 2)
    assert float(agg(L, M, max_len=10)) == pytest.approx((6 / 10 + 4 / 10) / 2)


def test_fully_masked_sequences_do_not_count_and_empty_batch_is_zero():
    m = M.at[1].set(0.0)
    assert float(get_aggregation("grpo")(L, m)) == pytest.approx(2.0)
    for name in ("dapo", "grpo", "dr_grpo"):
        assert float(get_aggregation(name)(L, jnp.zeros_like(M))) == 0.0


@pytest.mark.parametrize("name", ["dapo", "grpo", "dr_grpo"])
def test_global_denominators_make_micro_batch_sums_equal_full_batch(name):
    rng = np.random.default_rng(1)
    per = jnp.asarray(rng.normal(size=(6, 5)), jnp.float32)
    mask = jnp.asarray(rng.random((6, 5)) < 0.6, jnp.float32).at[:, 0].set(1.0)
    agg = get_aggregation(name)
    full = float(agg(per, mask))
    n_tok, n_seq = float(mask.sum()), 6.0
    parts = sum(float(agg(per[i : i + 2], mask[i : i + 2], num_tokens=n_tok, num_sequences=n_seq)) for i in (0, 2, 4))
    assert parts == pytest.approx(full, rel=1e-5)


def test_unknown_aggregation_is_input_error():
    with pytest.raises(InputError, match="dapo"):
        get_aggregation("sum")


def test_the_config_offers_exactly_the_registered_loss_types():
    import typing

    from inftool_jax.rl.grpo_config import GRPOConfig
    from inftool_jax.rl.loss_aggregation import AGGREGATIONS

    assert sorted(typing.get_args(GRPOConfig.model_fields["loss_type"].annotation)) == AGGREGATIONS.names()
