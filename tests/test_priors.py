"""Prior parts against SciPy; Monte Carlo KL against the closed form; priors in models."""

import math

import keras
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from keras_vi import callbacks, distributions, objectives, priors, zoo
from keras_vi.priors import Prior
from tests.conftest import BACKEND, to_numpy


def mixture_logpdf(z, weights, means, variances):
    comps = [np.log(w) + stats.multivariate_normal(m, np.diag(v)).logpdf(z)
             for w, m, v in zip(weights, means, variances)]
    return logsumexp(np.stack(comps), axis=0)


def test_mixture_of_gaussians_log_prob_matches_scipy():
    rng = np.random.default_rng(0)
    prior = priors.MixtureOfGaussians(num_components=3)
    prior.latent_dim = 2
    prior.build((None, 2))
    logits, means, log_vars = rng.normal(size=3), rng.normal(size=(3, 2)) * 2, rng.normal(size=(3, 2)) * 0.5
    for var, value in zip((prior.logits, prior.means, prior.log_vars), (logits, means, log_vars)):
        var.assign(value.astype("float32"))
    z = rng.normal(size=(4, 5, 2)).astype("float32") * 2
    expected = mixture_logpdf(z.reshape(-1, 2), np.exp(logits - logsumexp(logits)), means, np.exp(log_vars))
    np.testing.assert_allclose(to_numpy(prior.log_prob(z)).ravel(), expected, rtol=1e-5, atol=1e-5)

    # samples from noise: component frequencies and the mixture mean
    noise = keras.random.normal((40_000, prior.noise_dim), seed=1)
    samples = to_numpy(prior.sample_from_noise(noise))
    weights = np.exp(logits - logsumexp(logits))
    np.testing.assert_allclose(samples.mean(0), weights @ means, atol=0.06)
    assert prior.noise_dim == 3


def test_vamp_prior_is_the_mixture_of_posteriors_at_the_pseudo_inputs(digits):
    prior = priors.VampPrior(num_pseudo_inputs=4, seed=0)
    model = zoo.VAE(latent_dim=2, prior=prior, seed=0)
    model.build(digits.shape)
    mean, log_var = (to_numpy(t).astype(np.float64) for t in model.encode(prior.pseudo_inputs))
    z = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    expected = mixture_logpdf(z, np.full(4, 0.25), mean, np.exp(log_var))
    np.testing.assert_allclose(to_numpy(prior.log_prob(z)), expected, rtol=1e-4, atol=1e-4)
    assert len(prior.trainable_variables) == 1  # the pseudo-inputs; the encoder stays the model's
    pseudo = to_numpy(prior.pseudo_inputs)
    assert pseudo.shape == (4, 8, 8) and pseudo.min() >= 0 and pseudo.max() <= 1


def test_monte_carlo_kl_matches_the_closed_form_for_the_standard_normal():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32") * 0.5
    q = distributions.Normal(mean, log_var)
    z = q.sample(seed=keras.random.SeedGenerator(0), num_samples=20_000)
    prior = priors.StandardNormal()
    prior.latent_dim = 4
    closed = to_numpy(prior.kl(q, z))
    monte_carlo = to_numpy(Prior.kl(prior, q, z))  # the base class's Monte Carlo estimate
    per_draw = to_numpy(q.log_prob(z) - prior.log_prob(z))
    se = per_draw.std(0) / math.sqrt(len(per_draw))
    assert np.all(np.abs(monte_carlo - closed) < 5 * se), (monte_carlo, closed, se)
    np.testing.assert_allclose(closed, to_numpy(objectives.kl_normal_standard_normal(mean, log_var)))
    np.testing.assert_allclose(to_numpy(prior.kl_per_dimension(q)).sum(-1), closed, rtol=1e-6)


