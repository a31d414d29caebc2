"""log p(x) estimators against the linear-Gaussian oracle's exact marginal."""

import math

import numpy as np
import pytest

from keras_vi import estimators, zoo
from keras_vi.testing import LinearGaussianOracle
from tests.conftest import to_numpy


@pytest.fixture(scope="module")
def oracle_data():
    oracle = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0)
    x = oracle.sample(8, seed=1)
    return x, oracle.log_marginal(x)


def test_oracle_marginal_matches_scipy(oracle_data):
    from scipy import stats

    oracle = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0)
    x, exact = oracle_data
    cov = oracle.weights @ oracle.weights.T + 0.25 * np.eye(6)
    np.testing.assert_allclose(exact, stats.multivariate_normal(oracle.bias, cov).logpdf(x), rtol=1e-10)


def test_exact_posterior_gives_exact_likelihood_and_elbo(oracle_data):
    x, exact = oracle_data
    model = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0).model
    est = estimators.log_likelihood(model, x, num_samples=64, seed=0)
    np.testing.assert_allclose(est.log_likelihood, exact, atol=2e-4)
    np.testing.assert_allclose(est.effective_sample_size, 64, rtol=1e-3)  # all weights equal
    # the ELBO with the closed-form KL: E_q[log p(x|z)] by 20k draws, within MC error
    many = to_numpy(model.log_weights(x, 20_000))
    np.testing.assert_allclose(many, np.broadcast_to(exact, many.shape), atol=1e-3)
    terms = model.loss_terms_per_example(x, model(x))
    rec = to_numpy(model.likelihood_distribution(model.decoder_params(
        model.sampling.__class__(seed=0, num_samples=20_000)(list(model.encode(x))))).log_prob(x[None])).mean(0)
    elbo = rec - to_numpy(terms["kl"])
    assert np.all(np.abs(elbo - exact) < 0.05), (elbo, exact)


@pytest.mark.parametrize("proposal", ["posterior", "prior"])
def test_both_estimators_converge_to_the_exact_value(oracle_data, proposal):
    x, exact = oracle_data
    model = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0,
                                        posterior_shift=0.3).model
    est = estimators.log_likelihood(model, x, num_samples=20_000, proposal=proposal, seed=0,
                                    chunk_size=5000)
    assert np.all(np.abs(est.log_likelihood - exact) < 5 * est.standard_error + 1e-3), (
        est.log_likelihood - exact, est.standard_error)
    assert np.all((1 <= est.effective_sample_size) & (est.effective_sample_size <= 20_000))


def test_posterior_proposal_has_far_smaller_variance():
    # a narrow posterior (small sigma, strong loadings): where prior sampling fails
    oracle = LinearGaussianOracle.random(data_dim=10, latent_dim=4, sigma=0.3, seed=2,
                                         posterior_shift=0.1)
    x = oracle.sample(8, seed=3)
    post = estimators.log_likelihood(oracle.model, x, num_samples=2000, proposal="posterior", seed=1)
    prior = estimators.log_likelihood(oracle.model, x, num_samples=2000, proposal="prior", seed=1)
    assert np.median(prior.standard_error**2 / post.standard_error**2) > 20
    assert np.median(post.effective_sample_size / prior.effective_sample_size) > 20
    exact = oracle.log_marginal(x)
    assert np.mean(np.abs(post.log_likelihood - exact)) < np.mean(np.abs(prior.log_likelihood - exact))


def test_iwae_bound_is_below_the_exact_value_and_rises_with_k(oracle_data):
    from scipy.special import logsumexp

    x, exact = oracle_data
    model = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0,
                                        posterior_shift=0.5).model
    log_w = to_numpy(model.log_weights(x, 20_000, seed=3)).astype(np.float64)

    def expected_bound(k):  # mean of L_k over 20000 / k independent groups
        groups = log_w.reshape(20_000 // k, k, -1)
        return (logsumexp(groups, axis=1) - math.log(k)).mean(0)

    bounds = np.stack([expected_bound(k) for k in (1, 5, 50)])
    assert np.all(np.diff(bounds, axis=0) > 0), bounds
    assert np.all(bounds < exact), (bounds, exact)


def test_chunking_does_not_change_the_estimate_and_bounds_memory(digits):
    model = zoo.VAE(latent_dim=2, seed=0)
    model.build(digits.shape)
    a = estimators.log_likelihood(model, digits[:5], num_samples=300, chunk_size=300, seed=0)
    b = estimators.log_likelihood(model, digits[:5], num_samples=300, chunk_size=70, seed=0)
    # different chunks draw different noise: agreement within the standard errors
    assert np.all(np.abs(a.log_likelihood - b.log_likelihood) < 5 * (a.standard_error + b.standard_error))
    assert a.log_likelihood.shape == (5,) and np.all(a.log_likelihood < 0)


def test_bad_arguments(digits):
    model = zoo.VAE(latent_dim=2)
    with pytest.raises(ValueError, match="built"):
        estimators.log_likelihood(model, digits)
    model.build(digits.shape)
    with pytest.raises(ValueError, match="proposal"):
        estimators.log_likelihood(model, digits, proposal="uniform")
    with pytest.raises(ValueError, match="num_samples"):
        estimators.log_likelihood(model, digits, num_samples=0)
    with pytest.raises(ValueError, match="`x` must lie in"):
        estimators.log_likelihood(model, digits * 2)


def test_bits_per_dim_round_trip():
    np.testing.assert_allclose(estimators.bits_per_dim(784 * math.log(2), 784), 1.0)
    nll = np.array([80.0, 100.0])
    np.testing.assert_allclose(estimators.nats_from_bits_per_dim(estimators.bits_per_dim(nll, 784), 784), nll)
    with pytest.raises(ValueError, match="num_dims"):
        estimators.bits_per_dim(1.0, 0)


def test_evaluation_summary_against_the_exact_marginal(oracle_data):
    x, exact = oracle_data
    model = LinearGaussianOracle.random(data_dim=6, latent_dim=3, sigma=0.5, seed=0).model
    summary = estimators.evaluation_summary(model, x, num_samples=64, seed=0)
    np.testing.assert_allclose(summary["nll_nats"], -exact.mean(), atol=2e-4)
    np.testing.assert_allclose(summary["bits_per_dim"], -exact.mean() / (6 * math.log(2)), atol=1e-4)
    assert summary["num_examples"] == 8 and summary["latent_dim"] == 3
    assert len(summary["kl_per_dimension"]) == 3 and "note" not in summary
