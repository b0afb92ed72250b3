"""ELU paper Fig. 2: an 8 x 128 MLP on MNIST with ELU, ReLU, LReLU and SReLU.

Clevert et al. (2015) train an MLP with 8 hidden layers of 128 units with SGD
(lr 0.01, batch 64) for 300 epochs, 5 runs, and plot (a) the median over all
hidden units of each unit's average activation and (b) the training and
validation cross-entropy per epoch. Here the average activation of a unit is
taken over a fixed set of 1,000 training images after every epoch; kernels
are He-normal (our choice, not checked against the paper), biases zero;
inputs are standardized with the training set's pixel mean and std (the
library's ``prepare``; the paper's preprocessing was not checked either);
the validation set is the last 10,000 training images.

The full profile is the paper's setup with 50 epochs (the curves are flat
after epoch 25 in the paper); the small one trains on 4,000 images (1,000
more for validation) for 6 epochs, two seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from normlab import data, train
from normlab.experiments import profile_config
from normlab.models import MLP
from normlab.plotting import seed_band
from normlab.results import Result
from normlab.scorecard import Claim, mean

FULL = {
    "dataset": "mnist",
    "activations": ["elu", "relu", "lrelu", "srelu"],
    "depth": 8,
    "width": 128,
    "kernel_init": "he_normal",
    "lr": 0.01,
    "batch_size": 64,
    "epochs": 50,
    "num_train": None,  # all 60,000, of which num_val are held out
    "num_val": 10000,
    "probe_size": 1000,  # training images over which unit activations are averaged
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"num_train": 5000, "num_val": 1000, "epochs": 6, "seeds": [0, 1]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def median_unit_activation(model: MLP, x: jax.Array) -> jax.Array:
    """The median over all hidden units of each unit's mean activation on ``x`` (paper Fig. 2a)."""
    return jnp.median(jnp.concatenate([h.mean(0) for h in model.features(x)]))


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train one MLP per (activation, seed); record median activation and both losses."""
    arrays = data.prepare(
        config["dataset"], num_train=config["num_train"], num_val=config["num_val"]
    )
    x, _ = arrays["train"]
    probe = jnp.asarray(x[: config["probe_size"]])
    keys = [jax.random.key(s) for s in seeds]
    curves = {}
    for act in config["activations"]:
        histories = train.fit_seeds(
            lambda k, act=act: MLP(
                x[0].size,
                10,
                depth=config["depth"],
                width=config["width"],
                activation=act,
                kernel_init=config["kernel_init"],
                rngs=nnx.Rngs(k),
            ),
            optax.sgd(config["lr"]),
            arrays["train"],
            keys=keys,
            epochs=config["epochs"],
            batch_size=config["batch_size"],
            test=arrays["val"],
            eval_train=True,
            metrics=lambda m: {"median_activation": median_unit_activation(m, probe)},
            progress=progress,
            desc=f"elu_mnist {act}",
        )
        curves[act] = {
            "train_loss": [[h.initial["train_loss"], *h.extra["train_loss"]] for h in histories],
            "val_loss": [[h.initial["test_loss"], *h.test_loss] for h in histories],
            "median_activation": [
                [h.initial["median_activation"], *h.extra["median_activation"]] for h in histories
            ],
        }
    final = {a: [c[-1] for c in v["train_loss"]] for a, v in curves.items()}
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"curves": curves},
        summary={"final_train_loss": final},
    )


def figure(result):
    """ELU paper Fig. 2: median unit activation, and training/validation loss, per epoch.

    Takes an ``elu_mnist`` Result; one colour per activation, training loss
    solid and validation loss dashed, mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> c = {"train_loss": [[2.3, 0.5]], "val_loss": [[2.3, 0.6]],
        ...      "median_activation": [[0.1, 0.2]]}
        >>> len(figure(Result("e", "small", {}, [0], {"curves": {"elu": c}})).axes)
        2
    """
    import matplotlib.pyplot as plt

    curves = result.metrics["curves"]
    fig, (ax_act, ax_loss) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for act, c in curves.items():
        epochs = np.arange(len(c["train_loss"][0]))
        line = seed_band(ax_act, epochs, c["median_activation"], label=act)
        seed_band(
            ax_loss, epochs, c["train_loss"], label=f"{act} train", color=line.get_color(), log=True
        )
        val = seed_band(
            ax_loss,
            epochs,
            c["val_loss"],
            label=f"{act} validation",
            color=line.get_color(),
            log=True,
        )
        val.set_linestyle("--")
    ax_act.axhline(0.0, color="k", lw=0.6)
    ax_act.set(xlabel="epoch", ylabel="median over units of mean activation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (train solid, validation dashed)")
    ax_act.legend(fontsize=8)
    ax_loss.legend(fontsize=7, ncol=2)
    for ax in (ax_act, ax_loss):
        ax.grid(alpha=0.3)
    fig.suptitle(f"8 x 128 MLP on MNIST: {result.label}", fontsize=10)
    return fig


def _elu_loss(r: Result):
    final = {a: mean(v) for a, v in r.summary["final_train_loss"].items()}
    best = min(final, key=final.get)
    text = ", ".join(f"{a} {v:.3g}" for a, v in sorted(final.items(), key=lambda kv: kv[1]))
    return f"final training loss: {text}", "reproduced" if best == "elu" else "not reproduced"


def _elu_median(r: Result):
    curves = r.metrics["curves"]
    dist = {a: mean(np.abs(np.asarray(c["median_activation"], float))) for a, c in curves.items()}
    best = min(dist, key=dist.get)
    text = ", ".join(f"{a} {v:.3f}" for a, v in sorted(dist.items(), key=lambda kv: kv[1]))
    status = "reproduced" if best == "elu" else "not reproduced"
    return f"mean absolute median unit activation over epochs: {text}", status


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "ELU's training loss falls fastest (8 x 128 MLP, MNIST)",
        "ELU lowest training cross-entropy (Fig. 2b)",
        _elu_loss,
    ),
    Claim(
        "From ELU to SELU",
        "ELU's median unit activation stays nearest zero",
        "ELU nearest zero (Fig. 2a)",
        _elu_median,
    ),
]
