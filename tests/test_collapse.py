"""Posterior-collapse tools: KL annealing, free bits, diagnostics."""

import math

import numpy as np
import pytest

from keras_vi import callbacks, metrics, zoo
from tests.conftest import to_numpy


@pytest.mark.parametrize(
    "schedule,kwargs,expected",
    [
        ("linear", {"warmup_steps": 4}, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]),
        ("cyclical", {"cycle_steps": 4, "ratio": 0.5}, [0.0, 0.5, 1.0, 1.0, 0.0, 0.5]),
        ("sigmoid", {"warmup_steps": 4}, [1 / (1 + math.exp(-10 * (t - 2) / 4)) for t in range(6)]),
    ],
)
def test_schedules(schedule, kwargs, expected):
    cb = callbacks.KLAnnealing(schedule, **kwargs)
    np.testing.assert_allclose([cb.weight(t) for t in range(6)], expected, rtol=1e-12)


def test_the_annealed_weight_is_the_one_used_in_the_compiled_loss(digits):
    # warm-up so long that the weight stays ~0: the loss is -reconstruction, not -elbo
    model = zoo.VAE(latent_dim=2, seed=0)
    history = model.fit(digits, epochs=1, batch_size=16, verbose=0,
                        callbacks=[callbacks.KLAnnealing("linear", warmup_steps=10**9)]).history
    assert history["kl"][0] > 1e-3
    np.testing.assert_allclose(history["loss"][0], -history["reconstruction"][0], rtol=1e-5)
    assert history["kl_weight"][0] < 1e-8
    # after one warm-up step, the weight is 1 and the loss is -elbo again
    cb = callbacks.KLAnnealing("linear", warmup_steps=1)
    history = model.fit(digits, epochs=2, batch_size=16, verbose=0, callbacks=[cb]).history
    np.testing.assert_allclose(history["loss"][1], -history["elbo"][1], rtol=1e-5)
    # the schedule reads the step count from the optimizer: 4 steps were taken by the first fit
    assert cb.history == [1.0] * 8
    assert float(to_numpy(model.kl_weight)) == 1.0


def test_cyclical_schedule_reaches_the_model_and_max_weight_is_beta(digits):
    model = zoo.BetaVAE(latent_dim=2, beta=3.0)
    cb = callbacks.KLAnnealing("cyclical", cycle_steps=2, ratio=1.0)
    model.fit(digits, epochs=1, batch_size=16, verbose=0, callbacks=[cb])
    assert cb.history == [0.0, 1.5, 0.0, 1.5]
    assert float(to_numpy(model.kl_weight)) == 1.5


def test_annealing_needs_a_kl_weight():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="kl_weight"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0,
                  callbacks=[callbacks.KLAnnealing()])
    with pytest.raises(ValueError, match="schedule"):
        callbacks.KLAnnealing("exponential")


def test_active_units_matches_numpy():
    rng = np.random.default_rng(0)
    means = rng.normal(size=(300, 5)) * np.array([1.0, 0.2, 0.05, 0.11, 0.0])
    metric = metrics.ActiveUnits(latent_dim=5)
    for chunk in np.array_split(means.astype("float32"), 7):
        metric.update_state(chunk)
    variances = means.var(axis=0)
    np.testing.assert_allclose(to_numpy(metric.variances()), variances, rtol=1e-4, atol=1e-6)
    assert float(to_numpy(metric.result())) == np.sum(variances > 1e-2) == 3
    metric.reset_state()
    assert float(to_numpy(metric.result())) == 0


def test_free_bits_keeps_units_active_and_the_diagnostics_see_it():
    import keras

    from keras_vi import datasets

    x = datasets.load("digits")
    trained = {}
    for free_bits in (0.0, 0.5):
        keras.utils.set_random_seed(0)
        trained[free_bits] = zoo.VAE(latent_dim=4, free_bits=free_bits, seed=0)
        trained[free_bits].compile(optimizer=keras.optimizers.Adam(3e-3))
        trained[free_bits].fit(x, epochs=5, batch_size=64, verbose=0)
    # early in training on digits the plain VAE has collapsed; free bits has not
    assert metrics.active_units(trained[0.5], x) > metrics.active_units(trained[0.0], x)
    assert metrics.mutual_information(trained[0.5], x) > metrics.mutual_information(trained[0.0], x) + 0.1
    model = trained[0.5]
    kl = metrics.kl_per_dimension(model, x)
    mean, log_var = (to_numpy(t) for t in model.encode(x))
    np.testing.assert_allclose(kl, (0.5 * (np.exp(log_var) + mean**2 - 1 - log_var)).mean(0), rtol=1e-4)
    assert metrics.active_units(model, x) == np.sum(mean.var(0) > 1e-2) >= 2
    mi = metrics.mutual_information(model, x)
    assert 0.1 < mi <= math.log(len(x)) + 1e-6

    # A collapsed encoder (mean 0, log_var 0 for every x): no active unit, no information.
    collapsed = zoo.VAE(latent_dim=4, seed=0)
    collapsed.build(x.shape)
    collapsed.set_weights([w * 0 for w in collapsed.get_weights()])
    assert metrics.active_units(collapsed, x) == 0
    np.testing.assert_allclose(metrics.kl_per_dimension(collapsed, x), 0.0, atol=1e-7)
    # only Monte Carlo noise is left: log N(z; 0, I) has sd sqrt(d / 2), so the
    # estimate's standard error is sqrt(d / (2 n)) = 0.037 here
    assert abs(metrics.mutual_information(collapsed, x)) < 4 * math.sqrt(4 / (2 * len(x)))


