"""The two-stack Gated PixelCNN, the categorical likelihood and the ARVAE."""

import itertools

import keras
import numpy as np
import pytest
from scipy.special import log_softmax

from keras_vi import callbacks, estimators, layers, likelihoods, zoo
from keras_vi.layers.masked_conv2d import causal_mask
from tests.conftest import to_numpy


def _raster_order_seen(model, grid, num_classes):
    """[q, p]: does the output at position p change when the input at q changes?"""
    height, width = grid.shape
    grids = np.repeat(grid[None], height * width + 1, axis=0)
    for q in range(height * width):
        i, j = divmod(q, width)
        grids[q + 1, i, j] = (grids[q + 1, i, j] + 1) % num_classes
    inputs = grids if not model.conditional else {
        "x": grids, "condition": np.zeros((len(grids), model.condition_dim), "float32")}
    out = to_numpy(model(inputs))
    return (np.abs(out[1:] - out[:1]).max(-1) > 0).reshape(height * width, height * width)


def test_two_stack_pixelcnn_sees_exactly_every_earlier_pixel():
    # the case: default kernel sizes, 3 layers, a 7x7 grid
    model = zoo.PixelCNN(num_classes=4, num_layers=3, filters=16, seed=0)
    grid = np.random.default_rng(0).integers(0, 4, (7, 7)).astype("int32")
    seen = _raster_order_seen(model, grid, 4)
    order = np.arange(49)
    np.testing.assert_array_equal(seen, order[None, :] > order[:, None])  # p sees q iff q < p


def test_small_receptive_field_is_causal_and_local():
    model = zoo.PixelCNN(num_classes=2, num_layers=1, filters=8, first_kernel_size=3,
                         condition_dim=2, seed=0)
    grid = np.random.default_rng(1).integers(0, 2, (6, 6)).astype("int32")
    seen = _raster_order_seen(model, grid, 2)
    reach = 2  # first_kernel_size // 2 + num_layers * (kernel_size // 2)
    for q, p in itertools.product(range(36), range(36)):
        (qi, qj), (pi, pj) = divmod(q, 6), divmod(p, 6)
        earlier = q < p
        near = (pi - reach <= qi < pi and abs(qj - pj) <= reach) or (qi == pi and pj - reach <= qj < pj)
        assert seen[q, p] == (earlier and near), (q, p)


