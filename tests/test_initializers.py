"""Initializers: the untruncated N(0, 1/n) beside Flax's truncated lecun_normal."""

import jax
import numpy as np
import pytest

from normlab import initializers
from normlab.initializers import lecun_normal_untruncated

FAN_IN, FAN_OUT = 1000, 1000  # 10^6 draws
N = FAN_IN * FAN_OUT


def _draw(init):
    return np.asarray(init(jax.random.key(7), (FAN_IN, FAN_OUT)), dtype=np.float64)


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_variance_is_scale_over_fan_in_within_4_sigma(scale):
    w = _draw(lecun_normal_untruncated(scale=scale)) * np.sqrt(
        FAN_IN / scale
    )  # ~ N(0, 1)
    assert abs(w.mean()) < 4 / np.sqrt(N)
    assert abs(w.var() - 1.0) < 4 * np.sqrt(2 / N)  # sd of a sample variance of N(0, 1)


def test_untruncated_tails_unlike_flax_lecun_normal():
    ours = _draw(lecun_normal_untruncated()) * np.sqrt(FAN_IN)
    p = 0.04550026389635842  # P(|z| > 2) for z ~ N(0, 1)
    frac = np.mean(np.abs(ours) > 2)
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / N)
    flax = _draw(initializers.get("lecun_normal")) * np.sqrt(FAN_IN)
    assert (
        np.abs(flax).max() <= 2 / 0.87962566103423978 + 1e-5
    )  # truncated at 2 sd, rescaled
    assert abs(flax.var() - 1.0) < 4 * np.sqrt(
        2 / N
    )  # its kurtosis < 3: a looser bound


def test_registered_under_clear_names():
    w1 = initializers.get("lecun_normal_untruncated")(jax.random.key(0), (4, 3))
    w2 = lecun_normal_untruncated()(jax.random.key(0), (4, 3))
    np.testing.assert_array_equal(w1, w2)
    w3 = initializers.get("he_normal_untruncated")(jax.random.key(0), (4, 3))
    np.testing.assert_allclose(w3, np.sqrt(2) * w1, rtol=1e-6)
