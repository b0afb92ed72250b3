"""Result JSON round trip and the config-hash cache of run_experiment."""

from pathlib import Path

import pytest

from normlab import experiments, results
from normlab.results import Result


def _result(**kw):
    r = Result(
        "demo",
        "small",
        {"lr": 0.1, "depth": [2, 3]},
        [0, 1],
        {"loss": [1.0, 0.5]},
        summary={"test_accuracy": [0.9, 0.92]},
    )
    for k, v in kw.items():
        setattr(r, k, v)
    return r


def test_save_load_round_trip(tmp_path):
    import numpy as np

    r = _result(metrics={"curve": np.arange(3.0)}, environment=results.environment())
    back = results.load(results.save(r, tmp_path / "r.json"))
    assert back.metrics["curve"] == [0.0, 1.0, 2.0]
    assert back.config == r.config and back.seeds == [0, 1]
    assert back.environment["jax"] and back.environment["backend"] == "cpu"
    assert (
        back.label
        == f"small profile, 2 seeds (0-1), CPU, {back.environment['cpu_count']} cores"
    )


def test_config_hash_is_stable_and_sensitive():
    h = results.config_hash("x", {"a": 1, "b": [1, 2]}, [0])
    assert h == results.config_hash(
        "x", {"b": [1, 2], "a": 1}, [0]
    )  # key order is irrelevant
    assert h != results.config_hash("x", {"a": 2, "b": [1, 2]}, [0])
    assert h != results.config_hash("x", {"a": 1, "b": [1, 2]}, [1])


def test_run_experiment_caches_by_config(tmp_path, monkeypatch):
    module = experiments.get("mlp_mnist")
    calls = []

    def fake_run(config, *, seeds, progress=None):
        calls.append((config["epochs"], tuple(seeds)))
        return Result(
            "", "", config, seeds, {"histories": []}, summary={"test_accuracy": [0.5]}
        )

    monkeypatch.setattr(module, "run", fake_run)
    a = experiments.run_experiment(
        "mlp_mnist", cache_dir=tmp_path, overrides={"epochs": 1}
    )
    b = experiments.run_experiment(
        "mlp_mnist", cache_dir=tmp_path, overrides={"epochs": 1}
    )
    assert calls == [(1, (0, 1))] and a.to_json() == b.to_json()
    assert a.name == "mlp_mnist" and a.profile == "small" and a.environment["python"]
    experiments.run_experiment(
        "mlp_mnist", cache_dir=tmp_path, overrides={"epochs": 2}, seeds=[7]
    )
    assert calls[-1] == (2, (7,))


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="unknown experiment name='nope'"):
        experiments.run_experiment("nope")
    with pytest.raises(ValueError, match="unknown config fields.*'depht'"):
        experiments.run_experiment("mlp_mnist", overrides={"depht": 3})
    with pytest.raises(ValueError, match="unknown profile='huge'"):
        experiments.get("mlp_mnist").get_config("huge")


def test_every_experiment_is_one_module_with_config_run_figure_and_claims():
    import matplotlib.pyplot as plt

    from normlab import scorecard

    for name in experiments.names():
        module = experiments.get(name)
        assert (
            callable(module.get_config)
            and callable(module.run)
            and callable(module.figure)
        )
        assert set(module.get_config("small")) == set(module.get_config("full"))
    assert {c.experiment for c in scorecard.claims()} <= set(experiments.names())
    for name in experiments.names():  # the full-profile Results committed with the book
        result = experiments.committed(
            name, folder=Path(__file__).parents[1] / "book" / "results"
        )
        if result is not None:
            experiments.figure(result)
            plt.close("all")


def test_outdated_lists_the_changed_fields_and_marks_the_label(tmp_path):
    config = experiments.get("mlp_mnist").get_config("full")
    seeds = config.pop("seeds")
    current = Result("mlp_mnist", "full", dict(config), seeds, {})
    assert experiments.outdated(current) == []
    old = Result(
        "mlp_mnist", "full", {**config, "epochs": config["epochs"] + 1}, seeds, {}
    )
    results.save(old, tmp_path / "mlp_mnist-full.json")
    loaded = experiments.committed("mlp_mnist", folder=tmp_path)
    assert loaded.outdated == ["epochs"] and "OUTDATED" in loaded.label
    assert "outdated" not in results.Result.to_json(
        loaded
    )  # a load-time mark, never saved


def test_lead_takes_a_current_committed_run_else_this_builds_run_with_the_mark(
    tmp_path,
):
    config = experiments.get("fixed_point_map").get_config("full")
    seeds = config.pop("seeds")
    current = Result("fixed_point_map", "full", dict(config), seeds, {"means": []}, {})
    current.metrics = {"normalized_weights": {"spectral_radius": []}}
    results.save(current, tmp_path / "fixed_point_map-full.json")
    led, note = experiments.lead("fixed_point_map", "small", folder=tmp_path)
    assert led.profile == "full" and note == ""
    old = Result(
        "fixed_point_map", "full", {**config, "iterations": 1}, seeds, current.metrics
    )
    results.save(old, tmp_path / "fixed_point_map-full.json")
    led, note = experiments.lead("fixed_point_map", "small", folder=tmp_path)
    assert (
        led.profile == "small"
        and "fixed_point_map: OUTDATED" in note
        and "iterations" in note
    )
    # nothing committed: this build's run, and no mark
    assert (
        experiments.lead("fixed_point_map", "small", folder=tmp_path / "none")[1] == ""
    )


def test_run_yourself_runs_each_experiment_in_order_and_shows_its_figure(
    monkeypatch, capsys
):
    from normlab import plotting

    ran, drawn = [], []

    def fake_run(name, profile):
        ran.append((name, profile))
        return Result(name, profile, {}, [0], {}, {}, wall_time_s=12.3)

    monkeypatch.setattr(experiments, "run_experiment", fake_run)
    monkeypatch.setattr(experiments, "figure", lambda r: drawn.append(r.name))
    out = plotting.run_yourself(["snn_moment_map", "mlp_mnist"], profile="small")
    assert [r.name for r in out] == ["snn_moment_map", "mlp_mnist"]
    assert ran == [("snn_moment_map", "small"), ("mlp_mnist", "small")]
    assert drawn == ["snn_moment_map", "mlp_mnist"]
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].startswith("mlp_mnist: ") and printed[1].endswith(
        "; wall time 12 s"
    )
    with pytest.raises(TypeError, match="names must be a list"):
        plotting.run_yourself("mlp_mnist", profile="small")