def test_masks_of_the_two_stacks():
    np.testing.assert_array_equal(causal_mask((3, 3), "A", "vertical"), [[1, 1, 1], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(causal_mask((3, 3), "B", "vertical"), [[1, 1, 1], [1, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(causal_mask((1, 5), "A", "horizontal"), [[1, 1, 0, 0, 0]])
    np.testing.assert_array_equal(causal_mask((1, 5), "B", "horizontal"), [[1, 1, 1, 0, 0]])
    np.testing.assert_array_equal(causal_mask((3, 3), "B", "raster"), [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="stack"):
        layers.MaskedConv2D(2, 3, stack="diagonal")
    with pytest.raises(ValueError, match="at most one"):
        layers.GatedPixelCNNBlock(4, num_conditions=2, condition_dim=3)
    with pytest.raises(ValueError, match="inputs"):
        layers.GatedPixelCNNBlock(2, condition_dim=3)([np.zeros((1, 3, 3, 2), "float32")] * 2)


def test_categorical_likelihood_matches_numpy_and_bernoulli():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 4, 5, 6)).astype("float32")
    x = rng.integers(0, 6, size=(3, 4, 5))
    p = likelihoods.Categorical(6).distribution({"logits": logits}, event_ndims=2)
    expected = np.take_along_axis(log_softmax(logits.astype("float64"), -1), x[..., None], -1)[..., 0].sum((1, 2))
    np.testing.assert_allclose(to_numpy(p.log_prob(x.astype("float32"))), expected, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(p.mean()), (np.exp(log_softmax(logits, -1)) * np.arange(6)).sum(-1),
                               rtol=1e-5)
    draws = to_numpy(p.sample(seed=0, num_samples=2))
    assert draws.shape == (2, 3, 4, 5) and set(np.unique(draws)) <= set(range(6))
    # two classes with logits [0, l] are a Bernoulli with logit l
    l = rng.normal(size=(3, 7)).astype("float32")
    bits = rng.integers(0, 2, size=(3, 7)).astype("float32")
    two = likelihoods.Categorical(2).distribution({"logits": np.stack([np.zeros_like(l), l], -1)}, 1)
    one = likelihoods.Bernoulli().distribution({"logits": l}, 1)
    np.testing.assert_allclose(to_numpy(two.log_prob(bits)), to_numpy(one.log_prob(bits)), rtol=1e-5)
    with pytest.raises(ValueError, match="whole numbers in \\[0, 5\\]"):
        likelihoods.Categorical(6).check_data(np.full((2, 3), 2.5), "x")
    with pytest.raises(ValueError, match="num_classes"):
        likelihoods.Categorical(1)


def _trained_tiny_arvae(x, **kwargs):
    model = zoo.ARVAE(latent_dim=2, decoder_layers=1, decoder_filters=8, seed=0, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(x, epochs=3, batch_size=32, verbose=0)
    return model


def _stripes(n, size=3, seed=0):
    """Binary images whose rows are all 0 or all 1 (a structure the decoder can learn)."""
    rows = np.random.default_rng(seed).integers(0, 2, size=(n, size, 1))
    return np.broadcast_to(rows, (n, size, size)).astype("float32")


def test_teacher_forced_likelihood_is_a_normalized_distribution_and_sampling_matches_it():
    model = _trained_tiny_arvae(_stripes(64, size=2))
    all_images = np.array(list(itertools.product([0.0, 1.0], repeat=4)), "float32").reshape(16, 2, 2)
    z = np.random.default_rng(0).normal(size=(2, 1, 2)).astype("float32")
    for one_z in z:
        log_p = to_numpy(model.log_px_z(np.repeat(one_z, 16, axis=0)[None], all_images))[0]
        # a decoder that let pixel i see itself or a later pixel would not sum to one
        np.testing.assert_allclose(np.exp(log_p.astype("float64")).sum(), 1.0, rtol=1e-5)
    # pixel-by-pixel draws follow exp(log p(x|z))
    draws = model.decode(np.repeat(z[0], 3000, axis=0), seed=0).reshape(3000, 4)
    codes = draws @ np.array([8, 4, 2, 1])
    frequencies = np.bincount(codes.astype(int), minlength=16) / 3000
    probabilities = np.exp(to_numpy(model.log_px_z(np.repeat(z[0], 16, axis=0)[None], all_images))[0])
    np.testing.assert_allclose(frequencies, probabilities, atol=0.035)


def test_arvae_bounds_reload_and_sampling(tmp_path):
    x = _stripes(64)
    model = _trained_tiny_arvae(x, free_bits=0.1)
    assert model.receptive_field == 3 + 1
    elbo = model.evaluate(x[:16], verbose=0, return_dict=True)["elbo"]
    estimate = estimators.log_likelihood(model, x[:16], num_samples=50, seed=0)
    assert estimate.log_likelihood.mean() > elbo - 0.2  # L_50 >= the ELBO, up to Monte Carlo noise
    samples = model.sample(4, seed=0)
    assert samples.shape == (4, 3, 3) and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(model.sample(4, seed=0), samples)  # a seed reproduces the draw
    assert model.reconstruct(x[:2]).shape == (2, 3, 3)
    path = str(tmp_path / "ar.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(to_numpy(reloaded.log_weights(x[:4], 3, seed=1)),
                               to_numpy(model.log_weights(x[:4], 3, seed=1)), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(reloaded.sample(4, seed=0), samples)


def test_arvae_on_8bit_pixels_and_with_the_remedies():
    x = np.random.default_rng(0).integers(0, 256, size=(32, 3, 3)).astype("uint8")
    model = zoo.ARVAE(latent_dim=2, num_classes=256, decoder_layers=1, decoder_filters=4, seed=0)
    history = model.fit(x, epochs=1, batch_size=16, verbose=0).history
    assert np.isfinite(history["loss"][0]) and history["loss"][0] > 0
    assert model.sample(2, seed=0).max() <= 255
    with pytest.raises(ValueError, match="whole numbers in \\[0, 1\\]"):
        zoo.ARVAE(latent_dim=2, decoder_filters=4).fit(x, verbose=0)
    aggressive = zoo.ARVAE(latent_dim=2, decoder_layers=1, decoder_filters=4, aggressive=True,
                           max_inner_steps=2, seed=0)
    logs = aggressive.fit(_stripes(32), epochs=2, batch_size=16, verbose=0,
                          callbacks=[callbacks.KLAnnealing(warmup_steps=4)]).history
    assert logs["aggressive"][0] == 1.0 and len(logs["kl_weight"]) == 2  # the schedule saw every epoch


def test_arvae_bad_arguments():
    with pytest.raises(ValueError, match="decoder"):
        zoo.ARVAE(latent_dim=2, decoder=keras.Sequential())
    with pytest.raises(ValueError, match="likelihood"):
        zoo.ARVAE(latent_dim=2, likelihood="gaussian")
    for layers in (0, -1):  # z and the rows above reach the output only through the gated blocks
        with pytest.raises(ValueError, match="`decoder_layers` must be"):
            zoo.ARVAE(latent_dim=2, decoder_layers=layers)
    with pytest.raises(ValueError, match="one-channel"):
        zoo.ARVAE(latent_dim=2, decoder_filters=4).fit(np.zeros((4, 3, 3, 2), "float32"), verbose=0)
    model = _trained_tiny_arvae(_stripes(32))
    with pytest.raises(ValueError, match="z"):
        model.decode(np.full((2, 2), np.nan, "float32"))
    with pytest.raises(ValueError, match="keras"):
        model.export("nowhere")
    with pytest.raises(ValueError, match=r"`z` must have shape \(batch, 2\)"):
        model.decode(np.zeros((2, 3), "float32"))
