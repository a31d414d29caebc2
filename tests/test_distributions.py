import numpy as np
import pytest
from scipy import stats

from keras_vi.distributions import Bernoulli, Normal
from tests.conftest import to_numpy


def test_normal_log_prob_matches_scipy():
    rng = np.random.default_rng(0)
    mean, log_var, x = rng.normal(size=(3, 5, 4)).astype("float32")
    expected = stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).sum(-1)
    np.testing.assert_allclose(to_numpy(Normal(mean, log_var).log_prob(x)), expected, rtol=1e-5)
    # event_ndims=0 keeps the elementwise terms
    elementwise = to_numpy(Normal(mean, log_var, event_ndims=0).log_prob(x))
    np.testing.assert_allclose(elementwise.sum(-1), expected, rtol=1e-5)


def test_normal_sample_moments_and_seed():
    q = Normal(np.array([1.0, -2.0], "float32"), np.log(np.array([0.25, 4.0], "float32")))
    z = to_numpy(q.sample(seed=0, num_samples=200_000))
    assert z.shape == (200_000, 2)
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.02)
    np.testing.assert_allclose(z.var(0), [0.25, 4.0], rtol=0.02)
    np.testing.assert_array_equal(to_numpy(q.sample(seed=7)), to_numpy(q.sample(seed=7)))
    assert to_numpy(q.mean()).tolist() == [1.0, -2.0]


def test_bernoulli_log_prob_matches_scipy_and_is_stable():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3, size=(6, 10)).astype("float32")
    x = (rng.uniform(size=(6, 10)) < 0.5).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = stats.bernoulli.logpmf(x, p).sum(-1)
    np.testing.assert_allclose(to_numpy(Bernoulli(logits).log_prob(x)), expected, rtol=1e-5)
    # saturated logits: log(sigmoid(100)) is 0, log(1 - sigmoid(100)) is -100
    lp = to_numpy(Bernoulli(np.array([[100.0, -100.0]], "float32")).log_prob(
        np.array([[0.0, 1.0]], "float32")))
    np.testing.assert_allclose(lp, [-200.0], rtol=1e-6)


def test_bernoulli_sample_frequency():
    d = Bernoulli(np.array([0.0, 2.0], "float32"))
    draws = to_numpy(d.sample(seed=3, num_samples=50_000))
    assert set(np.unique(draws)) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0), [0.5, 1 / (1 + np.exp(-2.0))], atol=0.01)


def test_bad_event_ndims():
    with pytest.raises(ValueError, match="event_ndims"):
        Normal(np.zeros(2), np.zeros(2), event_ndims=-1)
