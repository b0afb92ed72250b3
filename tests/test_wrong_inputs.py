"""Wrong inputs across the library and the CLI: each raises (or exits) with a message that
names the argument. One row per case: (id, call, error type, phrase of the message).
Rows marked "was silent" computed a wrong answer or a raw traceback before issue 14."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from normlab import data, diagnostics, init, train
from normlab.__main__ import main
from normlab.activations import selu_for
from normlab.models import MLP
from normlab.nn import AlphaDropout, MeanOnlyBatchNorm, WeightNorm

X = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int32)
KEY = jax.random.key(0)


def _mlp(key=0):
    return MLP(4, 2, depth=1, width=8, rngs=nnx.Rngs(key))


def _fit(train_=(X, Y), **kw):
    args = dict(epochs=1, batch_size=8, key=KEY, progress=False)
    args.update(kw)
    return train.fit(_mlp(), optax.sgd(0.1), train_, **args)


def _fit_seeds(**kw):
    args = dict(keys=jax.random.split(KEY, 2), epochs=1, batch_size=8, progress=False)
    args.update(kw)
    return train.fit_seeds(lambda k: _mlp(), optax.sgd(0.1), (X, Y), **args)


def _nan(a):
    a = a.copy()
    a[3, 1] = np.nan
    return a


def _wn_model():
    return WeightNorm(nnx.Linear(4, 3, rngs=nnx.Rngs(0)))


def _ddi(batch):
    return init.data_dependent_init(_wn_model(), batch)


LIB = [
    # fit / fit_seeds
    (
        "fit lengths differ",
        lambda: _fit((X, Y[:-1])),
        ValueError,
        "differ in length",
    ),  # silent
    (
        "fit label -1",
        lambda: _fit((X, np.where(Y == 0, -1, 1).astype(np.int32))),
        ValueError,
        "labels include -1",
    ),  # was silent
    (
        "fit float labels",
        lambda: _fit((X, Y.astype(np.float32))),
        TypeError,
        "need integer class indices",
    ),  # was silent
    (
        "fit bool labels",
        lambda: _fit((X, Y.astype(bool))),
        TypeError,
        "dtype bool",
    ),  # silent
    (
        "fit labels beyond outputs",
        lambda: _fit((X, Y * 5)),
        ValueError,
        "the model has 2 outputs",
    ),  # was reported as divergence
    ("fit NaN train inputs", lambda: _fit((_nan(X), Y)), ValueError, "NaN or infinite"),
    (
        "fit NaN test inputs",
        lambda: _fit(test=(_nan(X), Y)),
        ValueError,
        "test inputs contain NaN",
    ),  # was silent: test_loss = nan
    (
        "fit test labels beyond outputs",
        lambda: _fit(test=(X, Y + 2)),
        ValueError,
        "test labels include 3",
    ),
    (
        "fit test lengths differ",
        lambda: _fit(test=(X, Y[:5])),
        ValueError,
        "differ in length",
    ),
    ("fit 2-d labels", lambda: _fit((X, Y[:, None])), ValueError, "one integer class"),
    ("fit 1-d inputs", lambda: _fit((X[:, 0], Y)), ValueError, "need (examples"),
    ("fit train not a pair", lambda: _fit((X, Y, Y)), TypeError, "must be a pair"),
    ("fit epochs 0", lambda: _fit(epochs=0), ValueError, "epochs=0 must be >= 1"),
    (
        "fit epochs float",
        lambda: _fit(epochs=1.5),
        TypeError,
        "epochs=1.5 must be an int",
    ),
    (
        "fit epochs bool",
        lambda: _fit(epochs=True),
        TypeError,
        "epochs=True must be an int",
    ),
    ("fit batch_size 0", lambda: _fit(batch_size=0), ValueError, "batch_size=0"),
    (
        "fit batch_size > n",
        lambda: _fit(batch_size=33),
        ValueError,
        "must be in [1, 32]",
    ),
    ("fit batch_size float", lambda: _fit(batch_size=8.0), TypeError, "batch_size=8.0"),
    (
        "fit eval_batch_size 0",
        lambda: _fit(eval_batch_size=0),
        ValueError,
        "eval_batch_size=0",
    ),
    ("fit scan junk", lambda: _fit(scan="yes"), ValueError, "scan='yes'"),
    ("fit int key", lambda: _fit(key=0), TypeError, "is not a JAX random key"),
    (
        "fit bad tx",
        lambda: train.fit(_mlp(), "adam", (X, Y), epochs=1, batch_size=8, key=KEY),
        TypeError,
        "optax.GradientTransformation",
    ),
    (
        "fit_seeds empty keys",
        lambda: _fit_seeds(keys=[]),
        ValueError,
        "at least one key",
    ),
    (
        "fit_seeds single key",
        lambda: _fit_seeds(keys=KEY),
        TypeError,
        "keys is a single key",
    ),
    ("fit_seeds int keys", lambda: _fit_seeds(keys=[0, 1]), TypeError, "keys[0]=0"),
    (
        "fit_seeds tx count",
        lambda: (
            _fit_seeds(tx=None)
            if False
            else train.fit_seeds(
                lambda k: _mlp(),
                [optax.sgd(0.1)] * 3,
                (X, Y),
                keys=jax.random.split(KEY, 2),
                epochs=1,
                batch_size=8,
                progress=False,
            )
        ),
        ValueError,
        "3 optimizers for 2 keys",
    ),
    (
        "fit model rejects inputs",
        lambda: _fit((np.zeros((32, 5), np.float32), Y)),
        ValueError,
        "cannot be applied to train inputs",
    ),
    # data_dependent_init
    (
        "ddi NaN batch",
        lambda: _ddi(jnp.asarray(_nan(X))),
        ValueError,
        "NaN or infinite",
    ),
    (
        "ddi one example",
        lambda: _ddi(jnp.asarray(X[:1])),
        ValueError,
        "1 example(s)",
    ),  # silent
    (
        "ddi constant batch",
        lambda: _ddi(jnp.ones((8, 4))),
        ValueError,
        "identical",
    ),  # silent
    ("ddi 1-d batch", lambda: _ddi(jnp.ones(4)), ValueError, "need (examples"),
    (
        "ddi not a module",
        lambda: init.data_dependent_init(lambda x: x, X),
        TypeError,
        "must be an nnx.Module",
    ),
    (
        "ddi dead layer",
        lambda: init.data_dependent_init(
            WeightNorm(
                nnx.Linear(4, 3, kernel_init=nnx.initializers.zeros, rngs=nnx.Rngs(0))
            ),
            jnp.asarray(X),
        ),
        ValueError,
        "zero standard deviation",
    ),  # was silent
    (
        "ddi feature_axes",
        lambda: init.data_dependent_init(
            WeightNorm(nnx.Linear(4, 3, rngs=nnx.Rngs(0)), feature_axes=0),
            jnp.asarray(X),
        ),
        ValueError,
        "feature_axes=-1",
    ),
    (
        "moments one example",
        lambda: init.preactivation_moments(_mlp(), jnp.asarray(X[:1])),
        ValueError,
        "1 example(s)",
    ),
    # WeightNorm
    (
        "wn negative epsilon",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), epsilon=-1e-3),
        ValueError,
        "epsilon=-0.001 must be finite and >= 0",
    ),  # was silent
    (
        "wn nan epsilon",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), epsilon=float("nan")),
        ValueError,
        "epsilon=nan",
    ),
    (
        "wn epsilon str",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), epsilon="0"),
        TypeError,
        "epsilon='0'",
    ),
    (
        "wn feature_axes out of range",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), feature_axes=2),
        ValueError,
        "out of range",
    ),
    (
        "wn feature_axes repeated",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), feature_axes=(1, -1)),
        ValueError,
        "repeats",
    ),
    (
        "wn no kernel",
        lambda: WeightNorm(nnx.BatchNorm(2, rngs=nnx.Rngs(0))),
        TypeError,
        "kernel",
    ),
    (
        "wn g_init",
        lambda: WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), g_init="zeros"),
        ValueError,
        "g_init='zeros'",
    ),
    # dropout, mean-only BN, SELU
    (
        "alpha dropout rate 1",
        lambda: AlphaDropout(1.0),
        ValueError,
        "rate=1.0 must be in [0, 1)",
    ),
    ("alpha dropout rate -0.1", lambda: AlphaDropout(-0.1), ValueError, "rate=-0.1"),
    (
        "alpha dropout bad rngs",
        lambda: AlphaDropout(0.1, rngs=0),
        TypeError,
        "rngs must be",
    ),
    (
        "alpha dropout no rngs",
        lambda: AlphaDropout(0.1)(jnp.ones((2, 2))),
        ValueError,
        "has no rngs",
    ),
    (
        "selu dropout var clash",
        lambda: selu_for(0.0, 2.0).alpha_dropout(0.1, var=1.0),
        TypeError,
        "var= is fixed",
    ),
    (
        "mobn num_features 0",
        lambda: MeanOnlyBatchNorm(0, rngs=nnx.Rngs(0)),
        ValueError,
        "num_features=0",
    ),
    (
        "mobn num_features float",
        lambda: MeanOnlyBatchNorm(2.0, rngs=nnx.Rngs(0)),
        TypeError,
        "num_features=2.0",
    ),
    (
        "mobn momentum",
        lambda: MeanOnlyBatchNorm(2, momentum=1.5, rngs=nnx.Rngs(0)),
        ValueError,
        "momentum=1.5",
    ),
    (
        "mobn wrong features",
        lambda: MeanOnlyBatchNorm(2, rngs=nnx.Rngs(0))(jnp.ones((3, 4))),
        ValueError,
        "num_features=2",
    ),
    # diagnostics
    (
        "input_gradients output 20",
        lambda: diagnostics.input_gradients(
            MLP(1, 10, depth=1, width=4, rngs=nnx.Rngs(0)), jnp.zeros((3, 1)), output=20
        ),
        ValueError,
        "output=20 but the model has 10 outputs",
    ),  # was silent: used output 9
    (
        "input_gradients output -1",
        lambda: diagnostics.input_gradients(_mlp(), jnp.zeros((3, 4)), output=-1),
        ValueError,
        "output=-1 must be >= 0",
    ),
    (
        "input_gradients output float",
        lambda: diagnostics.input_gradients(_mlp(), jnp.zeros((3, 4)), output=1.0),
        TypeError,
        "output=1.0",
    ),
    (
        "input_gradients int inputs",
        lambda: diagnostics.input_gradients(_mlp(), jnp.zeros((3, 4), jnp.int32)),
        TypeError,
        "floating-point",
    ),
    (
        "input_gradients 1-d x",
        lambda: diagnostics.input_gradients(_mlp(), jnp.zeros(4)),
        ValueError,
        "need a batch",
    ),
    (
        "gradient_correlation one key",
        lambda: diagnostics.gradient_correlation(
            lambda k: _mlp(), jax.random.split(KEY, 1), jnp.zeros((8, 4))
        ),
        ValueError,
        "at least 2 keys",
    ),
    (
        "gradient_correlation lag",
        lambda: diagnostics.gradient_correlation(
            lambda k: _mlp(), jax.random.split(KEY, 2), jnp.zeros((8, 4)), lag=8
        ),
        ValueError,
        "lag=8 must be in [1, 7]",
    ),
    (
        "gradient_correlation chunk",
        lambda: diagnostics.gradient_correlation(
            lambda k: _mlp(), jax.random.split(KEY, 2), jnp.zeros((8, 4)), chunk=0
        ),
        ValueError,
        "chunk=0",
    ),
    # data
    ("load unknown name", lambda: data.load("svhn"), ValueError, "name='svhn'"),
    ("download unknown name", lambda: data.download("svhn"), ValueError, "name='svhn'"),
    (
        "download retries -1",
        lambda: data.download(
            "mnist", "/tmp/nonexistent-nl", retries=-1, mirrors=["http://127.0.0.1:9/"]
        ),
        ValueError,
        "retries=-1",
    ),
    (
        "download timeout 0",
        lambda: data.download(
            "mnist", "/tmp/nonexistent-nl", timeout=0, mirrors=["http://127.0.0.1:9/"]
        ),
        ValueError,
        "timeout=0",
    ),
    (
        "train_val_split num_val",
        lambda: data.train_val_split(X, Y, 32),
        ValueError,
        "num_val=32",
    ),
    ("ensure unknown name", lambda: data.ensure("svhn"), ValueError, "name='svhn'"),
    # experiments
    (
        "datasets unknown experiment",
        lambda: _experiments().datasets("nope", "small"),
        ValueError,
        "unknown experiment name='nope'",
    ),
    (
        "datasets unknown profile",
        lambda: _experiments().datasets("mlp_mnist", "huge"),
        ValueError,
        "profile='huge'",
    ),
    (
        "dropout_regularization rate 1",
        lambda: _experiments().get("dropout_regularization").variants({"rates": [1.0]}),
        ValueError,
        "rates: 1.0 is outside (0, 1)",
    ),
    (
        "dropout_regularization rate 0",
        lambda: _experiments().get("dropout_regularization").variants({"rates": [0.0]}),
        ValueError,
        "rates: 0.0 is outside (0, 1)",
    ),
    (
        "alpha_dropout unknown dropout",
        lambda: _experiments().get("alpha_dropout")._variant("selu_gauss"),
        ValueError,
        "dropout 'gauss' not in",
    ),
]


def _experiments():
    from normlab import experiments

    return experiments


PREPARE = [
    (
        "prepare num_train 0",
        dict(num_train=0),
        ValueError,
        "num_train=0 must be >= 1",
    ),  # silent
    (
        "prepare num_train -5",
        dict(num_train=-5),
        ValueError,
        "num_train=-5",
    ),  # was silent
    ("prepare num_train float", dict(num_train=10.5), TypeError, "num_train=10.5"),
    (
        "prepare num_train too many",
        dict(num_train=70000),
        ValueError,
        "exceeds the 60000",
    ),
    ("prepare num_test 0", dict(num_test=0), ValueError, "num_test=0"),
    ("prepare num_val -1", dict(num_val=-1), ValueError, "num_val=-1"),
    (
        "prepare num_val >= kept",
        dict(num_train=100, num_val=100),
        ValueError,
        "num_val=100 must be <",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "phrase"), [r[1:] for r in LIB], ids=[r[0] for r in LIB]
)
def test_library_rejects(call, error, phrase, monkeypatch):
    monkeypatch.setenv("NORMLAB_DOWNLOAD", "0")
    with pytest.raises(error) as err:
        call()
    assert phrase in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "phrase"), [r[1:] for r in PREPARE], ids=[r[0] for r in PREPARE]
)
def test_prepare_rejects(kwargs, error, phrase, data_dir):
    with pytest.raises(error) as err:
        data.prepare("mnist", data_dir=data_dir, **kwargs)
    assert phrase in str(err.value)


def _files(tmp_path):
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "garbage.json").write_bytes(b"\x89PNG\x00\xff")
    (tmp_path / "list.json").write_text(json.dumps([1, 2, 3]))
    (tmp_path / "other.json").write_text(json.dumps({"hello": "world"}))


RUN = ["run", "mlp_mnist", "--quiet"]
CLI = [
    (
        "--set epochs=abc",
        [*RUN, "--set", "epochs=abc"],
        1,
        "epochs must be an integer",
    ),  # silent
    (
        "--set epochs=1.5",
        [*RUN, "--set", "epochs=1.5"],
        1,
        "epochs must be an integer",
    ),  # silent
    (
        "--set epochs=true",
        [*RUN, "--set", "epochs=true"],
        1,
        "epochs must be an integer",
    ),
    ("--set lr=fast", [*RUN, "--set", "lr=fast"], 1, "lr must be a number"),
    (
        "--set optimizer=3",
        [*RUN, "--set", "optimizer=3"],
        1,
        "optimizer must be a string",
    ),
    ("--set seeds=0", [*RUN, "--set", "seeds=0"], 1, "seeds must be a JSON list"),
    ("--set no equals", [*RUN, "--set", "epochs"], 1, "expects KEY=VALUE"),
    ("--set twice", [*RUN, "--set", "epochs=1", "epochs=2"], 1, "given twice"),
    ("--set unknown", [*RUN, "--set", "widht=8"], 1, "unknown config fields"),
    ("--seeds repeated", [*RUN, "--seeds", "0", "0"], 1, "each seed at most once"),
    ("run unknown", ["run", "nope"], 1, "unknown experiment name='nope'"),
    (
        "reproduce --jobs 0",
        ["reproduce", "--jobs", "0"],
        2,
        "--jobs 0: must be >= 1",
    ),  # silent
    ("reproduce --jobs -2", ["reproduce", "--jobs", "-2"], 2, "must be >= 1"),
    (
        "reproduce --budget 0",
        ["reproduce", "--budget", "0"],
        2,
        "--budget 0: must be > 0",
    ),
    (
        "show missing",
        ["show", "{tmp}/missing.json"],
        1,
        "no such file",
    ),  # was a traceback
    (
        "show empty",
        ["show", "{tmp}/empty.json"],
        1,
        "not a readable JSON",
    ),  # was a traceback
    (
        "show garbage",
        ["show", "{tmp}/garbage.json"],
        1,
        "not a readable JSON",
    ),  # traceback
    ("show list", ["show", "{tmp}/list.json"], 1, "not a normlab result"),  # traceback
    (
        "show other",
        ["show", "{tmp}/other.json"],
        1,
        "not a normlab result",
    ),  # traceback
    ("--data-dir missing", [*RUN, "--data-dir", "{tmp}/absent"], 2, "is not a folder"),
    (
        "run without data",
        ["run", "elu_mnist", "--data-dir", "{tmp}", "--no-cache"],
        1,
        "could not load 'mnist'",
    ),
]


@pytest.mark.parametrize(
    ("argv", "rc", "phrase"), [r[1:] for r in CLI], ids=[r[0] for r in CLI]
)
def test_cli_rejects(argv, rc, phrase, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NORMLAB_DOWNLOAD", "0")
    monkeypatch.chdir(tmp_path)
    _files(tmp_path)
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == rc
    assert phrase in capsys.readouterr().err


def test_the_table_has_at_least_60_cases():
    assert len(LIB) + len(PREPARE) + len(CLI) >= 60
