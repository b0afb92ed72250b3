"""Training self-normalizing MLPs built for different fixed points, on MNIST and CIFAR-10.

Every target (mean, variance) gets its SELU (alpha, lambda), kernels with the
exact weight statistics of the convention (omega = 0, tau = 1 for
``normalized_weights``) and alpha dropout at the same fixed point; the only
difference between runs is the target. Plain SGD at one learning rate for
all targets, so a target that needs another learning rate shows it; a run
that diverges is a result too: its message goes to ``summary["diverged"]``
under ``"task/depth/target"`` and the sweep goes on.
"""

from __future__ import annotations

import numpy as np
from flax import nnx

from normlab import data, train
from normlab.experiments import profile_config
from normlab.experiments._selu_nets import snn
from normlab.experiments._training import train_classifier
from normlab.plotting import integer_epochs, seed_band
from normlab.results import Result

FULL = {
    "tasks": ["mnist", "cifar10"],
    "targets": [[0.0, 1.0], [0.0, 0.25], [0.0, 4.0], [0.5, 1.0]],
    "convention": "normalized_weights",
    "init": "exact",
    "depths": [8, 32],
    "width": 512,
    "dropout_rate": 0.05,
    "num_train": None,
    "num_test": None,
    "optimizer": "sgd",
    "lr": 0.01,
    "batch_size": 128,
    "epochs": 10,  # with depths 8 and 32: within the GPU script's 10-minute run
    "seeds": [0, 1, 2],
}
SMALL = {
    "depths": [8],
    "width": 128,
    "num_train": 4096,
    "num_test": 2000,
    "lr": 0.05,
    "epochs": 2,
    "seeds": [0, 1],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def target_label(target) -> str:
    """``"(0, 4)"``."""
    return f"({target[0]:g}, {target[1]:g})"


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """``metrics[task][str(depth)][target_label]`` holds the Histories of every seed."""
    metrics, summary, diverged = {}, {}, {}
    for task in config["tasks"]:
        arrays = data.prepare(
            task, num_train=config["num_train"], num_test=config["num_test"]
        )
        in_features = arrays["train"][0][0].size
        metrics[task], summary[task] = {}, {}
        for depth in config["depths"]:
            metrics[task][str(depth)], summary[task][str(depth)] = {}, {}
            for mean, var in config["targets"]:

                def make_model(key, mean=mean, var=var, depth=depth):
                    return snn(
                        in_features,
                        10,
                        depth=depth,
                        width=config["width"],
                        mean=mean,
                        var=var,
                        convention=config["convention"],
                        init=config["init"],
                        dropout="alpha",
                        dropout_rate=config["dropout_rate"],
                        rngs=nnx.Rngs(params=key, dropout=key),
                    )

                label = target_label((mean, var))
                try:
                    r = train_classifier(
                        config,
                        seeds,
                        make_model,
                        arrays,
                        progress=progress,
                        desc=f"{task} d{depth} {label}",
                    )
                except train.DivergenceError as e:
                    diverged[f"{task}/{depth}/{label}"] = str(e)
                    continue
                metrics[task][str(depth)][label] = r.metrics["histories"]
                summary[task][str(depth)][label] = r.summary["test_accuracy"]
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics=metrics,
        summary={**summary, "diverged": diverged},
    )


def figure(result):
    """Training loss and test accuracy per target at the largest depth, one row per task.

    Takes the ``fixed_point_training`` Result.
    """
    import matplotlib.pyplot as plt

    tasks = list(result.metrics)
    fig, axes = plt.subplots(
        len(tasks),
        2,
        figsize=(9, 3.2 * len(tasks)),
        layout="constrained",
        squeeze=False,
    )
    for row, task in zip(axes, tasks):
        depth = max(result.metrics[task], key=int)
        for label, hs in result.metrics[task][depth].items():
            ep = hs[0]["epoch"]
            seed_band(row[0], ep, [h["train_loss"] for h in hs], log=True, label=label)
            seed_band(
                row[1],
                ep,
                [100 * np.asarray(h["test_accuracy"]) for h in hs],
                label=label,
            )
        row[0].set(
            title=f"{task}, depth {depth}", xlabel="epoch", ylabel="training loss"
        )
        row[1].set(
            title=f"{task}, depth {depth}", xlabel="epoch", ylabel="test accuracy (%)"
        )
        integer_epochs(*row)
        for ax in row:
            ax.grid(alpha=0.3)
    axes[0][1].legend(title="target (mean, var)", fontsize=8)
    fig.suptitle(result.label, fontsize=10)
    return fig
