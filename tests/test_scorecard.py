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


def test_elu_loss_rule():
    judge = _claim("elu_mnist").judge
    won = _r({"final_train_loss": {"elu": [0.1], "relu": [0.2], "srelu": [0.3]}})
    lost = _r({"final_train_loss": {"elu": [0.1], "relu": [0.2], "srelu": [0.05]}})
    assert judge(won)[1] == "reproduced" and judge(lost)[1] == "not reproduced"


def test_jacobian_rule():
    judge = next(c for c in scorecard.claims() if c.experiment == "snn_moment_map").judge
    good = _r({"jacobian": [[0, 0.0888347], [0, 0.7826479]], "spectral_norm": 0.787673})
    bad = _r({"jacobian": [[0, 0.1], [0, 0.7826479]], "spectral_norm": 0.79})
    assert judge(good)[1] == "reproduced" and judge(bad)[1] == "not reproduced"


def test_depth_trend_rule_is_partly_when_one_family_disagrees():
    final = {"mnist/snn/8": [1.0], "mnist/snn/32": [0.5], "mnist/bn/8": [1.0], "mnist/bn/32": [0.8]}
    ours, status = _claim("snn_depth").judge(_r({"final_train_loss": final}))
    assert status == "partly" and "d8/d32" in ours


def test_timing_row(tmp_path):
    assert scorecard.timing_row(tmp_path / "absent.json")["status"] == "not reproduced"
    sec = {
        "convnet": {
            "normal": 1.0,
            "batch_norm": 1.2,
            "weight_norm": 1.01,
            "weight_norm_mean_only": 1.1,
        },
        "mlp": {"normal": 1.0, "batch_norm": 1.0, "weight_norm": 1.3, "weight_norm_mean_only": 1.3},
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"seconds_per_step": sec, "environment": {"backend": "cpu"}}))
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


def test_alpha_dropout_tutorial_rule_needs_selu_above_relu_on_each_task():
    judge = _claim("alpha_dropout").judge
    win = {"selu_alpha": [0.92], "relu_standard": [0.90]}
    lose = {"selu_alpha": [0.60], "relu_standard": [0.63]}
    assert judge(_r({"mnist": win, "cifar10": win}))[1] == "reproduced"
    assert judge(_r({"mnist": win, "cifar10": lose}))[1] == "partly"
    assert judge(_r({"mnist": lose, "cifar10": lose}))[1] == "not reproduced"


def test_alpha_dropout_moments_rule_bounds_the_deepest_layer():
    judge = _claim("alpha_dropout_moments").judge
    kept = {"alpha": [0.01, 1.02], "standard": [0.3, 1.6]}
    drifted = {"alpha": [0.01, 1.2], "standard": [0.3, 1.6]}
    assert judge(_r({"last_layer_mean_var": kept}))[1] == "reproduced"
    assert judge(_r({"last_layer_mean_var": drifted}))[1] == "not reproduced"
