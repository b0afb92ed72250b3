"""The intro's signal-propagation experiment against the closed-form per-layer scalings."""

import numpy as np
import pytest

from normlab import experiments


@pytest.fixture(scope="module")
def result(data_dir):
    with pytest.MonkeyPatch.context() as mp:  # real MNIST inputs (skipped without them)
        mp.setenv("NORMLAB_DATA_DIR", str(data_dir))
        return experiments.run_experiment(
            "signal_propagation",
            seeds=[0, 1],
            overrides={"depth": 12, "width": 512, "num_inputs": 400},
            use_cache=False,
        )


def test_relu_at_the_lecun_scale_halves_the_second_moment_per_layer(result):
    # Zero biases and a positively homogeneous ReLU: each layer scales the whole activation
    # distribution by sqrt(1/2) in expectation over N(0, 1/n) weights (E relu(z)^2 = Var z / 2).
    std = np.mean(result.metrics["std"]["ReLU, N(0, 1/n)"], 0)
    per_layer = (std[-1] / std[3]) ** (1 / (len(std) - 4))
    assert abs(per_layer - np.sqrt(0.5)) < 0.05
    he = np.mean(result.metrics["std"]["ReLU, He N(0, 2/n)"], 0)
    assert abs((he[-1] / he[3]) ** (1 / (len(he) - 4)) - 1) < 0.05


def test_selu_keeps_unit_variance_and_batch_norm_grows_the_gradient(result):
    assert abs(result.summary["last_layer_std"]["SELU, N(0, 1/n)"] - 1) < 0.1
    grads = result.summary["first_over_last_gradient"]
    assert grads["ReLU + batch norm"] > 5 * grads["ReLU, He N(0, 2/n)"]


def test_figure_and_histograms(result):
    import matplotlib.pyplot as plt

    hist = result.metrics["histograms"]["SELU, N(0, 1/n)"]
    assert sorted(hist, key=int) == ["1", "6", "12"]
    assert all(sum(h) <= 400 * 512 for h in hist.values())
    assert len(experiments.figure(result).axes) == 6
    plt.close("all")
