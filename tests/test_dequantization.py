"""Dequantizers: values stay in their cells, log q(u|x) is the flow's change of variables."""

import keras
import numpy as np
import pytest

from conftest import to_numpy
from keras_vi import layers, zoo
from keras_vi.testing import log_abs_det_jacobian, randomize_weights

# every value, including both edges, in a 4x4 grid, 16 images
PIXELS = np.arange(256).reshape(16, 4, 4).astype("uint8")


@pytest.mark.parametrize("dequantizer", [
    layers.UniformDequantization(seed=0),
    layers.VariationalDequantization(filters=4, num_couplings=2, seed=0),
], ids=["uniform", "variational"])
def test_dequantized_values_stay_in_their_cells(dequantizer):
    dequantizer(PIXELS)
    if dequantizer.trainable_variables:
        randomize_weights(dequantizer, scale=1.0)  # far from uniform: saturating sigmoids too
    for _ in range(3):
        v, log_q = dequantizer(PIXELS)
        v = to_numpy(v)
        assert v.shape == PIXELS.shape and to_numpy(log_q).shape == (16,)
        assert np.all(v >= PIXELS / 256.0) and np.all(v < (PIXELS + 1.0) / 256.0)
        assert np.all(np.floor(v * 256) == PIXELS)


def test_a_draw_at_the_top_of_a_cell_stays_inside():
    v = to_numpy(layers.UniformDequantization()._to_cells(PIXELS, np.ones(PIXELS.shape, "float32")))
    assert np.all(v < (PIXELS + 1.0) / 256.0) and np.all(np.floor(v * 256) == PIXELS)


def test_uniform_dequantization_has_log_q_zero_and_is_seeded():
    a, log_q = layers.UniformDequantization(seed=3)(PIXELS)
    b, _ = layers.UniformDequantization(seed=3)(PIXELS)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    np.testing.assert_array_equal(to_numpy(log_q), 0.0)
    # the offsets u = 256 v - x are spread over the cell: mean 1/2, variance 1/12
    u = to_numpy(a) * 256 - PIXELS
    assert abs(u.mean() - 0.5) < 0.05 and abs(u.var() - 1 / 12) < 0.02


def test_variational_dequantization_starts_uniform():
    # identity couplings: u = u0 and log q = 0 (the Flow++ starting point)
    layer = layers.VariationalDequantization(filters=4, num_couplings=2, seed=0)
    u0 = np.random.default_rng(0).uniform(0.01, 0.99, size=PIXELS.shape).astype("float32")
    u, log_q = layer.transform(PIXELS, u0)
    np.testing.assert_allclose(to_numpy(u), u0, atol=1e-5)
    np.testing.assert_allclose(to_numpy(log_q), 0.0, atol=1e-3)


def test_variational_log_q_is_minus_the_log_det_of_the_autodiff_jacobian():
    layer = layers.VariationalDequantization(filters=4, num_couplings=3, seed=0)
    x = PIXELS[:2]
    layer(x)
    randomize_weights(layer, scale=0.5)
    u0 = np.random.default_rng(1).uniform(0.05, 0.95, size=x.shape).astype("float32")
    _, log_q = layer.transform(x, u0)
    for i in range(len(x)):
        def flow(flat, i=i):
            return keras.ops.reshape(layer.transform(x[i : i + 1], keras.ops.reshape(flat, (1, 4, 4)))[0], (-1,))

        expected = -log_abs_det_jacobian(flow, u0[i].reshape(-1))
        np.testing.assert_allclose(to_numpy(log_q)[i], expected, rtol=1e-4, atol=1e-3)
    assert np.abs(to_numpy(log_q)).max() > 0.1  # the randomized flow is not uniform


@pytest.mark.parametrize("bad,match", [
    (PIXELS / 255.0, "whole numbers"), (PIXELS.astype("int32") + 1, r"\[0, 255\]"),
    (np.full((2, 4, 4), np.nan), "NaN"),
])
def test_dequantizers_reject_what_is_not_8_bit(bad, match):
    with pytest.raises(ValueError, match=match):
        layers.UniformDequantization().check_data(bad, "x")


def test_dequantizer_registry_resolves_names_configs_and_layers():
    layer = layers.get_dequantizer("variational", seed=5)
    assert isinstance(layer, layers.VariationalDequantization) and layer.seed == 5
    config = keras.saving.serialize_keras_object(layer)
    assert layers.get_dequantizer(config).get_config() == layer.get_config()
    assert layers.get_dequantizer(layer) is layer
    with pytest.raises(ValueError, match="`dequantization` must be one of"):
        layers.get_dequantizer("gaussian")


def test_vae_dequantization_bound_terms():
    # log p(x|z) of the dequantized VAE is log N(v; mean, var) - log q(u|x) - D log 256
    x = PIXELS[:4]
    model = zoo.VAE(latent_dim=2, likelihood="gaussian", dequantization="variational", seed=0,
                    hidden_units=[8])
    outputs = model(x)
    params = model.decoder_params(outputs["z"])
    mean, log_var = to_numpy(params["x_mean"]), to_numpy(params["x_log_var"])
    # the same draw of u as the bound's: the dequantizer's seed state, copied, replayed
    dequantizer = model.likelihood.dequantizer
    state = to_numpy(dequantizer.seed_generator.state).copy()
    got = to_numpy(model.log_px_z(outputs["z"], x))
    dequantizer.seed_generator.state.assign(state)
    v, log_q_u = (to_numpy(t) for t in dequantizer(x))
    assert np.all((v >= x / 256.0) & (v < (x + 1) / 256.0))  # in its cell
    log_p = -0.5 * (np.log(2 * np.pi) + log_var + (v[None] - mean) ** 2 / np.exp(log_var))
    expected = log_p.sum(axis=(2, 3)) - log_q_u - 16 * np.log(256.0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_vae_dequantization_needs_a_density():
    with pytest.raises(ValueError, match="`base` must be a continuous likelihood"):
        zoo.VAE(latent_dim=2, likelihood="bernoulli", dequantization="uniform")
    with pytest.raises(ValueError, match="`base` must be a continuous likelihood"):
        zoo.VAE(latent_dim=2, likelihood="discretized_logistic", dequantization="uniform")
