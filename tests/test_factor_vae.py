"""FactorVAE: the alternating steps touch only their own variables; the discriminator's
estimate of total correlation matches a closed form."""

import keras
import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.callbacks import KLAnnealing
from keras_vi.datasets import DSprites
from keras_vi.zoo.factor_vae import permute_dimensions
from tests.conftest import to_numpy


def _snapshot(variables):
    return [to_numpy(v).copy() for v in variables]


def _moved(before, variables):
    return [not np.allclose(a, b) for a, b in zip(before, _snapshot(variables))]


def test_each_step_moves_only_its_own_variables(digits):
    model = zoo.FactorVAE(latent_dim=3, gamma=10.0, discriminator_units=[16], seed=0)
    model.build(digits.shape)
    vae_step, d_step = model.make_trainers()
    vae_vars, d_vars = model.trainable_variables, model.discriminator.trainable_variables
    assert d_vars and not {id(v) for v in d_vars} & {id(v) for v in vae_vars}

    vae_before, d_before = _snapshot(vae_vars), _snapshot(d_vars)
    logs = vae_step.train_on_batch(digits[:32], return_dict=True)
    assert set(logs) >= {"loss", "total_correlation", "kl", "reconstruction"}
    assert all(_moved(vae_before, vae_vars)[::2]) and not any(_moved(d_before, d_vars))

    vae_before, d_before = _snapshot(vae_vars), _snapshot(d_vars)
    d_step.train_on_batch(digits, return_dict=True)
    assert all(_moved(d_before, d_vars)) and not any(_moved(vae_before, vae_vars))


def test_permuting_dimensions_keeps_each_column_and_breaks_their_pairing():
    z = np.stack([np.arange(64.0), np.arange(64.0)], axis=1).astype("float32")
    shuffled = to_numpy(permute_dimensions(z, keras.random.SeedGenerator(0)))
    for j in range(2):
        np.testing.assert_array_equal(np.sort(shuffled[:, j]), z[:, j])
    assert np.mean(shuffled[:, 0] == shuffled[:, 1]) < 0.2


def test_the_discriminator_estimates_the_total_correlation_of_gaussian_codes():
    # Codes z = x exactly (a fixed encoder with log-variance -12), x ~ N(0, [[1, r], [r, 1]]):
    # TC = KL(q(z) || q(z1) q(z2)) = -log(1 - r^2) / 2. gamma = 0, so only the decoder
    # and the discriminator learn; the discriminator's mean logit on q(z) estimates TC.
    r = 0.9
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=2048).astype("float32")
    inputs = keras.Input((2,))
    mean = keras.layers.Dense(2, use_bias=False, kernel_initializer="identity", trainable=False)(inputs)
    log_var = keras.layers.Dense(2, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(-12.0),
                                 trainable=False)(inputs)
    model = zoo.FactorVAE(latent_dim=2, gamma=0.0, likelihood="gaussian", hidden_units=[8],
                          encoder=keras.Model(inputs, [mean, log_var]), discriminator_units=[32, 32],
                          discriminator_learning_rate=3e-3, seed=0)
    history = model.fit(x, epochs=25, batch_size=256, verbose=0).history
    assert history["discriminator_loss"][-1] < history["discriminator_loss"][0]
    estimate = float(np.mean(to_numpy(model.tc_logits(x))))
    assert estimate == pytest.approx(-0.5 * np.log(1 - r**2), abs=0.2)
    # Independent codes have no total correlation: the same check on permuted x
    # gives a negative mean logit (the discriminator calls them "permuted").
    independent = np.stack([x[:, 0], rng.permutation(x[:, 1])], axis=1)
    assert float(np.mean(to_numpy(model.tc_logits(independent)))) < 0.0


def test_fit_on_dsprites_batches_with_callbacks_and_reload(tmp_path):
    data = DSprites()
    model = zoo.FactorVAE(latent_dim=2, discriminator_units=[8], seed=1)
    history = model.fit(data.batches(4, 2, seed=0), epochs=2, verbose=0,
                        callbacks=[KLAnnealing(warmup_steps=4)],
                        validation_data=data.images(4, seed=9)).history
    assert len(history["loss"]) == 2 and np.all(np.isfinite(history["loss"]))
    assert "val_total_correlation" in history
    assert 0.0 < float(to_numpy(model.kl_weight)) < 1.0  # the schedule ran, still warming up
    path = str(tmp_path / "factor_vae.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    x = data.images(3, seed=2)
    z = to_numpy(model.encode(x)[0])
    np.testing.assert_allclose(to_numpy(reloaded.tc_logits(z)), to_numpy(model.tc_logits(z)), atol=1e-6)


def test_bad_arguments_are_named(digits):
    with pytest.raises(ValueError, match="latent_dim"):
        zoo.FactorVAE(latent_dim=1)
    with pytest.raises(ValueError, match="gamma"):
        zoo.FactorVAE(latent_dim=2, gamma=-1.0)
    with pytest.raises(ValueError, match="discriminator_units"):
        zoo.FactorVAE(latent_dim=2, discriminator_units=[])
    model = zoo.FactorVAE(latent_dim=2, discriminator_units=[4])
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(digits, steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`x` must be a NumPy array or a sized batch sequence"):
        model.fit(iter([digits]), verbose=0)
