"""SNN paper Fig. 1: training loss of deep MLPs, BatchNorm vs self-normalizing, MNIST and CIFAR-10.

As the authors' ``figure1/run.py`` (Klambauer et al. 2017) builds it: inputs
standardized per feature with the training set's mean and std (sklearn's
``StandardScaler``; :func:`standardize_per_feature`); hidden width = input
size (784 / 3072); the SNN is Dense + SELU with untruncated N(0, 1/n) kernels
and zero biases; the BatchNorm net is Dense + ReLU with N(0, 2/n) kernels and
the batch norm *after* the ReLU; plain SGD, batch 128, and a learning rate of
1e-5 on a loss summed over the batch, i.e. 1.28e-3 on the mean loss used
here. The curve is the cross-entropy over the training set (MNIST: the first
50,000 images; CIFAR-10: batches 1-4) at the start of each epoch, computed
as the authors do: over consecutive unshuffled batches of 128 in training
mode (``is_training: True``), so a BatchNorm net normalizes each batch with
its own statistics (:func:`batch_stat_loss`). The BatchNorm nets' eval-mode
loss (running averages) is recorded too, for comparison.

Profiles (``FULL``, ``SMALL``): both run ``epochs`` = 20 epochs (the authors
ran 2000; 20 keep the full profile within one GPU run), the full one with
the authors' nets and data and 3 seeds, the small one with width 64, 1,280
training images and 2 seeds (its cost is mostly compiling the 12 networks).
The nets' output layer uses the hidden layers' initializer (the authors'
``tf.layers.dense`` default is Glorot-uniform).
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
    "standardize": "per_feature",  # the authors' StandardScaler
    "loss_mode": "train",  # loss curve with batch statistics, as the authors' is_training=True
    "num_train": {"mnist": 50000, "cifar10": 40000},
    "depths": [8, 16, 32],
    "nets": ["snn", "bn"],
    "width": None,  # None: the input size, as in the authors' code
    "optimizer": "sgd",
    "lr": 1.28e-3,  # the authors' 1e-5 on a summed loss x batch 128
    "batch_size": 128,
    "epochs": 20,  # the authors: 2000; 20 keep every full profile in one GPU run of 10 min
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
    net: str,
    in_features: int,
    *,
    depth: int,
    width: int,
    key: jax.Array,
    nets: dict = NETS,
) -> MLP:
    """The MLP ``nets[net]`` with 10 outputs: paper Fig. 1's ``"snn"`` or ``"bn"``."""
    return MLP(
        in_features, 10, depth=depth, width=width, **nets[net], rngs=nnx.Rngs(key)
    )


