"""VQ-VAE beyond images: sequences and video, the causal prior over any code grid, μ-law and Moving MNIST."""

import itertools
import math

import keras
import numpy as np
import pytest

from keras_vi import layers, likelihoods, zoo
from keras_vi.datasets import MovingMNIST, mu_law_decode, mu_law_encode
from tests.conftest import to_numpy

RNG = np.random.default_rng(0)


def _logits(prior, grid, condition=None):
    inputs = grid if condition is None else {"x": grid, "condition": condition}
    return to_numpy(prior(inputs)).reshape(len(grid), -1, prior.num_classes)


@pytest.mark.parametrize("grid_shape", [(7,), (2, 2, 3)], ids=["sequence", "video"])
def test_causal_prior_position_i_sees_only_the_positions_before_it(grid_shape):
    prior = zoo.CausalPrior(num_classes=3, num_layers=4, filters=16, kernel_size=2, seed=0)
    grid = RNG.integers(0, 3, size=(1, *grid_shape)).astype("int32")
    base = _logits(prior, grid)
    length = math.prod(grid_shape)
    assert prior.receptive_field >= length  # every earlier position is in reach here
    for j in range(length):  # raster order: change the j-th value of the flattened grid
        changed = grid.reshape(1, -1).copy()
        changed[0, j] = (changed[0, j] + 1) % 3
        logits = _logits(prior, changed.reshape(grid.shape))
        np.testing.assert_allclose(logits[:, : j + 1], base[:, : j + 1], atol=1e-6)  # itself and before: blind
        if j + 1 < length:
            assert not np.allclose(logits[:, j + 1], base[:, j + 1])  # the next one sees it


@pytest.mark.parametrize("grid_shape,condition", [((3,), None), ((2, 1, 2), 1)], ids=["sequence", "video_conditional"])
def test_causal_prior_is_a_normalized_distribution(grid_shape, condition):
    # sum over every grid of exp(log p) is 1 only if each factor is a normalized p(c_i | c_<i)
    prior = zoo.CausalPrior(num_classes=2, num_layers=2, filters=4, seed=0,
                            num_conditions=None if condition is None else 2)
    grids = np.array(list(itertools.product(range(2), repeat=math.prod(grid_shape))), "int32")
    grids = grids.reshape(-1, *grid_shape)
    inputs = grids if condition is None else {"x": grids, "condition": np.full(len(grids), condition, "int32")}
    log_p = to_numpy(prior.log_prob(inputs))
    np.testing.assert_allclose(np.exp(log_p).sum(), 1.0, rtol=1e-5)
    # and log_prob is the sum of the categorical log-probabilities of the logits (SciPy-free closed form)
    logits = _logits(prior, grids, None if condition is None else inputs["condition"])
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = np.take_along_axis(log_softmax, grids.reshape(len(grids), -1, 1), -1).sum((1, 2))
    np.testing.assert_allclose(log_p, expected, rtol=1e-5, atol=1e-5)


def test_causal_prior_condition_and_sampling():
    prior = zoo.CausalPrior(num_classes=4, num_layers=2, filters=4, num_conditions=3, seed=0)
    grid = RNG.integers(0, 4, size=(2, 5)).astype("int32")
    a = _logits(prior, grid, np.array([0, 0]))
    b = _logits(prior, grid, np.array([2, 2]))
    assert not np.allclose(a, b)  # the label is seen
    prior.compile(optimizer="adam")
    prior.fit({"x": grid, "condition": np.array([0, 1])}, epochs=1, verbose=0)
    draws = to_numpy(prior.sample(3, seed=1, condition=np.array([0, 1, 2])))
    assert draws.shape == (3, 5) and draws.dtype == np.int32 and draws.min() >= 0 and draws.max() < 4
    np.testing.assert_array_equal(draws, to_numpy(prior.sample(3, seed=1, condition=np.array([0, 1, 2]))))
    with pytest.raises(ValueError, match="`condition` is required exactly"):
        prior.sample(2, seed=0)
    with pytest.raises(ValueError, match=r"`condition` values must lie in \[0, 3\)"):
        prior.sample(1, seed=0, condition=np.array([3]))
    with pytest.raises(ValueError, match="must be a dict"):
        prior.validate_batch(grid, "x")
    block = layers.GatedCausalBlock(4, num_conditions=3, dilation_rate=2)
    assert layers.GatedCausalBlock.from_config(block.get_config()).get_config() == block.get_config()


