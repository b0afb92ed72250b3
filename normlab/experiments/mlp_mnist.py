"""A 2-hidden-layer ReLU MLP on MNIST: the library end to end, and the book's first figure.

The small profile trains 784-256-256-10 for 4 epochs with Adam on this CPU
in about a minute; the full one 784-1024-1024-10 for 20 epochs, 5 seeds.
"""

from __future__ import annotations

from flax import nnx

from normlab import data
from normlab.experiments import profile_config
from normlab.experiments._training import train_classifier
from normlab.models import MLP
from normlab.plotting import learning_curves

FULL = {
    "dataset": "mnist",
    "depth": 2,
    "width": 1024,
    "activation": "relu",
    "optimizer": "adam",
    "lr": 1e-3,
    "batch_size": 128,
    "epochs": 20,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"width": 256, "epochs": 4, "seeds": [0, 1]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def run(config: dict, *, seeds: list[int], progress: bool | None = None):
    """Train one MLP per seed; the Result holds every seed's History."""
    arrays = data.prepare(config["dataset"])
    in_features = arrays["train"][0][0].size

    def make_model(key):
        return MLP(
            in_features,
            10,
            depth=config["depth"],
            width=config["width"],
            activation=config["activation"],
            rngs=nnx.Rngs(key),
        )

    return train_classifier(
        config, seeds, make_model, arrays, progress=progress, desc="mlp_mnist"
    )


def figure(result):
    """Training loss and test accuracy per epoch (:func:`normlab.plotting.learning_curves`)."""
    return learning_curves(result, title="2-hidden-layer MLP on MNIST")
