"""The scorecard's judging rules on made-up Results, and its table."""

import json

from normlab import scorecard
from normlab.results import Result


def _r(summary, metrics=None):
    return Result("x", "small", {}, [0], metrics or {}, summary=summary)


def _claim(experiment):
    return next(c for c in scorecard.claims() if c.experiment == experiment)


def test_every_claim_names_a_registered_experiment():
    from normlab import experiments

    assert {c.experiment for c in scorecard.claims()} <= set(experiments.names())


def _elu_claims():
    return [c for c in scorecard.claims() if c.experiment == "elu_mnist"]


def _elu_curves(train=None, median=None):
    units = ("elu", "relu", "lrelu", "srelu")
    train = train or {u: [2.0, 1.0, 0.5] for u in units}
    median = median or {u: [0.5, 0.5, 0.5] for u in units}
    curves = {
        u: {"train_loss": [train[u]], "median_activation": [median[u]]} for u in units
    }
    return _r({}, {"curves": curves})


def test_elu_loss_rule_judges_the_early_area_against_relu_and_lrelu():
    loss_rule = _elu_claims()[0].judge
    # ELU's last epoch is the highest, but its log loss over epochs 1-2 is the lowest:
    # mean log10 = (log10 0.01 + log10 0.1) / 2 = -1.5 vs -0.5 for ReLU and LReLU
    won = {"elu": [5.0, 0.01, 0.1], "relu": [2.0, 1.0, 0.1], "lrelu": [2.0, 1.0, 0.1]}
    won["srelu"] = [2.0, 1e-3, 1e-3]  # lower still, but SReLU is not in Fig. 2
    ours, status = loss_rule(_elu_curves(train=won))
    assert status == "reproduced" and "elu -1.500" in ours and "relu -0.500" in ours
    half = dict(won, lrelu=[2.0, 1e-3, 1e-3])
    assert loss_rule(_elu_curves(train=half))[1] == "partly"
    lost = dict(half, relu=[2.0, 1e-3, 1e-3])
    assert loss_rule(_elu_curves(train=lost))[1] == "not reproduced"


def test_elu_loss_rule_stops_at_epoch_25():
    loss_rule = _elu_claims()[0].judge
    # ELU is behind ReLU only after epoch 25, where the paper's curves are flat
    elu = [2.0] + [0.1] * 25 + [10.0] * 5
    other = [2.0] + [0.2] * 25 + [1e-3] * 5
    train = {"elu": elu, "relu": other, "lrelu": other, "srelu": other}
    ours, status = loss_rule(_elu_curves(train=train))
    assert status == "reproduced" and "epochs 1-25" in ours


def test_elu_median_rule_drops_epoch_0_and_ignores_srelu():
    median_rule = _elu_claims()[1].judge
    # at epoch 0 ELU is farthest from zero; after it, nearer than ReLU and LReLU
    median = {
        "elu": [3.0, -0.1, 0.2],
        "relu": [0.1, 0.5, 0.6],
        "lrelu": [0.1, 0.4, 0.5],
    }
    median["srelu"] = [0.0, 0.0, 0.0]
    ours, status = median_rule(_elu_curves(median=median))
    assert status == "reproduced" and "at 2 of 2 epochs" in ours
    half = dict(median, lrelu=[0.1, 0.4, 0.1])
    assert median_rule(_elu_curves(median=half))[1] == "partly"
    lost = dict(median, relu=[0.1, 0.0, 0.0])
    assert median_rule(_elu_curves(median=lost))[1] == "not reproduced"


def test_jacobian_rule():
    judge = next(
        c for c in scorecard.claims() if c.experiment == "snn_moment_map"
    ).judge
    good = _r({"jacobian": [[0, 0.0888347], [0, 0.7826479]], "spectral_norm": 0.787673})
    bad = _r({"jacobian": [[0, 0.1], [0, 0.7826479]], "spectral_norm": 0.79})
    assert judge(good)[1] == "reproduced" and judge(bad)[1] == "not reproduced"


def _snn_claims():
    return [c for c in scorecard.claims() if c.experiment == "snn_depth"]


def test_depth_trend_rule_checks_every_depth():
    trend = _snn_claims()[0].judge
    bn = {"mnist/bn/8": [1.0], "mnist/bn/16": [1.2], "mnist/bn/32": [1.5]}
    monotone = {
        "mnist/snn/8": [1.0],
        "mnist/snn/16": [0.7],
        "mnist/snn/32": [0.5],
        **bn,
    }
    ours, status = trend(_r({"final_train_loss": monotone}))
    assert status == "reproduced" and "d8/d16/d32" in ours
    # endpoints in order (0.5 < 1.0), but depth 16 fits lower than depth 32
    kinked = dict(monotone, **{"mnist/snn/16": [0.4]})
    assert trend(_r({"final_train_loss": kinked}))[1] == "partly"
    both = dict(kinked, **{"mnist/bn/16": [2.0]})
    assert trend(_r({"final_train_loss": both}))[1] == "not reproduced"


def test_jagged_rule_counts_rising_epochs():
    jagged = _snn_claims()[1].judge
    smooth, rough = (
        [[3.0, 2.0, 1.0, 0.5]],
        [[3.0, 2.0, 2.5, 1.0]],
    )  # 0 and 1 rise in 3 epochs
    final = {"mnist/snn/8": [0.5], "mnist/bn/8": [1.0]}
    r = _r(
        {"final_train_loss": final},
        {"train_loss": {"mnist/snn/8": smooth, "mnist/bn/8": rough}},
    )
    ours, status = jagged(r)
    assert status == "reproduced" and "SNN 0 %, BN 33 %" in ours
    r.metrics["train_loss"]["mnist/bn/8"] = smooth
    assert jagged(r)[1] == "not reproduced"