def _audio(n=12, length=48):
    t = np.arange(length) / 8.0
    waves = 0.8 * np.sin(t[None, :] * RNG.uniform(1, 3, size=(n, 1)))
    return mu_law_encode(waves, 16)[..., None], RNG.integers(0, 2, size=n)


def test_vq_vae_on_sequences_fits_samples_and_reloads(tmp_path):
    x, labels = _audio()
    model = zoo.VQVAE(num_embeddings=8, embedding_dim=4, likelihood=likelihoods.Categorical(16), spatial_dims=1,
                      filters=[8, 8], prior_layers=3, prior_filters=8, prior_num_conditions=2, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(x, epochs=8, batch_size=6, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert model.grid_shape == (12,) and type(model.prior) is zoo.CausalPrior
    assert model.encode_indices(x).shape == (12, 12) and to_numpy(model.reconstruct(x)).shape == x.shape
    model.fit_prior(x, condition=labels, epochs=1, verbose=0)
    condition = np.array([0, 1, 1])
    samples = to_numpy(model.sample(3, seed=0, condition=condition))
    assert samples.shape == (3, 48, 1) and np.isfinite(samples).all()
    path = str(tmp_path / "speech.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(to_numpy(loaded.sample(3, seed=0, condition=condition)), samples)
    np.testing.assert_allclose(loaded.prior_bits_per_dim(x, labels), model.prior_bits_per_dim(x, labels), rtol=1e-6)
    with pytest.raises(ValueError, match="`condition`"):
        model.sample(2, seed=0)


def test_vq_vae_on_video_fits_samples_and_reloads(tmp_path):
    digits = np.zeros((4, 28, 28), "float32")
    digits[:, 8:20, 12:16] = 1.0
    video = MovingMNIST(digits, num_frames=4, size=32, num_digits=1, seed=0).videos(range(6))
    model = zoo.VQVAE(num_embeddings=8, embedding_dim=4, filters=[4, 8], prior_layers=2, prior_filters=4, seed=0)
    model.compile()
    model.fit(video, epochs=2, batch_size=3, verbose=0)
    assert model.grid_shape == (1, 8, 8) and type(model.prior) is zoo.CausalPrior
    model.fit_prior(video, epochs=1, verbose=0)
    samples = to_numpy(model.sample(2, seed=3))
    assert samples.shape == (2, 4, 32, 32, 1) and (samples >= 0).all() and (samples <= 1).all()
    path = str(tmp_path / "video.keras")
    model.save(path)
    np.testing.assert_array_equal(to_numpy(keras.saving.load_model(path).sample(2, seed=3)), samples)


def test_the_prior_defaults_and_errors_name_the_argument():
    images = (RNG.uniform(size=(4, 8, 8)) > 0.5).astype("float32")
    model = zoo.VQVAE(num_embeddings=4, embedding_dim=2, filters=[4], prior_layers=1, prior_filters=4)
    model(images)
    assert type(model.prior) is zoo.PixelCNN  # images keep the two-stack PixelCNN
    causal = zoo.VQVAE(num_embeddings=4, embedding_dim=2, filters=[4], prior="causal", prior_layers=1, prior_filters=4)
    causal(images)
    assert type(causal.prior) is zoo.CausalPrior
    with pytest.raises(ValueError, match="`spatial_dims` must be None, 1, 2 or 3"):
        zoo.VQVAE(spatial_dims=4)
    with pytest.raises(ValueError, match="`prior` must be one of"):
        zoo.VQVAE(prior="wavenet")
    with pytest.raises(ValueError, match="takes images only"):
        zoo.VQVAE(prior="pixelcnn", spatial_dims=1)
    with pytest.raises(ValueError, match="pass `spatial_dims=1`"):
        zoo.VQVAE()(np.zeros((2, 16, 1), "float32"))
    with pytest.raises(ValueError, match=r"With `spatial_dims=1` the per-example shape must be \(T, C\)"):
        zoo.VQVAE(spatial_dims=1)(np.zeros((2, 16), "float32"))
    with pytest.raises(ValueError, match="`prior_num_conditions`"):
        zoo.VQVAE(prior_num_conditions=0)
    with pytest.raises(ValueError, match="`condition`"):
        model.fit_prior(images, condition=np.zeros(4, "int32"))


def test_mu_law_against_its_closed_form():
    x = np.array([-1.0, -0.5, 0.0, 0.01, 0.5, 1.0])
    mu = 255.0
    companded = np.sign(x) * np.log(1 + mu * np.abs(x)) / np.log(1 + mu)
    np.testing.assert_array_equal(mu_law_encode(x), np.minimum(np.floor((companded + 1) * 128), 255))
    wave = np.linspace(-1, 1, 2001)
    codes = mu_law_encode(wave)
    decoded = mu_law_decode(codes)
    np.testing.assert_array_equal(mu_law_encode(decoded), codes)  # decoding lands in the same bin
    # bin k spans decode(k - 1/2) .. decode(k + 1/2): the error is within its width
    width = mu_law_decode(np.arange(256) + 0.5) - mu_law_decode(np.arange(256) - 0.5)
    assert np.all(np.abs(decoded - wave) <= width[codes] + 1e-6)
    assert np.abs(decoded[1000]) < 1e-4  # silence stays silent
    with pytest.raises(ValueError, match=r"`audio` must be floats in \[-1, 1\]"):
        mu_law_encode(np.array([1.5]))


def test_moving_mnist_follows_its_definition():
    digit = np.zeros((1, 28, 28), "float32")
    digit[0, 10:18, 10:18] = 1.0
    data = MovingMNIST(digit, num_frames=30, size=40, num_digits=1, speed=5.0, seed=3)
    frames, chosen = data.video(7)
    np.testing.assert_array_equal(frames, data.video(7)[0])  # a function of (seed, index)
    assert frames.shape == (30, 40, 40, 1) and chosen.shape == (1,)
    np.testing.assert_allclose(frames.sum((1, 2, 3)), 64.0)  # the whole digit is in every frame
    corners = np.array([np.argwhere(f[..., 0])[0] - 10 for f in frames])
    assert corners.min() >= 0 and corners.max() <= 12 and (corners.min() == 0 or corners.max() == 12)  # it bounces
    # bouncing between walls 0 and L is the straight line folded: L - |((p + v t) mod 2L) - L|
    limit, rng = 12, np.random.default_rng(1)
    for _ in range(20):
        start, direction = rng.uniform(0, limit, size=2), rng.uniform(0, 2 * math.pi)
        line = start + 5.0 * np.arange(30)[:, None] * np.array([math.sin(direction), math.cos(direction)])
        folded = limit - np.abs(np.mod(line, 2 * limit) - limit)
        np.testing.assert_array_equal(data.trajectory(start, direction), np.rint(folded).astype(int))
    # a bounce reflects the position and turns the velocity: 2 - 5 = -3 -> 3, then 8, then 13 -> 2 * 12 - 13
    leftwards = MovingMNIST(digit, num_frames=4, size=40, speed=5.0).trajectory((0, 2), math.pi)
    np.testing.assert_array_equal(leftwards, [[0, 2], [0, 3], [0, 8], [0, 11]])
    with pytest.raises(ValueError, match="`digits` must be"):
        MovingMNIST(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="`size` must be at least 28"):
        MovingMNIST(digit, size=20)
    with pytest.raises(ValueError, match="`index`"):
        data.video(-1)
