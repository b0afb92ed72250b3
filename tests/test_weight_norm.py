"""WeightNorm: closed forms (kernel norm = g, identity at g = ||v||) and its gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from jax.test_util import check_grads

from normlab.nn import WeightNorm


def _layers():
    return {
        "linear": (nnx.Linear(5, 4, rngs=nnx.Rngs(0)), (7, 5)),
        "conv": (nnx.Conv(3, 6, (3, 3), strides=2, rngs=nnx.Rngs(1)), (2, 9, 9, 3)),
        "conv_valid": (
            nnx.Conv(2, 3, (2, 3), padding="VALID", use_bias=False, rngs=nnx.Rngs(2)),
            (2, 6, 5, 2),
        ),
    }


@pytest.mark.parametrize("name", ["linear", "conv", "conv_valid"])
def test_wrapping_keeps_the_function(name):
    layer, shape = _layers()[name]
    x = jax.random.normal(jax.random.key(3), shape)
    expected = layer(x)
    wn = WeightNorm(layer)
    np.testing.assert_allclose(wn(x), expected, rtol=1e-5, atol=1e-6)
    # v is put back after the call
    np.testing.assert_array_equal(wn.layer.kernel[...], wn.v)
    assert wn.g.shape == (layer.kernel.shape[-1],)


@pytest.mark.parametrize("name", ["linear", "conv"])
def test_effective_kernel_norm_per_unit_is_g(name):
    layer, shape = _layers()[name]
    wn = WeightNorm(layer, g_init="ones")
    g = jax.random.uniform(jax.random.key(4), wn.g.shape, minval=0.5, maxval=3.0)
    wn.g.set_value(g)
    w = wn.kernel
    norms = jnp.sqrt(jnp.sum(w * w, axis=tuple(range(w.ndim - 1))))
    np.testing.assert_allclose(norms, g, rtol=1e-6)
    # the output is the wrapped layer run with that kernel
    x = jax.random.normal(jax.random.key(5), shape)
    plain = nnx.clone(wn.layer)
    plain.kernel.set_value(w)
    np.testing.assert_allclose(wn(x), plain(x), rtol=1e-5, atol=1e-6)


def test_rejects_a_layer_without_kernel():
    with pytest.raises(TypeError, match="kernel"):
        WeightNorm(nnx.BatchNorm(3, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="g_init"):
        WeightNorm(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), g_init="zeros")


def _loss_fn(wn, x, target):
    graphdef, state = nnx.split(wn)

    def loss(g, v):
        m = nnx.merge(graphdef, state, copy=True)
        m.g.set_value(g)
        m.layer.kernel.set_value(v)
        return jnp.sum((m(x) - target) ** 2)

    return loss


def test_check_grads_float64():
    with jax.enable_x64(True):
        layer = nnx.Conv(
            2, 3, (2, 2), param_dtype=jnp.float64, dtype=jnp.float64, rngs=nnx.Rngs(0)
        )
        wn = WeightNorm(layer)
        x = jax.random.normal(jax.random.key(1), (2, 3, 3, 2), jnp.float64)
        target = jax.random.normal(jax.random.key(2), (2, 3, 3, 3), jnp.float64)
        loss = _loss_fn(wn, x, target)
        check_grads(loss, (wn.g[...], wn.v), order=2, modes=["rev"])


def test_gradient_identities():
    """grad_v is orthogonal to v; grad_g = grad_w . v/||v||; grad_v as in the paper."""
    with jax.enable_x64(True):
        wn = WeightNorm(  # the identities are those of epsilon = 0
            nnx.Linear(
                6, 4, param_dtype=jnp.float64, dtype=jnp.float64, rngs=nnx.Rngs(0)
            ),
            epsilon=0.0,
        )
        wn.g.set_value(jnp.array([0.5, 1.0, 2.0, 3.0]))
        x = jax.random.normal(jax.random.key(1), (9, 6), jnp.float64)
        target = jax.random.normal(jax.random.key(2), (9, 4), jnp.float64)
        g, v = wn.g[...], wn.v
        gg, gv = jax.grad(_loss_fn(wn, x, target), argnums=(0, 1))(g, v)
        # the same loss as a function of the plain kernel w
        b = wn.layer.bias[...]
        gw = jax.grad(lambda w: jnp.sum((x @ w + b - target) ** 2))(wn.kernel)
        norm = jnp.linalg.norm(v, axis=0)
        np.testing.assert_allclose(jnp.sum(gv * v, axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(gg, jnp.sum(gw * v, axis=0) / norm, rtol=1e-10)
        np.testing.assert_allclose(
            gv, g / norm * gw - g * gg / norm**2 * v, rtol=1e-9, atol=1e-12
        )


def test_grad_v_orthogonal_in_float32():
    wn = WeightNorm(nnx.Conv(3, 5, (3, 3), rngs=nnx.Rngs(0)))
    x = jax.random.normal(jax.random.key(1), (2, 4, 4, 3))
    target = jax.random.normal(jax.random.key(2), (2, 4, 4, 5))
    gv = jax.grad(_loss_fn(wn, x, target), argnums=1)(wn.g[...], wn.v)
    v = wn.v
    cos = jnp.sum(gv * v, axis=(0, 1, 2)) / (
        jnp.linalg.norm(gv.reshape(-1, 5), axis=0)
        * jnp.linalg.norm(v.reshape(-1, 5), axis=0)
    )
    assert float(jnp.max(jnp.abs(cos))) < 1e-5


def test_norm_of_v_grows_under_sgd():
    """Orthogonal updates: ||v_{t+1}||^2 = ||v_t||^2 + lr^2 ||grad_v||^2 (Pythagoras)."""
    with jax.enable_x64(True):
        wn = WeightNorm(  # the identities are those of epsilon = 0
            nnx.Linear(
                6, 4, param_dtype=jnp.float64, dtype=jnp.float64, rngs=nnx.Rngs(0)
            ),
            epsilon=0.0,
        )
        x = jax.random.normal(jax.random.key(1), (9, 6), jnp.float64)
        target = jax.random.normal(jax.random.key(2), (9, 4), jnp.float64)
        loss = _loss_fn(wn, x, target)
        g, v, lr = wn.g[...], wn.v, 0.05
        for _ in range(5):
            gg, gv = jax.grad(loss, argnums=(0, 1))(g, v)
            new_v = v - lr * gv
            np.testing.assert_allclose(
                jnp.sum(new_v**2, 0),
                jnp.sum(v**2, 0) + lr**2 * jnp.sum(gv**2, 0),
                rtol=1e-12,
            )
            assert bool(jnp.all(jnp.sum(new_v**2, 0) >= jnp.sum(v**2, 0)))
            g, v = g - lr * gg, new_v


def test_under_jit_and_with_an_optimizer():
    model = WeightNorm(nnx.Linear(3, 2, rngs=nnx.Rngs(0)))
    opt = nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)
    x = jnp.ones((4, 3))

    @nnx.jit
    def step(model, opt):
        loss, grads = nnx.value_and_grad(lambda m: jnp.sum(m(x) ** 2))(model)
        opt.update(model, grads)
        return loss

    v0 = model.v
    losses = [float(step(model, opt)) for _ in range(3)]
    assert losses[-1] < losses[0]
    assert not np.allclose(model.v, v0)  # v itself is trained, not overwritten by w
    model.eval()
    np.testing.assert_allclose(nnx.jit(lambda m: m(x))(model), model(x), rtol=1e-6)


@pytest.mark.parametrize("parameterization", ["batch_norm", "weight_norm_mean_only"])
def test_mlp_parameterizations_build_and_train(parameterization):
    from normlab.models import MLP
    from normlab.nn import MeanOnlyBatchNorm

    mlp = MLP(
        4, 2, depth=2, width=8, parameterization=parameterization, rngs=nnx.Rngs(0)
    )
    norm = (
        MeanOnlyBatchNorm if parameterization.endswith("mean_only") else nnx.BatchNorm
    )
    assert len(mlp.norms) == 2 and all(isinstance(n, norm) for n in mlp.norms)
    if parameterization == "weight_norm_mean_only":
        assert all(isinstance(h, WeightNorm) and h.bias is None for h in mlp.hidden)
    x = jax.random.normal(jax.random.key(0), (16, 4))
    assert mlp(x).shape == (16, 2)
    with pytest.raises(ValueError, match="sets the normalization itself"):
        MLP(
            4,
            2,
            depth=1,
            width=3,
            parameterization=parameterization,
            normalization="batch",
            rngs=nnx.Rngs(0),
        )


def test_weight_norm_cifar_smoke(tmp_path, with_data):
    from normlab.experiments import run_experiment

    r = run_experiment(
        "weight_norm_cifar",
        overrides={
            "width": 0.05,
            "num_train": 100,
            "num_test": 50,
            "init_batch": 20,
            "epochs": 1,
            "batch_size": 50,
            # the WN + mean-only path: data-dependent init, weight norm and the mean-only
            # batch norm in one net; a ConvPoolCNNC train step compiles for ~40 s on XLA:CPU,
            # so the batch-norm net is only built and run below, and the others in test_init.py
            "parameterizations": ["weight_norm_mean_only"],
            "zca": True,
        },
        seeds=[0],
        use_cache=False,
        cache_dir=tmp_path,
        progress=False,
    )
    errors = r.summary["test_error"]
    assert sorted(errors) == ["weight_norm_mean_only"]
    assert all(0.0 <= e[0] <= 100.0 for e in errors.values())
    assert all(len(h[0]["train_loss"]) == 1 for h in r.metrics["histories"].values())


def test_convpool_batch_norm_net_normalizes_with_batch_statistics_in_training():
    from normlab.models import ConvPoolCNNC

    net = ConvPoolCNNC(10, width=0.05, parameterization="batch_norm", rngs=nnx.Rngs(0))
    norms = [m for _, m in nnx.iter_graph(net) if isinstance(m, nnx.BatchNorm)]
    assert len(norms) >= 9  # one after every conv
    x = jax.random.normal(jax.random.key(1), (8, 32, 32, 3)) * 3.0 + 1.0
    before = np.asarray(norms[0].mean[...])
    out = nnx.jit(lambda m, x: m(x))(net, x)
    after = np.asarray(norms[0].mean[...])
    assert out.shape == (8, 10) and np.isfinite(out).all()
    assert not np.allclose(
        before, after
    )  # training mode: running mean moved to the batch's


def test_feature_axes_match_flax_weight_norm():
    """With g_init="ones" the effective kernel is Flax's for the same feature_axes."""
    for axes in (-1, (0,), (2, 3), None):
        conv = nnx.Conv(3, 4, (2, 2), rngs=nnx.Rngs(0))
        ours = WeightNorm(nnx.clone(conv), feature_axes=axes, g_init="ones")
        flax = nnx.WeightNorm(nnx.clone(conv), feature_axes=axes, rngs=nnx.Rngs(0))
        x = jax.random.normal(jax.random.key(1), (2, 5, 5, 3))
        np.testing.assert_allclose(ours(x), flax(x), rtol=1e-5, atol=1e-6)
        w = ours.kernel
        keep = () if axes is None else ours.feature_axes
        norms = jnp.sqrt(
            jnp.sum(w * w, axis=tuple(i for i in range(4) if i not in keep))
        )
        np.testing.assert_allclose(norms, 1.0, rtol=1e-6)