def test_timing_row(tmp_path):
    assert scorecard.timing_row(tmp_path / "absent.json")["status"] == "not reproduced"
    sec = {
        "convnet": {
            "normal": 1.0,
            "batch_norm": 1.2,
            "weight_norm": 1.01,
            "weight_norm_mean_only": 1.1,
        },
        "mlp": {
            "normal": 1.0,
            "batch_norm": 1.0,
            "weight_norm": 1.3,
            "weight_norm_mean_only": 1.3,
        },
    }
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps({"seconds_per_step": sec, "environment": {"backend": "cpu"}})
    )
    row = scorecard.timing_row(path)
    assert row["status"] == "reproduced" and "BN/normal 1.20" in row["ours"]


def test_markdown_table():
    md = scorecard.markdown(
        [
            {
                "chapter": "c",
                "claim": "a | b",
                "paper": "p",
                "ours": "o",
                "measured": "m",
                "status": "partly",
            }
        ]
    )
    lines = md.splitlines()
    assert len(lines) == 3 and "**partly**" in lines[2] and "a / b" in lines[2]


def _ll(accs, losses=None):
    fams = ("CReLU + looks-linear", "ReLU + BN", "resnet + BN")
    acc = {f: {"10": [a[0]], "50": [a[1]]} for f, a in zip(fams, accs)}
    from normlab.experiments.looks_linear import diverged

    losses = losses or {}
    runs = {
        f: {d: [{"train_loss": losses.get((f, d), [1.0])}] for d in ("10", "50")}
        for f in fams
    }
    blown = {
        f: {d: [diverged(h) for h in hs] for d, hs in by.items()}
        for f, by in runs.items()
    }
    return _r({"test_accuracy": acc, "diverged": blown}, {"runs": runs})


def test_looks_linear_rule_is_partly_when_it_trails_the_resnet_at_every_depth():
    judge = _claim("looks_linear").judge
    assert judge(_ll([(0.5, 0.47), (0.53, 0.1), (0.55, 0.55)]))[1] == "partly"
    assert judge(_ll([(0.56, 0.56), (0.53, 0.1), (0.55, 0.55)]))[1] == "reproduced"
    assert judge(_ll([(0.5, 0.09), (0.53, 0.1), (0.55, 0.55)]))[1] == "not reproduced"


def test_looks_linear_rule_reports_a_diverged_seed_with_its_epoch():
    blown = {("CReLU + looks-linear", "50"): [1.9, 1.5, 3.7e13]}
    ours, status = _claim("looks_linear").judge(
        _ll([(0.56, 0.6), (0.5, 0.1), (0.5, 0.5)], blown)
    )
    assert "diverged, epoch 3" in ours and status != "reproduced"


def test_alpha_dropout_tutorial_rule_needs_selu_above_relu_on_each_task():
    judge = _claim("alpha_dropout").judge
    win = {"selu_alpha": [0.92], "relu_standard": [0.90]}
    lose = {"selu_none": [0.60], "relu_none": [0.63]}
    cnn_win = {"selu_none": [0.68], "relu_none": [0.63]}
    assert judge(_r({"mnist": win, "cifar10": cnn_win}))[1] == "reproduced"
    assert judge(_r({"mnist": win, "cifar10": lose}))[1] == "partly"
    assert (
        judge(
            _r(
                {
                    "mnist": {"selu_alpha": [0.5], "relu_standard": [0.6]},
                    "cifar10": lose,
                }
            )
        )[1]
        == "not reproduced"
    )


def test_dropout_regularization_rule_compares_within_two_standard_errors():
    judge = _claim("dropout_regularization").judge
    cfg = {"rates": [0.05, 0.2]}

    def result(alpha05, std05, alpha2, std2, none):
        return Result(
            "dropout_regularization",
            "small",
            cfg,
            [0, 1, 2],
            {},
            {
                "alpha@0.05": alpha05,
                "standard@0.05": std05,
                "alpha@0.2": alpha2,
                "standard@0.2": std2,
                "none": none,
            },
        )

    tied = [0.90, 0.91, 0.92]
    ours, verdict = judge(result(tied, tied, tied, tied, tied))
    assert (
        verdict == "reproduced" and "rate 0.2: alpha 91.00 vs standard 91.00 %" in ours
    )
    low = [0.80, 0.81, 0.82]  # 10 points below, s.e. 0.6 points: far outside 2 s.e.
    assert judge(result(tied, tied, low, tied, tied))[1] == "partly"
    assert judge(result(low, tied, low, tied, tied))[1] == "not reproduced"


def test_alpha_dropout_moments_rule_bounds_the_deepest_layer():
    judge = _claim("alpha_dropout_moments").judge
    kept = {"alpha": [0.01, 1.02], "standard": [0.3, 1.6]}
    drifted = {"alpha": [0.01, 1.2], "standard": [0.3, 1.6]}
    assert judge(_r({"last_layer_mean_var": kept}))[1] == "reproduced"
    assert judge(_r({"last_layer_mean_var": drifted}))[1] == "not reproduced"