def test_vae_with_a_mixture_prior_fits_samples_and_reloads(digits, tmp_path):
    prior = priors.MixtureOfGaussians(num_components=3, seed=0)
    model = zoo.VAE(latent_dim=4, prior=prior, seed=0)
    before = to_numpy(prior.means).copy() if prior.built else None
    history = model.fit(digits, epochs=2, batch_size=32, verbose=0).history
    assert np.all(np.isfinite(history["loss"])) and before is None
    assert np.all(np.isfinite(history["kl"]))
    assert to_numpy(model.sample(5, seed=0)).shape == (5, 8, 8)
    np.testing.assert_array_equal(to_numpy(model.sample(5, seed=0)), to_numpy(model.sample(5, seed=0)))
    model.save(tmp_path / "mog.keras")
    reloaded = keras.saving.load_model(tmp_path / "mog.keras")
    assert isinstance(reloaded.prior, priors.MixtureOfGaussians)
    for a, b in zip(reloaded.prior.weights, prior.weights):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    z = np.random.default_rng(0).normal(size=(7, 4)).astype("float32")
    np.testing.assert_allclose(to_numpy(reloaded.prior.log_prob(z)), to_numpy(prior.log_prob(z)), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(reloaded.sample(5, seed=0)), to_numpy(model.sample(5, seed=0)),
                               rtol=1e-5, atol=1e-6)
    # the prior proposal of the estimator draws from the mixture
    log_w = to_numpy(model.log_weights(digits[:3], 50, proposal="prior", seed=0))
    assert log_w.shape == (50, 3) and np.all(np.isfinite(log_w))
    with pytest.raises(ValueError, match="factorize"):
        from keras_vi import metrics

        metrics.kl_per_dimension(model, digits)
    with pytest.raises(ValueError, match="free_bits"):
        zoo.VAE(latent_dim=2, free_bits=0.5, prior="mixture_of_gaussians")


@pytest.mark.skipif(BACKEND == "torch", reason="SavedModel export needs TF or JAX")
def test_export_samples_from_the_model_prior(digits, tmp_path):
    import tensorflow as tf

    model = zoo.VAE(latent_dim=2, prior=priors.MixtureOfGaussians(num_components=2), seed=0)
    model.fit(digits, epochs=1, verbose=0)
    model.export(str(tmp_path / "sm"), verbose=False)
    noise = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    expected = to_numpy(model.decode(model.prior.sample_from_noise(noise)))
    np.testing.assert_allclose(loaded.sample(tf.constant(noise)).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_annealing_iwae_scales_the_log_ratio_in_the_weights(digits):
    model = zoo.IWAE(latent_dim=2, num_samples=3, seed=0)
    cb = callbacks.KLAnnealing("linear", warmup_steps=10**9)
    history = model.fit(digits, epochs=1, batch_size=64, verbose=0, callbacks=[cb]).history
    assert cb.history == [0.0] and float(to_numpy(model.kl_weight)) == 0.0
    out = model(digits)
    log_px_z = to_numpy(model.log_px_z(out["z"], digits))
    terms = model.loss_terms_per_example(digits, out)
    np.testing.assert_allclose(to_numpy(terms["iwae_bound"]), logsumexp(log_px_z, 0) - math.log(3), rtol=1e-5)
    assert np.isfinite(history["loss"][0])


def test_annealing_refuses_an_objective_that_ignores_the_kl_weight(digits):
    class NoWeight(objectives.ELBO):
        uses_kl_weight = False

    model = zoo.LatentVariableModel(latent_dim=2, objective=NoWeight())
    with pytest.raises(ValueError, match="kl_weight"):
        model.fit(digits, epochs=1, verbose=0, callbacks=[callbacks.KLAnnealing()])


def test_normal_cdf_used_to_pick_components():
    from keras_vi.priors.base import _normal_cdf

    x = np.linspace(-8, 8, 2001).astype("float32")
    np.testing.assert_allclose(to_numpy(_normal_cdf(x)), stats.norm.cdf(x), atol=2e-7)
