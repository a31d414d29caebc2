"""β-TCVAE's total-correlation estimate and objective against NumPy/SciPy."""

import keras
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from keras_vi import zoo
from keras_vi.distributions import Normal
from keras_vi.objectives import ELBO, Bundle, TotalCorrelationELBO, total_correlation
from keras_vi.priors import StandardNormal
from tests.conftest import to_numpy

RNG = np.random.default_rng(0)
K, M, D = 2, 5, 3
Z = RNG.normal(size=(K, M, D)).astype("float32")
MEAN = RNG.normal(size=(M, D)).astype("float32")
LOG_VAR = RNG.normal(scale=0.3, size=(M, D)).astype("float32")


def numpy_tc(z, mean, log_var, log_c):
    # log q(z_i,d | x_j) for every draw i and posterior j, by SciPy.
    log_q = norm.logpdf(z[..., :, None, :], mean, np.exp(0.5 * log_var)).astype(np.float64)
    joint = logsumexp(log_q.sum(-1), axis=-1) - log_c
    marginals = (logsumexp(log_q, axis=-2) - log_c).sum(-1)
    return joint - marginals


@pytest.mark.parametrize("dataset_size", [None, 1000])
def test_total_correlation_matches_scipy(dataset_size):
    log_c = np.log(M) + (0.0 if dataset_size is None else np.log(dataset_size))
    got = to_numpy(total_correlation(Z, MEAN, LOG_VAR, dataset_size))
    np.testing.assert_allclose(got, numpy_tc(Z, MEAN, LOG_VAR, log_c), rtol=1e-4, atol=1e-4)
    assert got.shape == (K, M)


def test_total_correlation_is_zero_when_every_posterior_is_the_same():
    # q(z) is then that one diagonal Gaussian, which factorizes: TC = 0 exactly.
    same_mean = np.broadcast_to(MEAN[:1], MEAN.shape)
    same_log_var = np.broadcast_to(LOG_VAR[:1], LOG_VAR.shape)
    np.testing.assert_allclose(to_numpy(total_correlation(Z, same_mean, same_log_var)), 0.0, atol=1e-5)


def test_the_objective_is_the_elbo_minus_weighted_tc():
    posterior = Normal(MEAN, LOG_VAR)
    bundle = Bundle(x=None, posterior=posterior, z=Z, log_px_z=RNG.normal(size=(K, M)).astype("float32"),
                    prior=StandardNormal(), kl_weight=1.0)
    elbo = {k: to_numpy(v) for k, v in ELBO(num_samples=K)(bundle).items()}
    for beta in (1.0, 6.0):
        terms = {k: to_numpy(v) for k, v in TotalCorrelationELBO(beta=beta, num_samples=K)(bundle).items()}
        tc = numpy_tc(Z, MEAN, LOG_VAR, np.log(M)).mean(axis=0)
        np.testing.assert_allclose(terms["total_correlation"], tc, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(terms["loss"], elbo["loss"] + (beta - 1.0) * tc, rtol=1e-4, atol=1e-4)
        for name in ("reconstruction", "kl", "elbo"):
            np.testing.assert_allclose(terms[name], elbo[name], rtol=1e-6)


def test_beta_tc_vae_holds_beta_once_and_rejects_bad_arguments(digits):
    model = zoo.BetaTCVAE(latent_dim=3, beta=6.0, seed=0)
    assert model.tc_weight == 6.0 and float(to_numpy(model.kl_weight)) == 1.0
    config = model.get_config()
    assert config["beta"] == 6.0 and "objective" not in config
    assert zoo.BetaTCVAE.from_config(config).tc_weight == 6.0
    with pytest.raises(ValueError, match="beta"):
        zoo.BetaTCVAE(latent_dim=3, beta=-1.0)
    with pytest.raises(ValueError, match="dataset_size"):
        zoo.BetaTCVAE(latent_dim=3, dataset_size=0)
    # The compiled loss is the objective's: fit logs the TC estimate, finite.
    history = model.fit(digits, epochs=1, batch_size=32, verbose=0).history
    assert np.isfinite(history["total_correlation"][0])
    assert keras.ops.convert_to_numpy(model.encode(digits[:2])[0]).shape == (2, 3)
