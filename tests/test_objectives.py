"""Objectives over one Bundle: the ELBO, free bits, the IWAE bound (and its annealed weight)."""

import numpy as np
import pytest
from keras import ops
from scipy.special import logsumexp

from keras_vi.distributions import Normal
from keras_vi.objectives import ELBO, Bundle, IWAEBound, free_bits_kl, iwae_bound
from keras_vi.priors import MixtureOfGaussians, StandardNormal
from tests.conftest import to_numpy


def bundle_for(log_px_z, mean, log_var, z=None, kl_weight=1.0, prior=None):
    mean, log_var = np.asarray(mean, "float32"), np.asarray(log_var, "float32")
    z = mean[None] if z is None else z
    prior = prior or StandardNormal()
    prior.latent_dim = mean.shape[-1]
    return Bundle(x=None, posterior=Normal(mean, log_var), z=ops.convert_to_tensor(z),
                  log_px_z=ops.convert_to_tensor(np.asarray(log_px_z, "float32")),
                  prior=prior, kl_weight=kl_weight)


def test_elbo_terms_with_the_kl_weight_of_the_bundle():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)) * 0.3
    kl = 0.5 * (np.exp(log_var) + mean**2 - 1 - log_var).sum(-1)
    rec = np.array([[-10.0, -20.0]])
    terms = {k: to_numpy(v) for k, v in ELBO()(bundle_for(rec, mean, log_var, kl_weight=4.0)).items()}
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-5)
    np.testing.assert_allclose(terms["elbo"], rec[0] - kl, rtol=1e-5)
    np.testing.assert_allclose(terms["loss"], -(rec[0] - 4.0 * kl), rtol=1e-5)
    # a zero weight (the start of an annealing schedule): the loss is -reconstruction
    zero = ELBO()(bundle_for(rec, mean, log_var, kl_weight=0.0))
    np.testing.assert_allclose(to_numpy(zero["loss"]), -rec[0], rtol=1e-6)
    assert set(terms) == {"loss", *ELBO.metric_names} and ELBO.uses_kl_weight


def test_reconstruction_averages_over_the_draws():
    rec = np.array([[-1.0, -2.0], [-3.0, -6.0]])
    terms = ELBO(num_samples=2)(bundle_for(rec, np.zeros((2, 1)), np.zeros((2, 1)),
                                           z=np.zeros((2, 2, 1), "float32")))
    np.testing.assert_allclose(to_numpy(terms["reconstruction"]), [-2.0, -4.0])


def test_free_bits_is_the_batch_objective_of_the_paper():
    rng = np.random.default_rng(0)
    kl_per_dim = rng.exponential(0.5, size=(16, 4)).astype("float32")
    kl_per_dim[:, 0] *= 0.01  # a nearly collapsed dimension, below lambda
    lam = 0.3
    got = to_numpy(free_bits_kl(ops.convert_to_tensor(kl_per_dim), lam)).mean()
    np.testing.assert_allclose(got, np.maximum(lam, kl_per_dim.mean(0)).sum(), rtol=1e-5)

    mean, log_var = rng.normal(size=(16, 4)), rng.normal(size=(16, 4)) * 0.3
    mean[:, 0] *= 0.01
    log_var[:, 0] = 0.0
    rec = rng.normal(size=(1, 16))
    terms = ELBO(free_bits=lam)(bundle_for(rec, mean, log_var))
    kl_d = 0.5 * (np.exp(log_var) + mean**2 - 1 - log_var)
    expected = -rec.mean() + np.maximum(lam, kl_d.mean(0)).sum()
    np.testing.assert_allclose(to_numpy(terms["loss"]).mean(), expected, rtol=1e-5)
    # the reported KL and ELBO stay the true values
    np.testing.assert_allclose(to_numpy(terms["kl"]), kl_d.sum(-1), rtol=1e-5)


def test_free_bits_needs_a_factorized_prior():
    with pytest.raises(ValueError, match="free_bits"):
        ELBO(free_bits=0.5).check_prior(MixtureOfGaussians(num_components=2))
    ELBO(free_bits=0.5).check_prior(StandardNormal())


def test_iwae_bound_matches_scipy_logsumexp_and_is_stable():
    rng = np.random.default_rng(0)
    log_px_z, log_pz, log_qz = rng.normal(size=(3, 50, 4)).astype("float32") * 5 - 3000
    log_pz += 3000
    log_qz += 3000
    got = to_numpy(iwae_bound(log_px_z, log_pz, log_qz))
    log_w = (log_px_z + log_pz - log_qz).astype("float64")
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, logsumexp(log_w, axis=0) - np.log(50), rtol=1e-5)
    # the KL weight scales log p(z) - log q(z|x) inside every weight
    half = to_numpy(iwae_bound(log_px_z, log_pz, log_qz, kl_weight=0.5))
    expected = logsumexp(log_px_z + 0.5 * (log_pz - log_qz).astype("float64"), axis=0) - np.log(50)
    np.testing.assert_allclose(half, expected, rtol=1e-5)


def test_iwae_objective_on_a_bundle():
    rng = np.random.default_rng(1)
    mean, log_var = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)) * 0.2
    z = (mean + np.exp(0.5 * log_var) * rng.normal(size=(7, 5, 2))).astype("float32")
    log_px_z = rng.normal(size=(7, 5)) - 5
    terms = IWAEBound(num_samples=7)(bundle_for(log_px_z, mean, log_var, z=z))
    from scipy import stats

    log_pz = stats.norm.logpdf(z).sum(-1)
    log_qz = stats.norm.logpdf(z, mean, np.exp(0.5 * log_var)).sum(-1)
    expected = logsumexp(log_px_z + log_pz - log_qz, axis=0) - np.log(7)
    np.testing.assert_allclose(to_numpy(terms["iwae_bound"]), expected, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(terms["loss"]), -expected, rtol=1e-5)
    assert set(terms) == {"loss", *IWAEBound.metric_names}


def test_iwae_with_one_sample_is_the_single_sample_elbo():
    rng = np.random.default_rng(1)
    log_px_z, log_pz, log_qz = rng.normal(size=(3, 1, 5)).astype("float32")
    got = to_numpy(iwae_bound(log_px_z, log_pz, log_qz))
    np.testing.assert_allclose(got, (log_px_z + log_pz - log_qz)[0], rtol=1e-6)


@pytest.mark.parametrize("kwargs,name", [({"free_bits": -0.1}, "free_bits"),
                                         ({"free_bits": float("nan")}, "free_bits"),
                                         ({"num_samples": 0}, "num_samples")])
def test_elbo_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ELBO(**kwargs)


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_iwae_bad_num_samples(k):
    with pytest.raises(ValueError, match="num_samples"):
        IWAEBound(num_samples=k)


@pytest.mark.parametrize("obj", [ELBO(free_bits=0.5, num_samples=3), IWAEBound(num_samples=7)])
def test_objective_config_round_trip(obj):
    import keras

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
    assert type(restored) is type(obj) and restored.get_config() == obj.get_config()