def test_mutual_information_of_a_known_gaussian_channel():
    """z = x + noise with x ~ N(0, s^2 I): I(x; z) = d/2 log(1 + s^2 / v)."""
    import keras

    d, n, s2, v = 2, 4000, 4.0, 0.25
    x = np.random.default_rng(0).normal(scale=math.sqrt(s2), size=(n, d)).astype("float32")
    inputs = keras.Input((d,))
    mean = keras.layers.Dense(d, kernel_initializer="identity", bias_initializer="zeros")(inputs)
    log_var = keras.layers.Dense(d, kernel_initializer="zeros",
                                 bias_initializer=keras.initializers.Constant(math.log(v)))(inputs)
    model = zoo.VAE(latent_dim=d, likelihood="gaussian", encoder=keras.Model(inputs, [mean, log_var]))
    model.build(x.shape)
    expected = d / 2 * math.log(1 + s2 / v)
    assert abs(metrics.mutual_information(model, x, seed=1) - expected) < 0.1


def test_phase_trainers_update_one_network_only(digits):
    import keras

    from keras_vi.training import SubsetTrainer

    model = zoo.VAE(latent_dim=2, seed=0)
    model.build(digits.shape)
    snapshot = lambda net: [to_numpy(v).copy() for v in net.trainable_variables]  # noqa: E731
    for trained, frozen in ((model.encoder, model.decoder), (model.decoder, model.encoder)):
        trainer = SubsetTrainer(model, [trained])
        trainer.compile(optimizer=keras.optimizers.Adam(1e-2))
        before_trained, before_frozen = snapshot(trained), snapshot(frozen)
        for _ in range(2):
            assert np.isfinite(trainer.train_on_batch(digits, return_dict=True)["loss"])
        assert all(not np.allclose(a, b) for a, b in zip(snapshot(trained)[::2], before_trained[::2]))
        assert all(np.array_equal(a, b) for a, b in zip(snapshot(frozen), before_frozen))


def test_aggressive_fit_runs_then_trains_jointly(digits):
    import keras

    class Seen(keras.callbacks.Callback):
        epochs, batches = [], 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)

        def on_train_batch_end(self, batch, logs=None):
            Seen.batches += 1

    model = zoo.VAE(latent_dim=2, seed=0, aggressive=True, max_inner_steps=20)
    history = model.fit(digits, epochs=4, batch_size=32, verbose=0, callbacks=[Seen()]).history
    # every epoch, aggressive or joint, reaches History and the callbacks
    assert Seen.epochs == [0, 1, 2, 3] and Seen.batches == 4 * int(np.ceil(len(digits) / 32))
    aggressive = np.asarray(history["aggressive"])
    assert len(aggressive) == 4 and aggressive[0] == 1.0
    phase = int(aggressive.sum())
    assert np.all(aggressive[:phase] == 1.0) and np.all(aggressive[phase:] == 0.0)  # the phase comes first
    steps = np.asarray(history["encoder_steps"])
    assert np.all((1 <= steps[:phase]) & (steps[:phase] <= 20)) and np.all(steps[phase:] == 0)
    assert np.all(np.isfinite(history["loss"]))
    # every epoch logs its steps' terms (the decoder's in the phase): the KL figure's points
    rec, kl, elbo = (np.asarray(history[name]) for name in ("reconstruction", "kl", "elbo"))
    assert len(kl) == 4 and np.all(kl >= 0)
    np.testing.assert_allclose(elbo, rec - kl, rtol=1e-5)
    np.testing.assert_allclose(history["loss"], -elbo, rtol=1e-5)
    mi = history["mutual_information"]
    # the phase stops at the first epoch whose I(x; z) does not rise
    assert all(b > a for a, b in zip(mi[: phase - 2], mi[1 : phase - 1]))
    if phase < 4:  # it ended: its last epoch's I(x; z) did not rise
        assert mi[phase - 1] <= mi[phase - 2] and float(to_numpy(model.aggressive_done)) == 1.0
    assert model.get_config()["aggressive"] is True
    # a second fit trains jointly
    assert set(model.fit(digits, epochs=1, verbose=0).history) == {"loss", "reconstruction", "kl", "elbo"}
    with pytest.raises(ValueError, match="NumPy"):
        import tensorflow as tf

        zoo.VAE(latent_dim=2, aggressive=True).fit(tf.data.Dataset.from_tensor_slices(digits).batch(8))


def _frozen_vae(informative, prior="standard_normal"):
    """A VAE that fit does not change (lr 0): q(z|x) = N(0, I) = p(z), or one that reads x."""
    import keras

    x_in = keras.Input((12,))
    init = "glorot_uniform" if informative else "zeros"
    encoder = keras.Model(x_in, [keras.layers.Dense(3, kernel_initializer=init)(x_in),
                                 keras.layers.Dense(3, kernel_initializer="zeros")(x_in)])
    model = zoo.VAE(latent_dim=3, encoder=encoder, prior=prior, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    return model


@pytest.mark.parametrize("prior", ["standard_normal", "vamp_prior"])
def test_a_collapsed_fit_warns_once_and_can_be_silenced(prior):
    import warnings

    x = (np.random.default_rng(0).uniform(size=(64, 12)) > 0.5).astype("float32")
    model = _frozen_vae(informative=False, prior=prior)
    with pytest.warns(metrics.PosteriorCollapseWarning, match="free_bits|KLAnnealing") as record:
        model.fit(x, epochs=2, batch_size=16, verbose=0)
    collapse = [w for w in record if w.category is metrics.PosteriorCollapseWarning]
    assert len(collapse) == 1 and "aggressive=True" in str(collapse[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail
        warnings.simplefilter("ignore", metrics.PosteriorCollapseWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model.fit(x, epochs=1, batch_size=16, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", metrics.PosteriorCollapseWarning)
        _frozen_vae(informative=True).fit(x, epochs=1, batch_size=16, verbose=0)  # z reads x: silent
