"""Shattered gradients at initialization (Balduzzi et al. 2017, Figs. 1-2, Theorems 1 and 3).

For rectifier networks of width 200 on a 1-D input (256 points in [-2, 2),
batch norm over the points): the input gradient of feedforward nets,
resnets and beta-scaled resnets at several depths, its autocorrelation, the
correlation between gradients at neighbouring points averaged over many
initializations, and how often units are active and co-active with and
without batch norm. No training: the small profile differs only in the
number of initializations and depths.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from normlab import diagnostics
from normlab.experiments import profile_config
from normlab.models import MLP, ResidualMLP
from normlab.results import Result

FULL = {
    "width": 200,
    "points": 256,
    "line": [-2.0, 2.0],
    "inits": 64,
    # Up to 100 layers: with 200 as well, the 10-minute GPU run (benchmarks/gpu_run.sh)
    # did not finish this experiment beside the others.
    "depths_feedforward": [1, 2, 4, 8, 16, 24, 50],
    "depths_resnet": [1, 2, 4, 8, 16, 24, 50, 100],
    "betas": [1.0, 0.1],
    "max_lag": 64,
    "fig1": ["1-layer feedforward", "24-layer feedforward", "50-layer resnet"],
    "coactivation_depth": 12,
    "coactivation_bias_std": 0.1,
    "coactivation_lags": [0, 1, 2, 4, 8, 16, 32, 64, 128],
    "seeds": [0],
}
SMALL = {"inits": 8, "depths_feedforward": [1, 4, 12, 24, 50], "depths_resnet": [4, 12, 50]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def family_name(beta: float | None) -> str:
    """The label of a model family: feedforward (``None``) or resnet with ``beta``."""
    if beta is None:
        return "feedforward + BN"
    return "resnet + BN" if beta == 1.0 else f"resnet + BN, beta={beta:g}"


def _factory(config, depth, beta):
    width = config["width"]
    if beta is None:
        return lambda k: MLP(
            1,
            1,
            depth=depth,
            width=width,
            normalization="batch",
            kernel_init="he_normal_untruncated",
            rngs=nnx.Rngs(k),
        )
    return lambda k: ResidualMLP(
        1,
        1,
        depth=depth,
        width=width,
        beta=beta,
        kernel_init="he_normal_untruncated",
        rngs=nnx.Rngs(k),
    )


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Measure gradients along the line for every family and depth; one Result."""
    lo, hi = config["line"]
    x = jnp.linspace(lo, hi, config["points"], endpoint=False)[:, None]
    key = jax.random.key(seeds[0])
    init_keys = jax.random.split(key, config["inits"])
    families, fig1 = {}, {}
    plan = [(None, config["depths_feedforward"])] + [
        (b, config["depths_resnet"]) for b in config["betas"]
    ]
    for beta, depths in plan:
        name = family_name(beta)
        fam = {
            "beta": beta,
            "depths": depths,
            "acf": [],
            "correlation": [],
            "stderr": [],
            "spectral_slope": [],
        }
        for depth in depths:
            c = diagnostics.gradient_correlation(_factory(config, depth, beta), init_keys, x)
            g = c["gradients"][:, :, 0]
            fam["acf"].append(diagnostics.autocorrelation(g, config["max_lag"]))
            fam["correlation"].append(c["correlation"])
            fam["stderr"].append(c["stderr"])
            fam["spectral_slope"].append(diagnostics.whiteness(g)["spectral_slope"])
            if beta in (None, 1.0):
                kind = "feedforward" if beta is None else "resnet"
                fig1[f"{depth}-layer {kind}"] = g[0]  # first initialization
        families[name] = fam
    noise_keys = jax.random.split(jax.random.fold_in(key, 1), 2)
    fig1["brown noise"] = diagnostics.brown_noise(noise_keys[0], config["points"])
    fig1["white noise"] = diagnostics.white_noise(noise_keys[1], config["points"])
    panels = [n for n in config["fig1"] if n in fig1] + ["brown noise", "white noise"]
    summary = {
        name: dict(zip(map(str, f["depths"]), f["correlation"])) for name, f in families.items()
    }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={
            "x": np.asarray(x[:, 0]),
            "gradients": [{"name": n, "gradient": fig1[n]} for n in panels],
            "families": families,
            "coactivation": _coactivation(config, x, key),
        },
        summary={"lag1": summary},
    )


def _coactivation(config, x, key) -> dict:
    """Active and co-active fractions per layer, with and without batch norm."""
    depth, width, lags = config["coactivation_depth"], config["width"], config["coactivation_lags"]
    std = config["coactivation_bias_std"]
    nets = {
        "ReLU + BN": MLP(
            1,
            1,
            depth=depth,
            width=width,
            normalization="batch",
            kernel_init="he_normal_untruncated",
            rngs=nnx.Rngs(key),
        ),
        f"ReLU, no BN, biases N(0, {std:g}²)": MLP(
            1,
            1,
            depth=depth,
            width=width,
            kernel_init="he_normal_untruncated",
            bias_init=nnx.initializers.normal(std),
            rngs=nnx.Rngs(key),
        ),
    }
    out = {}
    for name, net in nets.items():
        stats = diagnostics.activation_statistics(net, x)
        out[name] = {
            "lags": lags,
            "distance": [4.0 * k / config["points"] for k in lags],
            "coactive": diagnostics.coactivation(net, x, lags),
            "active": stats["active"],
            "dead": stats["dead"],
            "always": stats["always"],
        }
    return out
