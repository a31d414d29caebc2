"""Likelihood parts against NumPy/SciPy references; the 8-bit VAE end to end."""

import keras
import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logsumexp

from keras_vi import estimators, likelihoods, zoo
from tests.conftest import to_numpy

VALUES = np.arange(256, dtype="float32")


def numpy_discretized_logistic(x, loc, log_scale):
    """P(x) of the 8-bit discretized logistic, float64, straight from the CDF."""
    x, loc, s = (np.asarray(a, np.float64) for a in (x, loc, np.exp(log_scale)))
    centered = 2 * x / 255 - 1
    upper = np.where(x == 255, np.inf, centered + 1 / 255)
    lower = np.where(x == 0, -np.inf, centered - 1 / 255)
    return expit((upper - loc) / s) - expit((lower - loc) / s)


@pytest.mark.parametrize("loc,log_scale", [(0.0, -1.0), (0.3, -5.0), (-0.99, -6.0), (1.2, 0.5), (0.5, -9.0)])
def test_discretized_logistic_sums_to_one_and_matches_numpy(loc, log_scale):
    params = {"loc": np.full((256,), loc, "float32"), "log_scale": np.full((256,), log_scale, "float32")}
    dist = likelihoods.DiscretizedLogistic().distribution(params, event_ndims=0)
    log_p = to_numpy(dist.log_prob(VALUES)).astype(np.float64)
    assert np.all(np.isfinite(log_p)) and np.all(log_p <= 1e-6)
    np.testing.assert_allclose(logsumexp(log_p), 0.0, atol=1e-5)
    reference = numpy_discretized_logistic(VALUES, loc, log_scale)
    big = reference > 1e-30
    np.testing.assert_allclose(np.exp(log_p[big]), reference[big], rtol=2e-4, atol=1e-7)
    # the exact mean, against sum_v v P(v)
    mean = float(to_numpy(dist.mean())[0])
    np.testing.assert_allclose(mean, (VALUES * reference).sum() / reference.sum(), rtol=1e-4, atol=1e-3)


def test_discretized_logistic_mixture_sums_to_one_and_samples_follow_it():
    rng = np.random.default_rng(0)
    k = 3
    logits, loc, log_scale = rng.normal(size=k), rng.uniform(-0.8, 0.8, size=k), rng.uniform(-3, -1, size=k)
    tile = lambda a: np.tile(a.astype("float32"), (256, 1))  # noqa: E731
    like = likelihoods.DiscretizedLogistic(num_components=k)
    assert like.param_names == ("logits", "loc", "log_scale")
    assert like.param_shapes((4, 4)) == [(4, 4, 3)] * 3
    dist = like.distribution({"logits": tile(logits), "loc": tile(loc), "log_scale": tile(log_scale)},
                             event_ndims=0)
    p = np.exp(to_numpy(dist.log_prob(VALUES)).astype(np.float64))
    np.testing.assert_allclose(p.sum(), 1.0, atol=1e-5)
    weights = np.exp(logits - logsumexp(logits))
    reference = sum(w * numpy_discretized_logistic(VALUES, m, s) for w, m, s in zip(weights, loc, log_scale))
    np.testing.assert_allclose(p, reference, rtol=2e-4, atol=1e-7)
    draws = to_numpy(dist.sample(seed=keras.random.SeedGenerator(0), num_samples=200)).ravel()
    assert np.all(draws == np.round(draws)) and draws.min() >= 0 and draws.max() <= 255
    # 51,200 draws: the empirical mean within 5 standard errors of the exact one
    mean = (VALUES * reference).sum()
    sd = np.sqrt(((VALUES - mean) ** 2 * reference).sum())
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(draws.size)
    np.testing.assert_allclose(to_numpy(dist.mean())[0], mean, rtol=1e-4)


def test_discretized_logistic_gradients_are_finite_at_extremes():
    from tests.conftest import gradient

    like = likelihoods.DiscretizedLogistic()

    def log_prob(loc):
        dist = like.distribution({"loc": loc, "log_scale": keras.ops.full_like(loc, -8.0)}, event_ndims=0)
        return dist.log_prob(keras.ops.convert_to_tensor(np.array([0.0, 17.0, 255.0, 128.0], "float32")))

    grad = gradient(log_prob, np.array([0.9, -0.9, -1.0, 3.0], "float32"))
    assert np.all(np.isfinite(grad)), grad


