"""The blog's question: a SELU MLP vs a ReLU + BatchNorm MLP on MNIST and CIFAR-10, test accuracy.

Same depth, width, data, optimizer and epochs for both: the SNN is Dense +
SELU with untruncated N(0, 1/n) kernels; the baseline is Dense -> BatchNorm
-> ReLU (the usual placement; the SNN paper's Fig. 1 net puts the norm after
the ReLU) with He's N(0, 2/n) kernels. Plain SGD, lr 0.01, batch 128.
The time per step is measured separately by ``benchmarks/selu_vs_bn.py`` on a
quiet machine.

The full profile trains 8 x 512 MLPs for 20 epochs on the full training
sets, 5 seeds; the small one 8 x 128 for 3 epochs on 5,000 images (2,000
test images), 3 seeds.
"""

from __future__ import annotations

import jax
import numpy as np
import optax

from normlab import data, train
from normlab.experiments import profile_config, snn_depth
from normlab.models import MLP
from normlab.results import Result

NETS = {
    "selu": snn_depth.NETS["snn"],
    "relu_bn": {
        "activation": "relu",
        "kernel_init": "he_normal_untruncated",
        "normalization": "batch",
    },
}

FULL = {
    "datasets": ["mnist", "cifar10"],
    "nets": ["selu", "relu_bn"],
    "depth": 8,
    "width": 512,
    "lr": 0.01,
    "batch_size": 128,
    "epochs": 20,
    "num_train": None,
    "num_test": None,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"width": 128, "epochs": 3, "num_train": 5000, "num_test": 2000, "seeds": [0, 1, 2]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def make_net(net: str, in_features: int, *, depth: int, width: int, key: jax.Array) -> MLP:
    """The SELU (``"selu"``) or ReLU + BatchNorm (``"relu_bn"``) MLP, 10 outputs."""
    return snn_depth.make_net(net, in_features, depth=depth, width=width, key=key, nets=NETS)


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train both nets on both datasets, one run per seed; final test accuracy per seed."""
    keys = [jax.random.key(s) for s in seeds]
    histories, accuracy = {}, {}
    for name in config["datasets"]:
        arrays = data.prepare(name, num_train=config["num_train"], num_test=config["num_test"])
        in_features = arrays["train"][0][0].size
        for net in config["nets"]:
            hs = train.fit_seeds(
                lambda k, net=net: make_net(
                    net, in_features, depth=config["depth"], width=config["width"], key=k
                ),
                optax.sgd(config["lr"]),
                arrays["train"],
                keys=keys,
                epochs=config["epochs"],
                batch_size=config["batch_size"],
                test=arrays["test"],
                progress=progress,
                desc=f"{name} {net}",
            )
            histories[f"{name}/{net}"] = [h.to_dict() for h in hs]
            accuracy[f"{name}/{net}"] = [h.test_accuracy[-1] for h in hs]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"histories": histories},
        summary={"test_accuracy": accuracy},
    )


def figure(result):
    """Test accuracy per net and dataset: one dot per seed and the mean.

    Takes a ``selu_vs_bn`` Result (``summary["test_accuracy"]`` keyed by
    ``"dataset/net"``).

    Example:
        >>> from normlab.results import Result
        >>> s = {"test_accuracy": {"mnist/selu": [0.9, 0.91], "mnist/relu_bn": [0.92, 0.93]}}
        >>> len(figure(Result("a", "small", {}, [0, 1], {}, s)).axes)
        1
    """
    import matplotlib.pyplot as plt

    acc = result.summary["test_accuracy"]
    datasets = result.config.get("datasets") or list(dict.fromkeys(k.split("/")[0] for k in acc))
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(4 * len(datasets), 3.2), layout="constrained", squeeze=False
    )
    for ax, ds in zip(axes[0], datasets):
        nets = result.config.get("nets") or [k.split("/")[1] for k in acc if k.startswith(f"{ds}/")]
        keys = [f"{ds}/{n}" for n in nets]
        for i, key in enumerate(keys):
            values = 100 * np.asarray(acc[key])
            ax.plot(np.full(len(values), i), values, "o", alpha=0.6)
            ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, "k-")
        ax.set_xticks(range(len(keys)), [k.split("/")[1] for k in keys])
        ax.set_xlim(-0.6, len(keys) - 0.4)
        ax.set(ylabel="test accuracy (%)", title=ds)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Test accuracy per seed (bar: mean): {result.label}", fontsize=10)
    return fig
