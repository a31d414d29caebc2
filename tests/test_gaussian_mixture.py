"""The exact mixture likelihood against scikit-learn."""

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from keras_vi import zoo
from tests.conftest import to_numpy


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 0.0], [-4.0, 3.0, 2.0]])
    a = rng.normal(size=(3, 3, 3)) * 0.6
    x = np.concatenate([c + rng.normal(size=(200, 3)) @ m for c, m in zip(centers, a)])
    return x.astype("float32")


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_log_prob_and_responsibilities_match_sklearn(blobs, covariance):
    sk = SkGaussianMixture(3, covariance_type=covariance, random_state=0).fit(blobs)
    gmm = zoo.GaussianMixture(3, covariance=covariance)
    gmm.set_parameters(sk.weights_, sk.means_, sk.covariances_)
    np.testing.assert_allclose(to_numpy(gmm.log_prob(blobs)), sk.score_samples(blobs), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_numpy(gmm.predict_proba(blobs)), sk.predict_proba(blobs), atol=1e-4)
    weights, means, covs = gmm.get_parameters()
    np.testing.assert_allclose(covs, sk.covariances_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_fit_reaches_the_em_solution(blobs, covariance):
    sk = SkGaussianMixture(3, covariance_type=covariance, random_state=0).fit(blobs)
    gmm = zoo.GaussianMixture(3, covariance=covariance, seed=1)
    history = gmm.fit(blobs, epochs=150, batch_size=200, verbose=0).history
    ours = float(np.mean(to_numpy(gmm.log_prob(blobs))))
    assert history["log_likelihood"][-1] > history["log_likelihood"][0]
    assert ours > sk.score(blobs) - 0.05, (ours, sk.score(blobs))
    weights, _, covs = gmm.get_parameters()
    np.testing.assert_allclose(weights.sum(), 1.0, rtol=1e-5)
    if covariance == "full":
        assert np.all(np.linalg.eigvalsh(covs) > 0)


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_sample_moments(covariance):
    gmm = zoo.GaussianMixture(2, covariance=covariance)
    cov = np.array([[[1.0, 0.5], [0.5, 2.0]], [[0.5, -0.2], [-0.2, 0.3]]])
    covs = cov if covariance == "full" else np.diagonal(cov, axis1=1, axis2=2)
    full = cov if covariance == "full" else np.stack([np.diag(c) for c in covs])
    weights, means = np.array([0.3, 0.7]), np.array([[1.0, -1.0], [-2.0, 3.0]])
    gmm.set_parameters(weights, means, covs)
    x = to_numpy(gmm.sample(100_000, seed=0))
    mean = weights @ means
    second = sum(w * (c + np.outer(m, m)) for w, m, c in zip(weights, means, full))
    np.testing.assert_allclose(x.mean(0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), second - np.outer(mean, mean), atol=0.06)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_components"):
        zoo.GaussianMixture(0)
    with pytest.raises(ValueError, match="covariance"):
        zoo.GaussianMixture(2, covariance="spherical")
    with pytest.raises(ValueError, match="shape"):
        zoo.GaussianMixture(2).fit(np.zeros((4, 2, 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        zoo.GaussianMixture(2).fit(np.full((4, 2), np.nan, "float32"), verbose=0)
