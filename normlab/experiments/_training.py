"""What every classification experiment shares: the optimizer from a config, and a Result."""

from __future__ import annotations

import jax
import numpy as np
import optax

from normlab import train
from normlab.results import Result


def optimizer(config: dict) -> optax.GradientTransformation:
    """``config["optimizer"]`` in ``sgd`` / ``momentum`` / ``adam`` at ``config["lr"]``."""
    name, lr = config["optimizer"], config["lr"]
    if name == "sgd":
        return optax.sgd(lr)
    if name == "momentum":
        return optax.sgd(lr, momentum=config.get("momentum", 0.9))
    if name == "adam":
        return optax.adam(lr)
    raise ValueError(f"unknown optimizer={name!r}; allowed: sgd, momentum, adam")


def train_classifier(
    config,
    seeds,
    make_model,
    data,
    *,
    progress=None,
    metrics=None,
    eval_train=False,
    desc="train",
) -> Result:
    """Train ``make_model(key)`` once per seed (vmapped) and pack the Histories in a Result.

    ``data`` is :func:`normlab.data.prepare`'s dict; the test split (and the
    validation split, where ``data`` has ``"val"``) is evaluated every epoch.
    ``summary["test_accuracy"]`` holds per seed the final test accuracy, or with
    a validation split the test accuracy at that seed's best-validation epoch
    (``summary["best_epoch"]``, 1-based): the test set chooses nothing.
    """
    keys = [jax.random.key(s) for s in seeds]
    histories = train.fit_seeds(
        make_model,
        optimizer(config),
        data["train"],
        keys=keys,
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        test=data.get("test"),
        val=data.get("val"),
        eval_train=eval_train,
        metrics=metrics,
        progress=progress,
        desc=desc,
    )
    summary = {"test_accuracy": [h.test_accuracy[-1] for h in histories]}
    if "val" in data:
        best = [int(np.argmax(h.extra["val_accuracy"])) for h in histories]
        summary = {
            "test_accuracy": [h.test_accuracy[e] for h, e in zip(histories, best)],
            "best_epoch": [e + 1 for e in best],
        }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"histories": [h.to_dict() for h in histories]},
        summary=summary,
    )