def test_zero_column_gives_zero_not_nan():
    dense = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
    dense.kernel.set_value(dense.kernel[...].at[:, 1].set(0.0))
    wn = WeightNorm(dense)
    y = wn(jnp.ones((4, 3)))
    assert bool(jnp.all(jnp.isfinite(y))) and bool(jnp.all(y[:, 1] == dense.bias[1]))
    grads = nnx.grad(lambda m: m(jnp.ones((4, 3))).sum())(wn)
    assert bool(jnp.all(jnp.isfinite(grads["layer"]["kernel"][...])))


def test_weight_norm_cifar_schedule_is_the_authors():
    """lr * min(2 - e/h, 1) and beta1 0.9 -> 0.5 at epoch h = half of training."""
    from normlab.experiments.weight_norm_cifar import get_config, schedule

    config = {**get_config("full"), "epochs": 200}
    lr, b1 = schedule(config, "normal", steps_per_epoch=3)
    for epoch, factor in {
        0: 1.0,
        99: 1.0,
        100: 1.0,
        101: 0.99,
        150: 0.5,
        199: 0.01,
    }.items():
        count = 3 * epoch + 2  # the last step of the epoch
        np.testing.assert_allclose(float(lr(count)), 3e-4 * factor, rtol=1e-5)
        assert float(b1(count)) == pytest.approx(0.9 if epoch < 100 else 0.5)
    lr, b1 = schedule({**config, "epochs": 10}, "weight_norm", steps_per_epoch=1)
    assert [round(float(lr(e)) / 3e-3, 6) for e in range(10)] == [1] * 6 + [
        0.8,
        0.6,
        0.4,
        0.2,
    ]
    assert [float(b1(e)) for e in (4, 5)] == pytest.approx([0.9, 0.5])


def test_weight_norm_cifar_adam_epsilon_inside_the_root():
    """First Adam step: m_hat = g, v_hat = g^2, so the step is lr g / sqrt(g^2 + 1e-8)."""
    from normlab.experiments.weight_norm_cifar import get_config, optimizer

    tx = optimizer(get_config("small"), "weight_norm", steps_per_epoch=1)
    g = jnp.array([1e-4, 1.0])
    updates, _ = tx.update({"w": g}, tx.init({"w": jnp.zeros(2)}))
    expected = -3e-3 * g / jnp.sqrt(g**2 + 1e-8)  # [-3e-3 / sqrt(2), ~ -3e-3]
    np.testing.assert_allclose(updates["w"], expected, rtol=1e-5)
