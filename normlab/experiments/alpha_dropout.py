"""SELU vs ReLU nets as the authors' tutorials build them, on MNIST and CIFAR-10.

Two tasks, each trained once per variant and seed with plain SGD, batch 128:

- ``mnist``: the tutorial MLP 784-512-256-10 with dropout (``rate``, the
  tutorial's ``p_drop = 0.05``) after each hidden layer: SELU + alpha dropout
  vs ReLU + standard dropout, SGD lr 1e-3 (authors' PyTorch tutorial, 20
  epochs: test ReLU 90.76 %, SELU 92.04 %).
- ``cifar10``: the tutorial CNN without dropout (conv 5x5 128 -> pool, conv
  3x3 128 -> pool, conv 3x3 128, all unpadded; dense 2048, 1024; output),
  SELU vs ReLU, SGD lr 1e-2 (20 epochs: ReLU 63.45 %, SELU 67.78 %).

SELU nets use the untruncated N(0, 1/n) kernels of the authors' code, with
zero biases in the MLP and biases 0.1 in the CNN (its code sets 0.1 under
a comment that says zero); ReLU nets keep PyTorch's default init as the
tutorials do: kernels and biases U(-1/sqrt(n), 1/sqrt(n)), n the fan-in
(:func:`torch_default_init`). As in the tutorials the last
``{task}_val_fraction`` (1/6 MNIST, 1/5 CIFAR-10) of the training set is
held out and each seed's test accuracy is read at its best-validation epoch.
Alpha vs standard dropout as regularizers is a separate experiment
(:mod:`normlab.experiments.dropout_regularization`).
The small profile cuts the training sets, the epochs and the CNN's widths and
raises the learning rates to 0.05 so that about 100 steps move the nets at all.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from normlab import activations, data, initializers
from normlab.experiments import profile_config
from normlab.experiments._training import train_classifier
from normlab.nn import AlphaDropout, conv_general_dilated
from normlab.plotting import integer_epochs, seed_band
from normlab.results import Result
from normlab.scorecard import Claim, mean, status

FULL = {
    "tasks": ["mnist", "cifar10"],
    # {activation}_{dropout}: the MLP tutorial puts dropout in both nets, the CNN tutorial in none
    "mnist_variants": ["selu_alpha", "relu_standard"],
    "cifar10_variants": ["selu_none", "relu_none"],
    "rate": 0.05,  # the MLP tutorial's p_drop for both nets
    "mnist_hidden": [512, 256],
    "mnist_lr": 1e-3,
    "mnist_epochs": 20,
    # the CNN tutorial: (kernel size, channels, 2x2 max pool after it), unpadded convs
    "cifar10_convs": [[5, 128, True], [3, 128, True], [3, 128, False]],
    "cifar10_hidden": [2048, 1024],
    "cifar10_selu_bias": 0.1,
    "cifar10_lr": 1e-2,
    "cifar10_epochs": 20,
    "num_train": None,
    "num_test": None,
    # the tutorials hold out 1/6 (MLP) and 1/5 (CNN) of the training set and report the test
    # accuracy of the best-validation epoch
    "mnist_val_fraction": 1 / 6,
    "cifar10_val_fraction": 1 / 5,
    "batch_size": 128,
    "optimizer": "sgd",
    "seeds": [0, 1, 2],
}
SMALL = {
    "mnist_lr": 0.05,  # 3 epochs of 2048 examples: lr 1e-3 would barely move
    "cifar10_lr": 0.05,
    "mnist_epochs": 3,
    # the tutorial CNN's layers at an eighth of its widths: the book's time budget
    "cifar10_convs": [[5, 16, True], [3, 16, True], [3, 16, False]],
    "cifar10_hidden": [256, 128],
    "cifar10_epochs": 2,
    "num_train": 2048,
    "num_test": 2000,
    "seeds": [0, 1],
}
# the authors' tutorial numbers (single runs, 20 epochs, full data): see REPRODUCE.md
PAPER = {
    "mnist": {"relu": 90.76, "selu": 92.04},
    "cifar10": {"relu": 63.45, "selu": 67.78},
}


def torch_default_init(fan_in: int) -> Callable:
    """PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), variance 1/(3 fan_in).

    (``kaiming_uniform_(a=sqrt(5))`` for weights, the same bound for biases.)

    Example:
        >>> import jax
        >>> w = torch_default_init(100)(jax.random.key(0), (100, 50))
        >>> bool(abs(w).max() <= 0.1)
        True
    """
    bound = 1.0 / np.sqrt(fan_in)

    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -bound, bound)

    return init


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


class TutorialNet(nnx.Module):
    """The tutorials' nets: unpadded conv blocks (``convs``, may be empty), dense layers, output.

    Each conv block ``(k, channels, pool)`` is Conv kxk -> activation (-> 2x2 max
    pool); each hidden dense layer is Dense -> activation (-> dropout
    ``make_dropout(rate)`` when ``make_dropout`` is given). ``torch_init``:
    every layer gets :func:`torch_default_init` of its fan-in for kernel and
    bias (``kernel_init`` and ``bias`` are then unused); else the biases are
    the constant ``bias``.

    Example:
        >>> net = TutorialNet((32, 32, 3), 10, convs=[[5, 4, True]], hidden=[8],
        ...                   activation="selu", kernel_init="lecun_normal_untruncated",
        ...                   rngs=nnx.Rngs(0))
        >>> net(jnp.zeros((2, 32, 32, 3))).shape
        (2, 10)
    """

    def __init__(
        self,
        in_shape: tuple[int, ...],
        out_features: int,
        *,
        convs: list,
        hidden: list[int],
        activation: str | Callable,
        kernel_init: str | Callable,
        bias: float = 0.0,
        torch_init: bool = False,
        make_dropout: Callable | None = None,
        rate: float = 0.0,
        rngs: nnx.Rngs,
    ):
        def inits(fan_in):
            if torch_init:
                f = torch_default_init(fan_in)
                return {"kernel_init": f, "bias_init": f}
            return {
                "kernel_init": initializers.get(kernel_init),
                "bias_init": nnx.initializers.constant(bias),
            }

        self.act = activations.get(activation)
        h, w, c = in_shape
        self.convs, self.pools = nnx.List([]), [bool(pool) for _, _, pool in convs]
        for k, ch, pool in convs:
            self.convs.append(
                nnx.Conv(
                    c,
                    ch,
                    (k, k),
                    padding="VALID",
                    **inits(k * k * c),
                    conv_general_dilated=conv_general_dilated,
                    rngs=rngs,
                )
            )
            h, w, c = h - k + 1, w - k + 1, ch
            if pool:
                h, w = h // 2, w // 2
        sizes = [h * w * c, *hidden]
        self.dense = nnx.List(
            [
                nnx.Linear(a, b, **inits(a), rngs=rngs)
                for a, b in zip(sizes[:-1], sizes[1:])
            ]
        )
        self.drops = nnx.List(
            [make_dropout(rate, rngs=rngs) for _ in hidden] if make_dropout else []
        )
        self.out = nnx.Linear(sizes[-1], out_features, **inits(sizes[-1]), rngs=rngs)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        for conv, pool in zip(self.convs, self.pools):
            x = self.act(conv(x))
            # the tutorial pools before its activation: the same for monotone ones
            if pool:
                x = nnx.max_pool(x, (2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        for i, layer in enumerate(self.dense):
            x = self.act(layer(x))
            if self.drops:
                x = self.drops[i](x)
        return self.out(x)


DROPOUTS = {"alpha": AlphaDropout, "standard": nnx.Dropout, "none": None}


def _variant(name: str) -> dict:
    act, drop = name.split("_")
    if drop not in DROPOUTS:
        raise ValueError(
            f"variant {name!r}: dropout {drop!r} not in {sorted(DROPOUTS)}"
        )
    return {
        "activation": act,
        "kernel_init": "lecun_normal_untruncated",
        "torch_init": act == "relu",
        "make_dropout": DROPOUTS[drop],
    }


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train every variant on every task; ``metrics[task][variant]`` holds the Histories."""
    metrics, summary = {}, {}
    for task in config["tasks"]:
        n = config["num_train"] or len(data.load(task).train_labels)
        arrays = data.prepare(
            task,
            num_train=config["num_train"],
            num_val=round(n * config[f"{task}_val_fraction"]),
            num_test=config["num_test"],
        )
        in_shape = arrays["train"][0].shape[1:]
        is_cnn = task == "cifar10"
        net = {
            "convs": config["cifar10_convs"] if is_cnn else [],
            "hidden": config["cifar10_hidden"] if is_cnn else config["mnist_hidden"],
            "bias": config["cifar10_selu_bias"] if is_cnn else 0.0,
            "rate": config["rate"],
        }
        task_config = {
            **config,
            "lr": config[f"{task}_lr"],
            "epochs": config[f"{task}_epochs"],
        }
        metrics[task], summary[task] = {}, {}
        for variant in config[f"{task}_variants"]:
            opts = _variant(variant)

            def make_model(key, opts=opts):
                return TutorialNet(
                    in_shape, 10, rngs=nnx.Rngs(params=key, dropout=key), **net, **opts
                )

            r = train_classifier(
                task_config,
                seeds,
                make_model,
                arrays,
                progress=progress,
                desc=f"{task} {variant}",
            )
            metrics[task][variant] = r.metrics["histories"]
            summary[task][variant] = r.summary["test_accuracy"]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics=metrics,
        summary=summary,
    )


