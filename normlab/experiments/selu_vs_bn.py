"""The seed's first question: SELU nets vs ReLU + BatchNorm nets, each at its best learning rate.

For MNIST and CIFAR-10, an MLP and a plain CNN (:class:`normlab.models.ConvNet`)
at two depths each, both nets are trained with plain SGD (batch 128) at every
learning rate of ``lrs``, all rates and seeds of one net in one vmapped
program (:func:`normlab.train.fit_seeds` with a list of optimizers). The last
``val_fraction`` (1/6, as the authors' tutorials hold out) of the training set
is the validation split. Per net and setting, the learning rate is the one
with the best mean validation accuracy over seeds, and each seed's test
accuracy is read at its best-validation epoch: the test set is never used to
choose. The SNN is Dense/Conv + SELU with untruncated N(0, 1/n) kernels; the
baseline is Dense/Conv -> BatchNorm -> ReLU (the usual placement) with He's
N(0, 2/n) kernels. Time per step is measured separately by
``benchmarks/selu_vs_bn.py``.

The full profile: MLPs 8 and 32 layers of 512, CNNs 4 and 8 convolutions of
64 channels, 7 rates from 0.001 to 1, 20 epochs on the full training sets, 3
seeds. The small one (this CPU, about a minute): the two MLPs only, 4 and 16
layers of 64, 6 rates from 0.003 to 1, 2 epochs on 2,400 images, 2 seeds, which measures early
training more than what the nets finally reach.
"""

from __future__ import annotations

import jax
import numpy as np
import optax
from flax import nnx

from normlab import data, train
from normlab.experiments import profile_config, snn_depth
from normlab.models import MLP, ConvNet
from normlab.results import Result
from normlab.scorecard import Claim, mean, status

NETS = {
    "selu": snn_depth.NETS["snn"],
    "relu_bn": {
        "activation": "relu",
        "kernel_init": "he_normal_untruncated",
        "normalization": "batch",
    },
}
LABELS = {"selu": "SELU", "relu_bn": "ReLU + BN"}

