import jax
import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.errors import InputError
from inftool_jax.rl.advantages import get_advantage_fn, group_centered, group_normalized, nonzero_variance_mask


def test_grpo_advantage_is_mean_std_normalised_within_each_group():
    rewards = jnp.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 0.5, 0.5])
    adv = np.asarray(group_normalized(rewards, 4, eps=0.0 + 1e-6))
    # group 1: mean 0.5, population std 0.5 -> +-1 ; group 2: all equal -> 0
    np.testing.assert_allclose(adv, [1, -1, -1, 1, 0, 0, 0, 0], atol=1e-5)


def test_grpo_advantage_on_uneven_rewards_matches_hand_computation():
    adv = np.asarray(group_normalized(jnp.array([3.0, 1.0, 2.0]), 3, eps=1e-6))
    std = np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(adv, [1 / (std + 1e-6), -1 / (std + 1e-6), 0.0], rtol=1e-6)


def test_dr_grpo_advantage_only_centres():
    adv = np.asarray(group_centered(jnp.array([3.0, 1.0, 2.0, 0.0, 0.0, 4.0]), 3))
    np.testing.assert_allclose(adv, [1, -1, 0, -4 / 3, -4 / 3, 8 / 3], rtol=1e-6)


def test_advantages_are_jittable_and_registry_selects_by_name():
    fn = jax.jit(get_advantage_fn("none"), static_argnums=1)
    np.testing.assert_allclose(fn(jnp.array([1.0, 3.0]), 2), [-1, 1])
    assert get_advantage_fn("group") is group_normalized


def test_unknown_advantage_name_is_input_error_naming_key():
    with pytest.raises(InputError) as err:
        get_advantage_fn("ppo")
    assert "grpo.scale_rewards" in str(err.value) and "none" in str(err.value)


def test_rewards_not_divisible_by_group_size_are_rejected():
    with pytest.raises(ValueError):
        group_normalized(jnp.zeros(5), 2)


def test_zero_variance_groups_are_masked_out():
    mask = nonzero_variance_mask(jnp.array([1.0, 1.0, 0.2, 0.2, 0.0, 1.0]), 2)
    np.testing.assert_array_equal(np.asarray(mask), [0, 0, 0, 0, 1, 1])


def test_groups_of_equal_rewards_get_exactly_zero_advantage_despite_float32_rounding():
    rewards = jnp.full(8, 0.65, jnp.float32)  # the float32 mean of eight 0.65s is not 0.65
    assert np.all(np.asarray(group_normalized(rewards, 8)) == 0.0)
    assert np.all(np.asarray(group_centered(rewards, 8)) == 0.0)


def test_the_config_offers_exactly_the_registered_estimators():
    import typing

    from inftool_jax.rl.advantages import ADVANTAGES
    from inftool_jax.rl.grpo_config import GRPOConfig

    assert sorted(typing.get_args(GRPOConfig.model_fields["scale_rewards"].annotation)) == ADVANTAGES.names()


def test_group_advantages_are_the_estimators_values_per_group():
    from inftool_jax.rl.advantages import group_advantages

    rewards = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.5], np.float32)
    np.testing.assert_allclose(group_advantages(rewards, 2), np.asarray(group_normalized(jnp.asarray(rewards), 2)), atol=1e-6)
    np.testing.assert_allclose(group_advantages(rewards, 3, "none"), np.asarray(group_centered(jnp.asarray(rewards), 3)), atol=1e-6)
    with pytest.raises(InputError, match="grpo.scale_rewards"):
        group_advantages(rewards, 2, "grpo")
    with pytest.raises(ValueError):
        group_advantages(rewards, 4)