def test_gaussian_fixed_and_learned_variance_match_scipy():
    rng = np.random.default_rng(0)
    x, mean, log_var = rng.normal(size=(3, 4, 5)).astype("float32")
    learned = likelihoods.Gaussian().distribution({"x_mean": mean, "x_log_var": log_var}, event_ndims=1)
    np.testing.assert_allclose(to_numpy(learned.log_prob(x)),
                               stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).sum(-1), rtol=1e-5)
    fixed = likelihoods.Gaussian(log_var=np.log(4.0)).distribution({"x_mean": mean}, event_ndims=1)
    np.testing.assert_allclose(to_numpy(fixed.log_prob(x)), stats.norm.logpdf(x, mean, 2.0).sum(-1), rtol=1e-5)
    assert likelihoods.Gaussian(log_var=0.0).param_names == ("x_mean",)


def test_data_checks_name_the_argument():
    with pytest.raises(ValueError, match=r"`x` must hold whole numbers in \[0, 255\]"):
        likelihoods.DiscretizedLogistic().check_data(np.full((2, 3), 0.5), "x")
    with pytest.raises(ValueError, match=r"`x` must hold whole numbers in \[0, 255\]"):
        likelihoods.DiscretizedLogistic().check_data(np.full((2, 3), 256.0), "x")
    with pytest.raises(ValueError, match=r"`x` must lie in \[0, 1\]"):
        likelihoods.Bernoulli().check_data(np.full((2, 3), 2.0), "x")
    likelihoods.DiscretizedLogistic().check_data(np.full((2, 3), 255, np.uint8), "x")


def test_registry_shortcuts_and_serialization():
    assert isinstance(likelihoods.get("discretized_logistic"), likelihoods.DiscretizedLogistic)
    with pytest.raises(ValueError, match="likelihood"):
        likelihoods.get("poisson")
    with pytest.raises(ValueError, match="likelihood"):
        likelihoods.get(3)
    assert likelihoods.serialize(likelihoods.Gaussian()) == "gaussian"
    custom = likelihoods.Gaussian(log_var=-1.0)
    restored = likelihoods.get(likelihoods.serialize(custom))
    assert type(restored) is likelihoods.Gaussian and restored.log_var == -1.0
    with pytest.raises(ValueError, match="num_components"):
        likelihoods.DiscretizedLogistic(num_components=0)
    with pytest.raises(ValueError, match="log_var"):
        likelihoods.Gaussian(log_var=float("nan"))


def test_vae_on_8_bit_images_gives_discrete_log_probabilities(tmp_path):
    from keras_vi import datasets

    x = (datasets.load("digits", scale=False)[:64].astype(np.int32) * 255 // 16).astype(np.uint8)
    model = zoo.VAE(latent_dim=2, likelihood="discretized_logistic", seed=0)
    history = model.fit(x, epochs=2, batch_size=32, verbose=0).history
    assert np.all(np.isfinite(history["loss"]))
    samples = to_numpy(model.sample(4, seed=0))
    assert samples.shape == (4, 8, 8) and samples.min() >= 0 and samples.max() <= 255
    est = estimators.log_likelihood(model, x[:8], num_samples=16, seed=0)
    # discrete probabilities: log P(x) <= 0, and each of the 64 pixels costs < log 256 nats
    # less than a uniform guess would not be possible for an untrained model; a bound suffices
    assert np.all(est.log_likelihood < 0)
    bpd = estimators.bits_per_dim(-est.log_likelihood.mean(), 64)
    assert 0 < bpd < 16
    with pytest.raises(ValueError, match="whole numbers"):
        model.fit(x / 255.0, verbose=0)
    model.save(tmp_path / "dl.keras")
    reloaded = keras.saving.load_model(tmp_path / "dl.keras")
    np.testing.assert_allclose(to_numpy(reloaded.reconstruct(x[:4])), to_numpy(model.reconstruct(x[:4])),
                               rtol=1e-5, atol=1e-4)
