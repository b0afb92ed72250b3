"""The command line, and the mlp_mnist small profile on real MNIST."""

import json

import pytest

from normlab.__main__ import main


def test_list(capsys):
    assert main(["list"]) == 0
    assert "mlp_mnist" in capsys.readouterr().out


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for flag in (
        "--profile",
        "--seeds",
        "--out",
        "--data-dir",
        "--no-cache",
        "--quiet",
        "--set",
    ):
        assert flag in out


def test_run_small_profile_on_real_mnist(with_data, tmp_path, capsys):
    """The acceptance run: a 2-hidden-layer MLP passes 96 % test accuracy within the profile."""
    assert (
        main(["run", "mlp_mnist", "--out", str(tmp_path), "--quiet", "--seeds", "0"])
        == 0
    )
    out = capsys.readouterr().out
    saved = json.loads((tmp_path / "mlp_mnist-small-seeds0.json").read_text())
    assert (tmp_path / "mlp_mnist-small-seeds0.png").stat().st_size > 10_000
    acc = saved["summary"]["test_accuracy"][0]
    assert acc > 0.96, out
    assert saved["environment"]["backend"] and saved["seeds"] == [0]
    assert (
        len(saved["metrics"]["histories"][0]["test_accuracy"])
        == saved["config"]["epochs"]
    )
    assert main(["show", str(tmp_path / "mlp_mnist-small-seeds0.json")]) == 0
    assert f"{acc:.4f}" in capsys.readouterr().out
    # the same run again is a cache hit, and says so instead of claiming to have trained
    assert (
        main(["run", "mlp_mnist", "--out", str(tmp_path), "--quiet", "--seeds", "0"])
        == 0
    )
    out = capsys.readouterr().out
    assert "not retrained" in out and "originally trained in" in out


def test_set_overrides_and_errors(with_data, tmp_path, capsys):
    args = ["run", "mlp_mnist", "--out", str(tmp_path), "--quiet", "--seeds", "0"]
    assert main(args + ["--set", "epochs=1", "width=8"]) == 0
    saved = json.loads(
        (tmp_path / "mlp_mnist-small-epochs=1-width=8-seeds0.json").read_text()
    )
    assert saved["config"]["epochs"] == 1 and saved["config"]["width"] == 8
    assert main(args + ["--set", "widht=8"]) == 1
    assert "unknown config fields" in capsys.readouterr().err
    assert main(args + ["--set", "optimizer=sgd", "lr=1e9", "epochs=1", "width=8"]) == 1
    assert "training diverged" in capsys.readouterr().err
    assert [p.name for p in tmp_path.glob("*.json")] == [
        "mlp_mnist-small-epochs=1-width=8-seeds0.json"
    ]  # a --set run never wrote the plain mlp_mnist-small.json
    assert main(["run", "nope"]) == 1
    assert "unknown experiment name='nope'" in capsys.readouterr().err


def test_missing_data_dir_is_an_error(tmp_path, capsys):
    assert main(["run", "mlp_mnist", "--data-dir", str(tmp_path / "absent")]) == 2
    assert "absent" in capsys.readouterr().err


def test_reproduce_writes_each_result_and_resumes(
    with_data, tmp_path, capsys, monkeypatch
):
    from normlab import experiments, results
    from normlab.results import Result

    module = experiments.get("mlp_mnist")
    calls = []

    def fake_run(config, *, seeds, progress=None):
        calls.append(seeds)
        return Result("", "", config, seeds, {}, summary={"test_accuracy": [0.5]})

    monkeypatch.setattr(module, "run", fake_run)
    args = [
        "reproduce",
        "--profile",
        "small",
        "--only",
        "mlp_mnist",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    saved = results.load(tmp_path / "mlp_mnist-small.json")
    assert saved.name == "mlp_mnist" and saved.profile == "small" and len(calls) == 1
    assert (
        main(args) == 0 and len(calls) == 1
    )  # resumable: the existing file is skipped
    assert "exists, skipped" in capsys.readouterr().out


def test_reproduce_runs_experiments_in_parallel_processes(tmp_path, capsys):
    args = [
        "reproduce",
        "--profile",
        "small",
        "--out",
        str(tmp_path),
        "--quiet",
        "--jobs",
        "2",
    ]
    assert main([*args, "--only", "snn_moment_map", "fixed_point_map"]) == 0
    assert {p.name for p in tmp_path.glob("*.json")} == {
        "snn_moment_map-small.json",
        "fixed_point_map-small.json",
    }
    assert main([*args, "--only", "snn_moment_map", "no_such_experiment"]) == 1
    assert "1 experiment(s) failed: no_such_experiment" in capsys.readouterr().err
    # a budget stops what still runs at the deadline and starts nothing after it
    budget = [*args, "--force", "--jobs", "1", "--budget", "0.5"]
    assert main([*budget, "--only", "fixed_point_map", "snn_moment_map"]) == 1
    out = capsys.readouterr().out
    assert "fixed_point_map: stopped at the 0.5 s budget" in out
    assert "snn_moment_map: not started, the 0.5 s budget is spent" in out


def test_missing_dataset_is_reported_before_jax_is_imported(tmp_path):
    """Offline with no data: the error names the folder searched and comes before any JAX import."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from normlab.__main__ import main\n"
        "rc = main(['run', 'mlp_mnist', '--out', sys.argv[1]])\n"
        "print('rc', rc, 'jax imported:', 'jax' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "NORMLAB_DATA_DIR": str(tmp_path / "nothing-here"),
        "NORMLAB_CACHE_DIR": str(tmp_path / "cache"),
        "NORMLAB_DOWNLOAD": "0",
    }
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "rc 1 jax imported: False" in out.stdout, out.stderr
    assert f"$NORMLAB_DATA_DIR={tmp_path / 'nothing-here'}: not found" in out.stderr
    assert "--data-dir" in out.stderr and "Traceback" not in out.stderr


def test_experiment_datasets_are_those_its_configs_read():
    from normlab import experiments

    def read(cfg):
        used = []
        for key in ("dataset", "datasets", "task", "tasks"):
            value = cfg.get(key, [])
            used += [value] if isinstance(value, str) else list(value)
        return {d for d in used if d in ("mnist", "cifar10")}

    for name in experiments.names():
        for profile in experiments.PROFILES:
            cfg = experiments.get(name).get_config(profile)
            assert set(experiments.datasets(name, profile)) == read(cfg), (
                name,
                profile,
            )
    with pytest.raises(ValueError, match="unknown experiment name='nope'"):
        experiments.datasets("nope", "small")
