"""The interactive fixed-point map: its JavaScript moment map against normlab.snn's closed
form (under node, skipped where node is not installed), and the page it makes."""

import json
import shutil
import subprocess

import jax
import numpy as np
import pytest

from normlab import experiments, snn
from normlab.activations import selu_parameters
from normlab.experiments import _fixed_point_widget as widget

POINTS = [(0.0, 1.0), (0.5, 2.0), (-2.0, 0.05), (2.5, 40.0), (-3.0, 100.0), (0.1, 0.01)]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize(
    "convention,omega", [("notebook", 1.0), ("normalized_weights", 0.0)]
)
def test_javascript_moment_map_matches_the_closed_form(convention, omega):
    alpha, lam = selu_parameters(0.0, 4.0, convention=convention)
    script = widget.MOMENT_MAP_JS + (
        f"console.log(JSON.stringify({json.dumps(POINTS)}.map(([m, v]) => "
        f"momentMap(m, v, {omega}, 1.0, {alpha}, {lam}))));"
    )
    got = np.asarray(
        json.loads(
            subprocess.run(
                ["node", "-e", script],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
        )
    )
    with jax.enable_x64(True):
        want = np.stack(
            [
                np.asarray(snn.moment_map(m, v, omega, 1.0, alpha=alpha, lam=lam))
                for m, v in POINTS
            ]
        )
    # erfcc's relative error is below 1.2e-7; the variance subtracts mean^2 from the second moment
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())


def test_the_page_embeds_the_results_grid_and_starts_at_zero_one():
    r = experiments.run_experiment("fixed_point_map", profile="small")
    page = widget.html(r)
    data = json.loads(page.split("const D = ", 1)[1].split(", root = ", 1)[0])
    assert data["means"][data["zeroMean"]] == 0.0
    assert abs(np.log(data["variances"][data["unitVar"]])) == min(
        abs(np.log(data["variances"]))
    )
    for convention in r.config["conventions"]:
        alpha = np.asarray(r.metrics[convention]["alpha"], float)
        got = np.asarray(
            [
                [np.nan if x is None else x for x in row]
                for row in data[convention]["alpha"]
            ]
        )
        np.testing.assert_allclose(
            got, alpha, rtol=1e-5
        )  # NaN (no SELU) -> null -> NaN
    assert page.count("<canvas") == 2 and r.label in page
