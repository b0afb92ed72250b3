"""SNN paper Fig. 1: training loss of deep MLPs, BatchNorm vs self-normalizing, MNIST and CIFAR-10.

The authors' code (Klambauer et al. 2017): hidden width = input size
(784 / 3072); the SNN is Dense + SELU with untruncated N(0, 1/n) kernels and
zero biases; the BatchNorm net is Dense + ReLU with N(0, 2/n) kernels and the
batch norm *after* the ReLU; plain SGD, batch 128, 2000 epochs, and a
learning rate of 1e-5 on a loss summed over the batch, i.e. 1.28e-3 on the
mean loss used here. The curve is the cross-entropy over the whole training
set (MNIST: the first 50,000 images; CIFAR-10: batches 1-4) at the start of
each epoch.

The full profile keeps the authors' nets, data and optimizer but runs 200
epochs (not 2000) so one GPU finishes it; the small profile cuts the width
to 64, the training set to 1,280 images and the epochs to 20, and trains
two seeds (its cost is mostly the compilation of the 12 networks).
"""

from __future__ import annotations

import jax
import numpy as np
import optax
from flax import nnx

from normlab import data, train
from normlab.experiments import profile_config
from normlab.models import MLP
from normlab.plotting import seed_band
from normlab.results import Result
from normlab.scorecard import Claim, mean, status

# the two recipes of paper Fig. 1, as MLP arguments
NETS = {
    "snn": {"activation": "selu", "kernel_init": "lecun_normal_untruncated"},
    "bn": {
        "activation": "relu",
        "kernel_init": "he_normal_untruncated",
        "normalization": "batch",
        "norm_after_activation": True,
    },
}

FULL = {
    "datasets": ["mnist", "cifar10"],
    "num_train": {"mnist": 50000, "cifar10": 40000},
    "depths": [8, 16, 32],
    "nets": ["snn", "bn"],
    "width": None,  # None: the input size, as in the authors' code
    "optimizer": "sgd",
    "lr": 1.28e-3,  # the authors' 1e-5 on a summed loss x batch 128
    "batch_size": 128,
    "epochs": 20,  # the authors trained longer; 20 keep every full profile in one GPU run of 10 min
    "seeds": [0, 1, 2],
}
SMALL = {
    "num_train": {"mnist": 1280, "cifar10": 1280},
    "width": 64,
    "epochs": 20,
    "seeds": [0, 1],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def make_net(
    net: str, in_features: int, *, depth: int, width: int, key: jax.Array, nets: dict = NETS
) -> MLP:
    """The MLP ``nets[net]`` with 10 outputs: by default paper Fig. 1's ``"snn"`` or ``"bn"``."""
    return MLP(in_features, 10, depth=depth, width=width, **nets[net], rngs=nnx.Rngs(key))


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train every (dataset, net, depth) once per seed; record the full training-set loss."""
    keys = [jax.random.key(s) for s in seeds]
    curves, final = {}, {}
    for name in config["datasets"]:
        train_set = data.prepare(name, num_train=config["num_train"][name])["train"]
        in_features = train_set[0][0].size
        width = config["width"] or in_features
        for net in config["nets"]:
            for depth in config["depths"]:
                histories = train.fit_seeds(
                    lambda k, net=net, depth=depth: make_net(
                        net, in_features, depth=depth, width=width, key=k
                    ),
                    optax.sgd(config["lr"]),
                    train_set,
                    keys=keys,
                    epochs=config["epochs"],
                    batch_size=config["batch_size"],
                    eval_train=True,
                    progress=progress,
                    desc=f"{name} {net} d{depth}",
                )
                tag = f"{name}/{net}/{depth}"
                # loss at the start of each epoch: the initial one, then after each epoch
                curves[tag] = [[h.initial["train_loss"], *h.extra["train_loss"]] for h in histories]
                final[tag] = [c[-1] for c in curves[tag]]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"train_loss": curves},
        summary={"final_train_loss": final},
    )


def figure(result):
    """SNN paper Fig. 1: training loss per epoch of SNN (solid) vs BatchNorm (dashed) MLPs.

    Takes an ``snn_depth`` Result; one panel per dataset, one colour per
    depth, log scale, mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> loss = {"mnist/snn/8": [[2.3, 1.0]], "mnist/bn/8": [[2.3, 1.5]]}
        >>> len(figure(Result("s", "small", {}, [0], {"train_loss": loss})).axes)
        1
    """
    import matplotlib.pyplot as plt

    loss = result.metrics["train_loss"]
    datasets = result.config.get("datasets") or list(dict.fromkeys(k.split("/")[0] for k in loss))
    depths = sorted({int(k.split("/")[2]) for k in loss})
    nets = result.config.get("nets") or ["snn", "bn"]
    colors = dict(zip(depths, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(5 * len(datasets), 3.8), layout="constrained", squeeze=False
    )
    for ax, ds in zip(axes[0], datasets):
        for net, depth in ((n, d) for n in nets for d in depths):
            runs = loss[f"{ds}/{net}/{depth}"]
            line = seed_band(
                ax,
                np.arange(len(runs[0])),
                runs,
                color=colors[depth],
                label=f"{'SNN' if net == 'snn' else 'BatchNorm'} depth {depth}",
                log=True,
            )
            if net != "snn":
                line.set_linestyle("--")
        ax.set(xlabel="epoch", ylabel="training-set cross-entropy", title=ds)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle(f"SNN (solid) vs BatchNorm (dashed) MLPs: {result.label}", fontsize=10)
    return fig


def _depth_trend(r: Result):
    final = {k: mean(v) for k, v in r.summary["final_train_loss"].items()}
    verdicts, parts = [], []
    for ds in sorted({k.split("/")[0] for k in final}):
        depths = sorted({int(k.split("/")[2]) for k in final if k.startswith(ds + "/")})
        snn = [final[f"{ds}/snn/{d}"] for d in depths]
        bn = [final[f"{ds}/bn/{d}"] for d in depths]
        verdicts += [snn[-1] <= snn[0], bn[-1] >= bn[0]]
        parts.append(
            f"{ds}: SNN d{depths[0]}/d{depths[-1]} {snn[0]:.3f}/{snn[-1]:.3f}, "
            f"BN {bn[0]:.3f}/{bn[-1]:.3f}"
        )
    return "; ".join(parts), status(verdicts)


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "Deeper SNNs fit lower, deeper BatchNorm nets higher (Fig. 1)",
        "MNIST d8/d16/d32 at epoch 2000: SNN ~6e-5/1.6e-5/7e-6, BN ~2.2e-4/2.8e-4/5e-4",
        _depth_trend,
    ),
]
