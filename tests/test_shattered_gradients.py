"""The shattered-gradients statistics: centred autocorrelation and correlation at many lags."""

import numpy as np
import pytest

from normlab import diagnostics as D


def test_centred_autocorrelation_sees_fluctuations_under_a_large_mean():
    rng = np.random.default_rng(0)
    g = 10.0 + rng.normal(size=(4, 512))  # white fluctuations around a large mean
    assert D.autocorrelation(g, 1)[1] > 0.98  # uncentred: dominated by the mean
    assert abs(D.autocorrelation(g, 1, center=True)[1]) < 4 / np.sqrt(g.size)  # 4 sigma
    with pytest.raises(ValueError, match="constant"):
        D.autocorrelation(np.ones(8), 2, center=True)


def test_lagged_correlation_of_independent_gradients_is_zero_and_of_linear_ones_one():
    rng = np.random.default_rng(1)
    white = rng.normal(size=(16, 256))
    c = D.lagged_correlation(white, [1, 8, 128])
    assert (np.abs(c["correlation"]) < 4 * c["stderr"] + 1e-3).all()
    const = np.tile(rng.normal(size=(16, 1)), (1, 256))
    np.testing.assert_allclose(D.lagged_correlation(const, [1, 100])["correlation"], 1.0)
    with pytest.raises(ValueError, match="lags"):
        D.lagged_correlation(white, [256])
