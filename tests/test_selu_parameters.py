"""selu_parameters: the published constants, any fixed point under both conventions, errors."""

import math

import pytest

from normlab.activations import ALPHA, LAMBDA, elu, selu_parameters
from normlab.snn import gaussian_moments

TARGETS = [
    (0.0, 1.0),
    (0.0, 4.0),
    (0.0, 0.25),
    (0.5, 1.0),
    (-0.5, 1.0),
    (0.3, 2.0),
    (0.0, 0.01),
]


def test_standard_fixed_point_gives_the_published_constants():
    for convention in ("notebook", "normalized_weights"):
        alpha, lam = selu_parameters(0.0, 1.0, convention=convention)
        assert abs(alpha - ALPHA) < 1e-12
        assert abs(lam - LAMBDA) < 1e-12


@pytest.mark.parametrize("convention", ["notebook", "normalized_weights"])
@pytest.mark.parametrize(("mean", "var"), TARGETS)
def test_solved_parameters_reach_the_target_by_integration(convention, mean, var):
    alpha, lam = selu_parameters(mean, var, convention=convention)
    assert alpha > 0 and lam > 0
    pre_mean = mean if convention == "notebook" else 0.0
    m1, m2 = gaussian_moments(lambda x: lam * elu(x, alpha), pre_mean, var, nodes=150)
    assert abs(m1 - mean) < 1e-8
    assert abs(m2 - m1**2 - var) < 1e-8


def test_conventions_differ_only_off_zero_mean():
    assert selu_parameters(0.0, 4.0) == pytest.approx(
        selu_parameters(0.0, 4.0, convention="normalized_weights"), abs=1e-12
    )
    a_nb, _ = selu_parameters(0.5, 1.0)
    a_nw, _ = selu_parameters(0.5, 1.0, convention="normalized_weights")
    assert abs(a_nb - a_nw) > 0.5


def test_impossible_target_raises_and_says_so():
    # pre-activation N(0, 1): even ReLU (alpha -> 0) has var/mean^2 = pi - 1 > 1
    with pytest.raises(ValueError, match="no SELU"):
        selu_parameters(1.0, 1.0, convention="normalized_weights")
    with pytest.raises(ValueError, match="no SELU"):
        selu_parameters(-1.0, 0.5, convention="normalized_weights")


def test_existence_boundary_for_positive_mean_with_normalized_weights():
    # alpha -> 0 is ReLU, whose var/mean^2 on N(0, v) is pi - 1: the smallest the family reaches
    mean, ratio = 0.5, math.pi - 1
    alpha, lam = selu_parameters(
        mean, 1.02 * ratio * mean**2, convention="normalized_weights"
    )
    m1, m2 = gaussian_moments(
        lambda x: lam * elu(x, alpha), 0.0, 1.02 * ratio * mean**2
    )
    assert abs(m1 - mean) < 1e-8 and 0 < alpha < 0.2
    with pytest.raises(ValueError, match="no SELU"):
        selu_parameters(mean, 0.98 * ratio * mean**2, convention="normalized_weights")


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="var=0"):
        selu_parameters(0.0, 0.0)
    with pytest.raises(ValueError, match="var=-1"):
        selu_parameters(0.0, -1.0)
    with pytest.raises(ValueError, match="convention"):
        selu_parameters(0.0, 1.0, convention="paper")