def standardize_per_feature(
    train: np.ndarray, *others: np.ndarray
) -> tuple[np.ndarray, ...]:
    r"""Standardize every input feature (pixel and channel) with the training set's statistics.

    .. math:: x'_{j} = (x_j / 255 - \mu_j) / \sigma_j

    with :math:`\mu_j, \sigma_j` the mean and standard deviation of feature
    :math:`j` over ``train``, and :math:`\sigma_j = 1` where it is 0 (a
    constant pixel stays 0), as sklearn's ``StandardScaler``. Inputs are
    uint8 images; the outputs are float32 in the same shapes.

    Example:
        >>> x = np.array([[0, 255, 7], [255, 255, 7]], np.uint8)
        >>> standardize_per_feature(x)[0].tolist()
        [[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    scaled = train.astype(np.float32) / 255.0
    mean = scaled.mean(0, dtype=np.float64)
    std = scaled.std(0, dtype=np.float64)
    std = np.where(std > 0, std, 1.0)
    return tuple(data.standardize(x, mean, std) for x in (train, *others))


def batch_stat_loss(
    model: nnx.Module, x: jax.Array, y: jax.Array, batch_size: int
) -> jax.Array:
    """Mean cross-entropy over consecutive batches of ``x`` with ``model`` in training mode.

    The authors' Fig. 1 curve: batch norm uses each batch's own mean and
    variance (not the running averages); the last partial batch is dropped,
    as their ``generate_minibatches``. ``model`` itself is left unchanged.

    Example:
        >>> m = MLP(3, 2, depth=1, width=4, normalization="batch", rngs=nnx.Rngs(0))
        >>> x, y = jnp.ones((8, 3)), jnp.zeros(8, jnp.int32)
        >>> bool(jnp.isclose(batch_stat_loss(m, x, y, 4), jnp.log(2.0), atol=1.0))
        True
    """
    graphdef, state = nnx.split(model)
    steps = len(y) // batch_size
    xb = x[: steps * batch_size].reshape(steps, batch_size, *x.shape[1:])
    yb = y[: steps * batch_size].reshape(steps, batch_size)

    def one(batch):
        m = nnx.merge(graphdef, state, copy=True)
        m.train()
        return optax.softmax_cross_entropy_with_integer_labels(
            m(batch[0]), batch[1]
        ).sum()

    return jax.lax.map(one, (xb, yb)).sum() / (steps * batch_size)


def _check(config: dict) -> None:
    if config["standardize"] != "per_feature":
        raise ValueError(
            f"standardize={config['standardize']!r}; allowed: 'per_feature'"
        )
    if config["loss_mode"] not in ("train", "eval"):
        raise ValueError(f"loss_mode={config['loss_mode']!r}; allowed: 'train', 'eval'")


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train every (dataset, net, depth) once per seed; record the training-set loss per epoch.

    ``metrics["train_loss"]`` holds the curve of ``config["loss_mode"]``
    (``"train"``: batch statistics, the authors' way; ``"eval"``: running
    averages), ``metrics["train_loss_eval_mode"]`` the BatchNorm nets'
    eval-mode curve when the main one is in training mode.
    """
    _check(config)
    keys = [jax.random.key(s) for s in seeds]
    curves, eval_curves, final = {}, {}, {}
    bs = config["batch_size"]
    for name in config["datasets"]:
        ds = data.load(name)
        n = config["num_train"][name]
        (x,) = standardize_per_feature(ds.train_images[:n])
        train_set = (x, ds.train_labels[:n])
        xs, ys = jnp.asarray(x), jnp.asarray(train_set[1], jnp.int32)
        in_features = x[0].size
        width = config["width"] or in_features
        for net in config["nets"]:
            bn = NETS[net].get("normalization") == "batch"
            train_mode = config["loss_mode"] == "train"
            for depth in config["depths"]:
                histories = train.fit_seeds(
                    lambda k, net=net, depth=depth: make_net(
                        net, in_features, depth=depth, width=width, key=k
                    ),
                    optax.sgd(config["lr"]),
                    train_set,
                    keys=keys,
                    epochs=config["epochs"],
                    batch_size=bs,
                    eval_train=bn or not train_mode,
                    metrics=(lambda m: {"loss_bs": batch_stat_loss(m, xs, ys, bs)})
                    if train_mode
                    else None,
                    progress=progress,
                    desc=f"{name} {net} d{depth}",
                )
                tag = f"{name}/{net}/{depth}"
                key = "loss_bs" if train_mode else "train_loss"
                # loss at the start of each epoch: the initial one, then after each epoch
                curves[tag] = [[h.initial[key], *h.extra[key]] for h in histories]
                if bn and train_mode:
                    eval_curves[tag] = [
                        [h.initial["train_loss"], *h.extra["train_loss"]]
                        for h in histories
                    ]
                final[tag] = [c[-1] for c in curves[tag]]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"train_loss": curves, "train_loss_eval_mode": eval_curves},
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
    datasets = result.config.get("datasets") or list(
        dict.fromkeys(k.split("/")[0] for k in loss)
    )
    depths = sorted({int(k.split("/")[2]) for k in loss})
    nets = result.config.get("nets") or ["snn", "bn"]
    colors = dict(zip(depths, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(
        1,
        len(datasets),
        figsize=(5 * len(datasets), 3.8),
        layout="constrained",
        squeeze=False,
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
        integer_epochs(ax)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle(f"SNN (solid) vs BatchNorm (dashed) MLPs: {result.label}", fontsize=10)
    return fig


def _families(r: Result):
    final = {k: mean(v) for k, v in r.summary["final_train_loss"].items()}
    for ds in sorted({k.split("/")[0] for k in final}):
        depths = sorted({int(k.split("/")[2]) for k in final if k.startswith(ds + "/")})
        yield (
            ds,
            depths,
            {net: [final[f"{ds}/{net}/{d}"] for d in depths] for net in ("snn", "bn")},
        )


def _depth_trend(r: Result):
    verdicts, parts = [], []
    for ds, depths, final in _families(r):
        snn, bn = final["snn"], final["bn"]
        verdicts += [
            all(a > b for a, b in zip(snn, snn[1:])),
            all(a < b for a, b in zip(bn, bn[1:])),
        ]
        d = "/".join(f"d{x}" for x in depths)
        parts.append(
            f"{ds} {d}: SNN {'/'.join(f'{v:.3g}' for v in snn)}, "
            f"BN {'/'.join(f'{v:.3g}' for v in bn)}"
        )
    return "; ".join(parts), status(verdicts)


def rise_fraction(curves: list[list[float]]) -> float:
    """The fraction of epochs in which the loss went up, mean over runs (a jaggedness measure).

    Example:
        >>> rise_fraction([[3.0, 2.0, 2.5, 1.0], [3.0, 2.0, 1.0, 0.5]])
        0.16666666666666666
    """
    return float(np.mean([np.mean(np.diff(np.asarray(c, float)) > 0) for c in curves]))


def _jagged(r: Result):
    loss = r.metrics["train_loss"]
    verdicts, parts = [], []
    for ds, depths, _ in _families(r):
        rises = {
            net: float(
                np.mean([rise_fraction(loss[f"{ds}/{net}/{d}"]) for d in depths])
            )
            for net in ("snn", "bn")
        }
        verdicts.append(rises["bn"] > rises["snn"])
        parts.append(
            f"{ds}: SNN {100 * rises['snn']:.0f} %, BN {100 * rises['bn']:.0f} %"
        )
    mode = r.config.get("loss_mode", "eval")
    return f"epochs with a rise ({mode}-mode loss): " + "; ".join(parts), status(
        verdicts
    )


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "Deeper SNNs fit lower, deeper BatchNorm nets higher, monotone in depth (Fig. 1)",
        "MNIST d8/d16/d32 at epoch 2000: SNN ~6e-5/1.6e-5/7e-6, BN ~2.2e-4/2.8e-4/5e-4",
        _depth_trend,
    ),
    Claim(
        "From ELU to SELU",
        "BatchNorm training curves are jagged, SNN curves smooth (Fig. 1)",
        "SNN curves smooth, BN curves jagged (training loss with batch statistics)",
        _jagged,
    ),
]
