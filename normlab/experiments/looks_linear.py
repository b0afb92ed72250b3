"""Looks-linear initialization in training (Balduzzi et al. 2017, section 5).

Very deep nets without skip connections, CReLU with looks-linear (mirrored,
orthogonal) initialization, against ReLU + batch norm MLPs and residual MLPs
with batch norm, at increasing depth. The small profile trains width-64 nets
up to 50 layers on 6000 MNIST images for 3 epochs on this CPU; the full one
width-256 nets up to 200 layers on CIFAR-10 (flattened) for 20 epochs, 3 seeds.
"""

from __future__ import annotations

from flax import nnx

from normlab import data
from normlab.experiments import profile_config
from normlab.experiments._training import train_classifier
from normlab.models import MLP, LooksLinearMLP, ResidualMLP
from normlab.results import Result

FULL = {
    "dataset": "cifar10",
    "num_train": None,
    "num_test": None,
    "depths": [10, 50, 100],  # the paper's 200 does not fit the 10-minute GPU run beside the rest
    "width": 256,
    "families": ["CReLU + looks-linear", "ReLU + BN", "resnet + BN"],
    "optimizer": "adam",
    "lr": 1e-3,
    "bn_momentum": 0.9,
    "batch_size": 128,
    "epochs": 10,
    "seeds": [0, 1, 2],
}
SMALL = {
    "dataset": "mnist",
    "num_train": 6000,
    "num_test": 2000,
    "depths": [5, 20, 50],
    "width": 64,
    "epochs": 3,
    "seeds": [0],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def make_model(
    family: str, in_features: int, depth: int, width: int, key, *, bn_momentum: float = 0.9
):
    """One network of ``family`` (a name in the config's ``families``).

    Batch-norm running averages use ``bn_momentum`` 0.9 rather than Flax's
    0.99: a short small-profile run has too few steps for 0.99 to forget the
    initial statistics, which would make eval-mode accuracy of the BN nets
    meaningless.
    """
    rngs = nnx.Rngs(key)
    if family == "CReLU + looks-linear":
        return LooksLinearMLP(in_features, 10, depth=depth, width=width, rngs=rngs)
    if family == "ReLU + BN":
        return MLP(
            in_features,
            10,
            depth=depth,
            width=width,
            normalization="batch",
            kernel_init="he_normal",
            momentum=bn_momentum,
            rngs=rngs,
        )
    if family == "resnet + BN":
        return ResidualMLP(
            in_features, 10, depth=depth, width=width, momentum=bn_momentum, rngs=rngs
        )
    raise ValueError(f"unknown family={family!r}")


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train every family at every depth (seeds vmapped); histories by family and depth."""
    arrays = data.prepare(
        config["dataset"], num_train=config["num_train"], num_test=config["num_test"]
    )
    in_features = arrays["train"][0][0].size
    runs, summary = {}, {}
    for family in config["families"]:
        runs[family], summary[family] = {}, {}
        for depth in config["depths"]:
            r = train_classifier(
                config,
                seeds,
                lambda k, f=family, d=depth: make_model(
                    f, in_features, d, config["width"], k, bn_momentum=config["bn_momentum"]
                ),
                arrays,
                progress=progress,
                desc=f"{family} depth {depth}",
            )
            runs[family][str(depth)] = r.metrics["histories"]
            summary[family][str(depth)] = r.summary["test_accuracy"]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"runs": runs},
        summary={"test_accuracy": summary},
    )