def _label(variant: str) -> str:
    act, drop = variant.split("_")
    return {
        "none": act,
        "alpha": f"{act} + alpha dropout",
        "standard": f"{act} + dropout",
    }[drop]


def figure(result, *, reference: dict | None = None):
    """Test accuracy per epoch for each variant, one panel per task; ``reference`` as lines.

    Takes a Result whose ``metrics[task][variant]`` are Histories (``alpha_dropout``);
    ``reference[task][activation]`` (percent) is drawn as a dotted line.
    """
    import matplotlib.pyplot as plt

    tasks = list(result.metrics)
    fig, axes = plt.subplots(
        1,
        len(tasks),
        figsize=(4.6 * len(tasks), 3.4),
        layout="constrained",
        squeeze=False,
    )
    for ax, task in zip(axes[0], tasks):
        for variant, hs in result.metrics[task].items():
            seed_band(
                ax,
                hs[0]["epoch"],
                [100 * np.asarray(h["test_accuracy"]) for h in hs],
                label=_label(variant),
            )
        for name, value in (reference or {}).get(task, {}).items():
            ax.axhline(value, ls=":", lw=1, color="k")
            ax.annotate(
                f"tutorial {name} {value:g}",
                (0.02, value),
                xycoords=("axes fraction", "data"),
                fontsize=7,
                va="bottom",
            )
        ax.set(title=task, xlabel="epoch", ylabel="test accuracy (%)")
        integer_epochs(ax)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(result.label, fontsize=10)
    return fig


def _tutorial(r: Result):
    parts, verdicts = [], []
    for task, variants in sorted(r.summary.items()):
        acc = {v: 100 * mean(a) for v, a in variants.items()}
        by_act = {v.split("_")[0]: a for v, a in acc.items()}
        parts.append(
            f"{task}: "
            + ", ".join(f"{_label(v)} {a:.2f} %" for v, a in sorted(acc.items()))
        )
        verdicts.append(by_act.get("selu", 0) > by_act.get("relu", 100))
    return "; ".join(parts), status(verdicts)


CLAIMS = [
    Claim(
        "Alpha dropout",
        "The SELU net beats the ReLU net (authors' tutorials: MLP with dropout, CNN without)",
        "MNIST MLP: SELU 92.04 % vs ReLU 90.76 %; CIFAR-10 CNN: 67.78 % vs 63.45 %",
        _tutorial,
    ),
]
