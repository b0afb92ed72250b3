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
import optax
from flax import nnx

from normlab import data, train
from normlab.experiments import profile_config
from normlab.models import MLP
from normlab.results import Result

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
