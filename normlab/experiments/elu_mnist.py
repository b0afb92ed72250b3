r"""ELU paper Fig. 2: an 8 x 128 MLP on MNIST with ELU, ReLU and LReLU (and SReLU).

Clevert et al. (2015, Sec. 4.1) train MLPs with ELUs (alpha 1), ReLUs and
LReLUs (slope 0.1), 8 hidden layers of 128 units, SGD (lr 0.01, batch 64),
300 epochs, 5 runs, weights "initialized according to (He et al., 2015)",
and plot (a) the median over all hidden units of each unit's average
activation on a fixed subset of the training data after each epoch and (b)
the training and validation cross-entropy. SReLU, max(-1, x), is the paper's
other baseline elsewhere; it runs here as an extra and is not judged. The
average activation is taken over ``probe_size`` training images; kernels are
He-normal, biases zero; inputs are standardized with the training set's pixel
mean and std (the library's ``prepare``; the paper does not say); the
validation set is the last ``num_val`` training images.

"Learns faster" is judged where the curves differ: the mean of
:math:`\log_{10}` training loss over epochs :math:`1..K`,
:math:`K = \min(E, 25)` (the paper: "all lines stay flat after epoch 25"),
i.e. the area under the log loss per epoch (:func:`early_log_loss`). The
median claim ("ELUs have smaller median throughout the training process")
is judged at every epoch after the first update (:func:`median_distance`).

Profiles (``FULL``, ``SMALL``): the full one is the paper's setup with
``FULL["epochs"]`` = 50 epochs, 5 seeds; the small one trains on 4,000
images (1,000 more for validation) for ``SMALL["epochs"]`` = 6 epochs, two
seeds.
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
from normlab.plotting import integer_epochs, seed_band
from normlab.results import Result
from normlab.scorecard import Claim

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
            "train_loss": [
                [h.initial["train_loss"], *h.extra["train_loss"]] for h in histories
            ],
            "val_loss": [[h.initial["test_loss"], *h.test_loss] for h in histories],
            "median_activation": [
                [h.initial["median_activation"], *h.extra["median_activation"]]
                for h in histories
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
            ax_loss,
            epochs,
            c["train_loss"],
            label=f"{act} train",
            color=line.get_color(),
            log=True,
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
    integer_epochs(ax_act, ax_loss)
    ax_act.legend(fontsize=8)
    ax_loss.legend(fontsize=7, ncol=2)
    for ax in (ax_act, ax_loss):
        ax.grid(alpha=0.3)
    fig.suptitle(f"8 x 128 MLP on MNIST: {result.label}", fontsize=10)
    return fig


# the units Fig. 2 compares ELU with (paper Sec. 4.1: "ELUs, ReLUs, and LReLUs")
PAPER_UNITS = ("relu", "lrelu")
# the epochs over which the curves differ (Fig. 2 caption: "all lines stay flat after epoch 25")
EARLY_EPOCHS = 25


def early_log_loss(result: Result) -> dict[str, float]:
    r"""Per unit: the seed-mean of the mean :math:`\log_{10}` training loss over epochs 1..K.

    :math:`K = \min(E, 25)` for :math:`E` trained epochs, so this is the area
    under the log training loss per epoch while the curves still differ
    (epoch 0, the loss at initialization, is left out: no learning yet).
    Lower means the loss fell faster.

    Example:
        >>> from normlab.results import Result
        >>> c = {"elu": {"train_loss": [[2.0, 0.1, 0.01]]},
        ...      "relu": {"train_loss": [[2.0, 1.0, 0.1]]}}
        >>> early_log_loss(Result("e", "small", {}, [0], {"curves": c}))
        {'elu': -1.5, 'relu': -0.5}
    """
    out = {}
    for unit, c in result.metrics["curves"].items():
        loss = np.asarray(c["train_loss"], float)
        k = min(loss.shape[1] - 1, EARLY_EPOCHS)
        out[unit] = float(np.mean(np.log10(loss[:, 1 : k + 1])))
    return out


def median_distance(result: Result) -> dict[str, np.ndarray]:
    """Per unit: the absolute seed-mean median unit activation at epochs 1..E (Fig. 2a).

    Epoch 0 (before any update, set by the initialization alone) is left
    out, as in the paper, which measures "after each epoch".

    Example:
        >>> from normlab.results import Result
        >>> c = {"elu": {"median_activation": [[0.3, -1.5], [0.3, 0.5]]}}
        >>> median_distance(Result("e", "small", {}, [0, 1], {"curves": c}))["elu"].tolist()
        [0.5]
    """
    return {
        unit: np.abs(np.mean(np.asarray(c["median_activation"], float), 0)[1:])
        for unit, c in result.metrics["curves"].items()
    }


def _beats(elu: float, others: dict[str, float]) -> str:
    """'reproduced' if ELU is below every paper baseline, 'partly' if below some."""
    wins = [elu < others[u] for u in PAPER_UNITS if u in others]
    if not wins:
        raise ValueError(
            f"the Result holds none of the paper's baselines {PAPER_UNITS}"
        )
    return "reproduced" if all(wins) else "partly" if any(wins) else "not reproduced"


def _elu_loss(r: Result):
    area = early_log_loss(r)
    k = min(len(r.metrics["curves"]["elu"]["train_loss"][0]) - 1, EARLY_EPOCHS)
    text = ", ".join(
        f"{a} {v:.3f}" for a, v in sorted(area.items(), key=lambda kv: kv[1])
    )
    extra = [a for a in area if a != "elu" and a not in PAPER_UNITS]
    note = f" ({', '.join(extra)}: not in Fig. 2, not judged)" if extra else ""
    return f"mean log10 training loss, epochs 1-{k}: {text}{note}", _beats(
        area["elu"], area
    )


def _elu_median(r: Result):
    dist = median_distance(r)
    elu = dist["elu"]
    base = [dist[u] for u in PAPER_UNITS if u in dist]
    if not base:
        raise ValueError(
            f"the Result holds none of the paper's baselines {PAPER_UNITS}"
        )
    below = elu < np.min(base, axis=0)
    n = len(elu)
    status = (
        "reproduced"
        if below.all()
        else "partly"
        if below.mean() >= 0.5
        else "not reproduced"
    )
    text = ", ".join(
        f"{a} {float(v.mean()):.3f}"
        for a, v in sorted(dist.items(), key=lambda kv: kv[1].mean())
    )
    return (
        f"ELU nearer zero than {' and '.join(PAPER_UNITS)} at {int(below.sum())} of {n} epochs; "
        f"mean |median| over epochs 1-{n}: {text}",
        status,
    )


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "ELU's training loss falls fastest in the early epochs (8 x 128 MLP, MNIST)",
        "ELU's training error decreases much more rapidly than ReLU's and LReLU's (Fig. 2b)",
        _elu_loss,
    ),
    Claim(
        "From ELU to SELU",
        "ELU's median unit activation stays nearest zero",
        "ELU has a smaller median than ReLU and LReLU throughout training (Fig. 2a)",
        _elu_median,
    ),
]