FULL = {
    "datasets": ["mnist", "cifar10"],
    "nets": ["selu", "relu_bn"],
    "archs": {
        "mlp": {"depths": [8, 32], "width": 512},
        "cnn": {"depths": [4, 8], "width": 64},
    },
    "lrs": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    "val_fraction": 1 / 6,
    "bn_momentum": 0.99,  # Flax's default; the small profile's few steps need 0.9
    "batch_size": 128,
    "epochs": 20,
    "num_train": None,
    "num_test": None,
    "seeds": [0, 1, 2],
}
SMALL = {
    # MLPs only: on XLA:CPU the vmapped convolutions of a CNN sweep take minutes even at
    # width 8 (93 s for one CIFAR-10 setting on 2,400 images); the CNNs run in the full profile
    "archs": {"mlp": {"depths": [4, 16], "width": 64}},
    "lrs": [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    "bn_momentum": 0.9,  # 0.99 over ~30 steps leaves eval-mode statistics near their init
    "epochs": 2,
    "num_train": 2400,
    "num_test": 1000,
    "seeds": [0, 1],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def make_net(
    net: str,
    in_shape: int | tuple[int, ...],
    *,
    depth: int,
    width: int,
    key: jax.Array,
    arch: str = "mlp",
    momentum: float = 0.99,
) -> nnx.Module:
    """The SELU (``"selu"``) or ReLU + BatchNorm (``"relu_bn"``) net with 10 outputs.

    ``arch="mlp"`` takes the flattened input size (or the image shape), ``"cnn"``
    the image shape ``(height, width, channels)``; ``momentum`` is batch norm's
    running-average momentum.

    Example:
        >>> import jax
        >>> make_net("selu", (28, 28, 1), depth=2, width=4, key=jax.random.key(0), arch="cnn")
        ConvNet(...
    """
    if net not in NETS:
        raise ValueError(f"unknown net={net!r}; allowed: {list(NETS)}")
    if arch == "mlp":
        size = int(np.prod(in_shape))
        return MLP(
            size,
            10,
            depth=depth,
            width=width,
            momentum=momentum,
            **NETS[net],
            rngs=nnx.Rngs(key),
        )
    if arch == "cnn":
        if isinstance(in_shape, int) or len(in_shape) != 3:
            raise ValueError(
                f"arch='cnn' needs in_shape=(height, width, channels), got {in_shape}"
            )
        return ConvNet(
            in_shape[-1],
            10,
            depth=depth,
            width=width,
            momentum=momentum,
            **NETS[net],
            rngs=nnx.Rngs(key),
        )
    raise ValueError(f"unknown arch={arch!r}; allowed: 'mlp', 'cnn'")


def select(histories: list[dict], lrs: list[float], num_seeds: int) -> dict:
    """The learning rate with the best mean validation accuracy, and its seeds' test accuracies.

    ``histories`` run over ``(lr, seed)`` with the seed varying fastest. For each
    rate the score is the mean over seeds of the best validation accuracy over
    epochs; a rate at which any seed diverged is not eligible. At the chosen
    rate each seed's test accuracy is read at that seed's best-validation epoch.

    Example:
        >>> h = lambda v, t: {"extra": {"val_accuracy": v}, "test_accuracy": t}
        >>> s = select([h([.5, .6], [.4, .5]), h([.7, .9], [.6, .8])], [0.1, 1.0], 1)
        >>> s["lr"], s["test_accuracy"], s["at_edge"]
        (1.0, [0.8], True)
    """
    if len(histories) != len(lrs) * num_seeds:
        raise ValueError(
            f"{len(histories)} histories for {len(lrs)} rates x {num_seeds} seeds; they must match"
        )
    by_lr = [histories[i * num_seeds : (i + 1) * num_seeds] for i in range(len(lrs))]
    scores = [mean([max(h["extra"]["val_accuracy"]) for h in hs]) for hs in by_lr]
    diverged = [sum(h.get("diverged_at") is not None for h in hs) for hs in by_lr]
    eligible = [i for i, d in enumerate(diverged) if d == 0]
    if not eligible:
        raise ValueError(
            f"every learning rate of {lrs} diverged for some seed: lower them"
        )
    best = max(eligible, key=lambda i: scores[i])
    test = []
    for h in by_lr[best]:
        epoch = int(np.argmax(h["extra"]["val_accuracy"]))
        test.append(float(h["test_accuracy"][epoch]))
    return {
        "lr": float(lrs[best]),
        "val_accuracy": scores,
        "diverged": diverged,
        "test_accuracy": test,
        "at_edge": len(lrs) > 1 and best in (0, len(lrs) - 1),
    }


def settings(config: dict) -> list[tuple[str, str, int]]:
    """Every ``(dataset, arch, depth)`` the config trains, in order."""
    return [
        (ds, arch, depth)
        for ds in config["datasets"]
        for arch, spec in config["archs"].items()
        for depth in spec["depths"]
    ]


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Sweep the learning rate of both nets in every setting; select on validation."""
    keys = [jax.random.key(s) for s in seeds]
    histories, chosen = {}, {}
    arrays = {}
    for ds, arch, depth in settings(config):
        if ds not in arrays:
            n = config["num_train"] or len(data.load(ds).train_labels)
            arrays[ds] = data.prepare(
                ds,
                num_train=config["num_train"],
                num_val=int(round(n * config["val_fraction"])),
                num_test=config["num_test"],
            )
        a = arrays[ds]
        shape = a["train"][0].shape[1:]
        width, momentum = config["archs"][arch]["width"], config["bn_momentum"]
        for net in config["nets"]:
            key = f"{ds}/{arch}-{depth}/{net}"
            txs = [
                optax.inject_hyperparams(optax.sgd)(learning_rate=lr)
                for lr in config["lrs"]
                for _ in seeds
            ]
            hs = train.fit_seeds(
                lambda k, net=net: make_net(
                    net,
                    shape,
                    depth=depth,
                    width=width,
                    key=k,
                    arch=arch,
                    momentum=momentum,
                ),
                txs,
                a["train"],
                keys=[k for _ in config["lrs"] for k in keys],
                epochs=config["epochs"],
                batch_size=config["batch_size"],
                test=a["test"],
                val=a["val"],
                progress=progress,
                desc=key,
                on_divergence="record",  # a rate that blows up is a result of the sweep
            )
            histories[key] = [h.to_dict() for h in hs]
            chosen[key] = select(histories[key], config["lrs"], len(seeds))
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"histories": histories},
        summary={
            "test_accuracy": {k: c["test_accuracy"] for k, c in chosen.items()},
            "selection": chosen,
        },
    )


def _keyed(result) -> tuple[dict, dict]:
    """Test accuracies and selections keyed ``dataset/arch-depth/net``.

    A Result made before the sweep (one shared rate, keys ``dataset/net``) is
    read as MLPs of its ``depth``, without selections, so its figure still draws.
    """
    acc = result.summary["test_accuracy"]
    if all(len(k.split("/")) == 3 for k in acc):
        return acc, result.summary.get("selection", {})
    depth = result.config.get("depth", "?")
    return {
        f"{k.split('/')[0]}/mlp-{depth}/{k.split('/')[1]}": v for k, v in acc.items()
    }, {}


def figure(result):
    """Test accuracy at the selected learning rate per setting: one dot per seed, bar the mean.

    Example:
        >>> from normlab.results import Result
        >>> s = {"test_accuracy": {"mnist/mlp-8/selu": [.9, .91], "mnist/mlp-8/relu_bn": [.92]},
        ...      "selection": {"mnist/mlp-8/selu": {"lr": .1}, "mnist/mlp-8/relu_bn": {"lr": .1}}}
        >>> len(figure(Result("a", "small", {"datasets": ["mnist"]}, [0, 1], {}, s)).axes)
        1
    """
    import matplotlib.pyplot as plt

    acc, sel = _keyed(result)
    datasets = result.config.get("datasets") or list(
        dict.fromkeys(k.split("/")[0] for k in acc)
    )
    fig, axes = plt.subplots(
        1,
        len(datasets),
        figsize=(4.6 * len(datasets), 3.4),
        layout="constrained",
        squeeze=False,
    )
    for ax, ds in zip(axes[0], datasets):
        cases = list(
            dict.fromkeys(k.split("/")[1] for k in acc if k.startswith(f"{ds}/"))
        )
        for j, net in enumerate(NETS):
            xs, ys = [], []
            for i, case in enumerate(cases):
                k = f"{ds}/{case}/{net}"
                if k not in acc:
                    continue
                v = 100 * np.asarray(acc[k])
                x = i + (j - 0.5) * 0.3
                ax.plot(np.full(len(v), x), v, "o", ms=4, alpha=0.6, color=f"C{j}")
                ax.plot([x - 0.1, x + 0.1], [v.mean()] * 2, "-", color=f"C{j}")
                if k in sel:
                    lr = sel[k]["lr"]
                    ax.annotate(
                        f"{lr:g}", (x, v.min()), fontsize=6, ha="center", va="top"
                    )
                xs.append(x)
                ys.append(v.mean())
            ax.plot([], [], "o", color=f"C{j}", label=LABELS[net])
        ax.set_xticks(range(len(cases)), cases)
        ax.set(ylabel="test accuracy (%)", title=f"{ds} (label: selected lr)")
        ax.grid(alpha=0.3, axis="y")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        f"SELU vs ReLU + BN, each at its best rate: {result.label}", fontsize=10
    )
    return fig


def comparison(result) -> list[dict]:
    """Per setting: both nets' mean and std of test accuracy (%), selected rates, the gap."""
    acc, sel = result.summary["test_accuracy"], result.summary["selection"]
    out = []
    for ds, arch, depth in settings(result.config):
        case = f"{ds}/{arch}-{depth}"
        s, b = (100 * np.asarray(acc[f"{case}/{n}"]) for n in ("selu", "relu_bn"))
        spread = np.hypot(s.std(), b.std())
        out.append(
            {
                "setting": case,
                "selu": (s.mean(), s.std()),
                "relu_bn": (b.mean(), b.std()),
                "lr": (sel[f"{case}/selu"]["lr"], sel[f"{case}/relu_bn"]["lr"]),
                "at_edge": sel[f"{case}/selu"]["at_edge"]
                or sel[f"{case}/relu_bn"]["at_edge"],
                "gap": s.mean() - b.mean(),
                "within_noise": abs(s.mean() - b.mean()) <= max(spread, 0.1),
            }
        )
    return out


def answer(rows: list[dict]) -> str:
    """The comparison in one clause per outcome: where SELU is ahead, where
    ReLU + BN is, and where they are within the seeds' spread.

    Example:
        >>> answer([{"setting": "mnist/mlp-8", "gap": 1.2, "within_noise": False},
        ...         {"setting": "cifar10/mlp-8", "gap": -0.1, "within_noise": True}])
        "SELU is ahead in mnist/mlp-8; the two are within their seeds' spread in cifar10/mlp-8"
    """
    if not rows:
        raise ValueError("rows is empty: no setting was compared")
    groups = {
        "SELU is ahead in": [c for c in rows if c["gap"] > 0 and not c["within_noise"]],
        "ReLU + BN is ahead in": [
            c for c in rows if c["gap"] < 0 and not c["within_noise"]
        ],
        "the two are within their seeds' spread in": [
            c for c in rows if c["within_noise"]
        ],
    }
    return "; ".join(
        f"{head} {', '.join(c['setting'] for c in group)}"
        for head, group in groups.items()
        if group
    )


def architectures(rows: list[dict]) -> str:
    """The architectures compared, in words (``"CNNs and MLPs"``).

    Example:
        >>> architectures([{"setting": "mnist/mlp-8"}, {"setting": "cifar10/cnn-4"}])
        'CNNs and MLPs'
    """
    archs = sorted({c["setting"].split("/")[1].split("-")[0] for c in rows})
    return " and ".join(a.upper() + "s" for a in archs)


def _selu_matches_bn(r: Result):
    rows = comparison(r)
    text = "; ".join(
        f"{c['setting']}: SELU {c['selu'][0]:.1f} vs ReLU+BN {c['relu_bn'][0]:.1f} %"
        for c in rows
    )
    # matches: not worse than ReLU + BN beyond the seeds' spread
    return text, status([c["gap"] >= 0 or c["within_noise"] for c in rows])


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "At its own best learning rate a SELU net matches ReLU + BN on MNIST and CIFAR-10 "
        "(the seed's first question; MLP and CNN, two depths)",
        "not measured in the papers; the SNN paper reports SNNs ahead of BN nets on other data",
        _selu_matches_bn,
    ),
]
