"""Alpha vs standard dropout as regularizers of a SELU network, trained until it has fit the data.

The tutorials (:mod:`normlab.experiments.alpha_dropout`) compare SELU with
ReLU nets at one small rate over 20 epochs; that budget measures how fast
the nets learn, not how well dropout regularizes. Here one self-normalizing
MLP (``depth`` x ``width`` SELU, untruncated N(0, 1/n) kernels, zero biases)
is trained on a reduced MNIST training set, where it overfits without
dropout, with no dropout and with alpha or standard dropout at each of
``rates`` after every hidden layer, for ``epochs`` epochs of SGD: long enough
that the net without dropout has fit its training set (the figure's right
panel shows its training loss). A held-out ``num_val`` of the kept training
examples picks each seed's epoch; its test accuracy at that epoch is reported.

The SNN paper states that standard dropout destroys self-normalization and
that alpha dropout at rates 0.05 to 0.1 gives good performance; it compares
no nets trained with each. This experiment and its rules are ours.
"""

from __future__ import annotations

import numpy as np
from flax import nnx

from normlab import data
from normlab.experiments import profile_config
from normlab.experiments._selu_nets import snn
from normlab.experiments._training import train_classifier
from normlab.plotting import integer_epochs, seed_band
from normlab.results import Result
from normlab.scorecard import Claim, mean, status

FULL = {
    "task": "mnist",
    "depth": 4,
    "width": 512,
    "rates": [0.05, 0.1, 0.2],
    # 12,000 kept, the last 2,000 of them for validation: a training set the net overfits
    "num_train": 12000,
    "num_val": 2000,
    "num_test": None,
    "optimizer": "sgd",
    "lr": 0.05,
    "epochs": 200,
    "batch_size": 128,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {
    "width": 128,
    "num_train": 2560,
    "num_val": 512,
    "num_test": 2000,
    "epochs": 40,
    "seeds": [0, 1, 2],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def variants(config: dict) -> list[str]:
    """``"none"`` and ``"{alpha|standard}@{rate}"`` for every rate, in that order.

    Example:
        >>> variants({"rates": [0.1]})
        ['none', 'alpha@0.1', 'standard@0.1']
    """
    for rate in config["rates"]:
        if not 0 < rate < 1:
            raise ValueError(f"rates: {rate} is outside (0, 1)")
    return ["none"] + [
        f"{kind}@{r:g}" for r in config["rates"] for kind in ("alpha", "standard")
    ]


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Train every variant; ``summary[variant]``: test accuracy per seed at its best-val epoch.

    ``summary["final_train_loss"][variant]`` is the last epoch's training loss
    per seed (how far the fit went); ``metrics[variant]`` the Histories.
    """
    arrays = data.prepare(
        config["task"],
        num_train=config["num_train"],
        num_val=config["num_val"],
        num_test=config["num_test"],
    )
    n_in = int(np.prod(arrays["train"][0].shape[1:]))
    metrics, summary, final_loss = {}, {}, {}
    for variant in variants(config):
        kind, rate = variant.split("@") if "@" in variant else ("alpha", "0")

        def make_model(key, kind=kind, rate=float(rate)):
            return snn(
                n_in,
                10,
                depth=config["depth"],
                width=config["width"],
                init="lecun",
                dropout=kind,
                dropout_rate=rate,
                rngs=nnx.Rngs(params=key, dropout=key),
            )

        r = train_classifier(
            config, seeds, make_model, arrays, progress=progress, desc=variant
        )
        metrics[variant] = r.metrics["histories"]
        summary[variant] = r.summary["test_accuracy"]
        final_loss[variant] = [h["train_loss"][-1] for h in r.metrics["histories"]]
    summary["final_train_loss"] = final_loss
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics=metrics,
        summary=summary,
    )


def _sem(values) -> float:
    v = np.asarray(values, float)
    return float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0


def figure(result: Result):
    """Left: test accuracy (best-val epoch) against the rate; right: training loss per epoch."""
    import matplotlib.pyplot as plt

    cfg, s = result.config, result.summary
    rates = cfg["rates"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.6), layout="constrained")
    none = 100 * np.asarray(s["none"])
    ax.axhspan(
        none.mean() - 2 * _sem(none),
        none.mean() + 2 * _sem(none),
        color="0.85",
        label="no dropout",
    )
    for kind, marker in (("alpha", "o"), ("standard", "s")):
        accs = [100 * np.asarray(s[f"{kind}@{r:g}"]) for r in rates]
        ax.errorbar(
            rates,
            [a.mean() for a in accs],
            yerr=[2 * _sem(a) for a in accs],
            marker=marker,
            capsize=3,
            label=f"{kind} dropout",
        )
    ax.set(
        xlabel="dropout rate", ylabel="test accuracy (%), best-val epoch", xticks=rates
    )
    ax.set_title("mean ± 2 s.e. over seeds", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    mid = rates[len(rates) // 2]
    for variant in ("none", f"alpha@{mid:g}", f"standard@{mid:g}"):
        hs = result.metrics[variant]
        seed_band(
            bx, hs[0]["epoch"], [h["train_loss"] for h in hs], label=variant, log=True
        )
    bx.set(xlabel="epoch", ylabel="training loss (train mode)")
    integer_epochs(bx)
    bx.set_title(f"fit: no dropout and rate {mid:g}", fontsize=10)
    bx.legend(fontsize=8)
    bx.grid(alpha=0.3)
    fig.suptitle(result.label, fontsize=10)
    return fig


def _alpha_vs_standard(r: Result):
    s, rates = r.summary, r.config["rates"]
    parts, ok = [], []
    for rate in rates:
        a, b = np.asarray(s[f"alpha@{rate:g}"]), np.asarray(s[f"standard@{rate:g}"])
        se = np.hypot(_sem(a), _sem(b))
        ok.append(a.mean() >= b.mean() - 2 * se)
        parts.append(
            f"rate {rate:g}: alpha {100 * a.mean():.2f} vs standard {100 * b.mean():.2f} %"
        )
    none = np.asarray(s["none"])
    best_alpha = max(
        (f"alpha@{x:g}" for x in rates if x <= 0.1), key=lambda v: mean(s[v])
    )
    a = np.asarray(s[best_alpha])
    helps = a.mean() >= none.mean() - 2 * np.hypot(_sem(a), _sem(none))
    parts.append(f"no dropout {100 * none.mean():.2f} %")
    # both halves of the paper's statement: never below standard dropout, and at 0.05-0.1 no loss
    return "; ".join(parts), status([all(ok), helps])


CLAIMS = [
    Claim(
        "Alpha dropout",
        "In a SELU net alpha dropout regularizes at least as well as standard dropout, "
        "and at rate 0.05 to 0.1 costs no accuracy (ours: trained until it fits)",
        "paper: standard dropout destroys self-normalization; alpha dropout at 0.05-0.1 "
        "performs well (no numbers)",
        _alpha_vs_standard,
    ),
]
