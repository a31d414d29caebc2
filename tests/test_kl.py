"""Closed-form KLs against TFP (JAX substrate), Monte Carlo and identities."""

import numpy as np
from scipy import stats

from keras_vi.objectives import kl_normal_normal, kl_normal_standard_normal
from tests.conftest import to_numpy

from tensorflow_probability.substrates import jax as tfp  # noqa: E402  (the test oracle)

tfd = tfp.distributions

rng = np.random.default_rng(0)
M1, M2 = rng.normal(size=(2, 4, 3)).astype("float32")
LV1, LV2 = rng.normal(scale=0.7, size=(2, 4, 3)).astype("float32")


def tfp_kl(m1, lv1, m2, lv2):
    p = tfd.Normal(m1.astype("float64"), np.exp(0.5 * lv1.astype("float64")))
    q = tfd.Normal(np.broadcast_to(m2, m1.shape).astype("float64"),
                   np.exp(0.5 * np.broadcast_to(lv2, m1.shape).astype("float64")))
    return np.asarray(tfd.kl_divergence(p, q))


def test_standard_normal_kl_matches_tfp():
    expected = tfp_kl(M1, LV1, np.zeros(1), np.zeros(1))
    got = to_numpy(kl_normal_standard_normal(M1, LV1, per_dimension=True))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(kl_normal_standard_normal(M1, LV1)), expected.sum(-1), rtol=1e-5)


def test_general_kl_matches_tfp_and_standard_case():
    expected = tfp_kl(M1, LV1, M2, LV2)
    np.testing.assert_allclose(
        to_numpy(kl_normal_normal(M1, LV1, M2, LV2, per_dimension=True)), expected, rtol=1e-5, atol=1e-6
    )
    zeros = np.zeros_like(M1)
    np.testing.assert_allclose(
        to_numpy(kl_normal_normal(M1, LV1, zeros, zeros)),
        to_numpy(kl_normal_standard_normal(M1, LV1)), rtol=1e-6,
    )


def test_kl_matches_monte_carlo():
    """E_p[log p(z) - log q(z)] with 400k draws, within 5 standard errors."""
    m1, lv1, m2, lv2 = 0.3, np.log(0.5), -0.4, np.log(2.0)
    z = np.random.default_rng(1).normal(m1, np.exp(0.5 * lv1), size=400_000)
    diff = stats.norm.logpdf(z, m1, np.exp(0.5 * lv1)) - stats.norm.logpdf(z, m2, np.exp(0.5 * lv2))
    se = diff.std() / np.sqrt(len(diff))
    got = float(to_numpy(kl_normal_normal(*[np.array([v], "float32") for v in (m1, lv1, m2, lv2)])))
    assert abs(got - diff.mean()) < 5 * se, (got, diff.mean(), se)
    got_std = float(to_numpy(kl_normal_standard_normal(np.array([m1], "float32"), np.array([lv1], "float32"))))
    diff_std = stats.norm.logpdf(z, m1, np.exp(0.5 * lv1)) - stats.norm.logpdf(z)
    assert abs(got_std - diff_std.mean()) < 5 * diff_std.std() / np.sqrt(len(z))


def test_kl_of_a_distribution_with_itself_is_zero():
    np.testing.assert_allclose(to_numpy(kl_normal_normal(M1, LV1, M1, LV1)), 0.0, atol=1e-6)
    np.testing.assert_allclose(
        to_numpy(kl_normal_standard_normal(np.zeros((2, 3)), np.zeros((2, 3)))), 0.0, atol=0)


def test_kl_is_asymmetric_and_non_negative():
    forward = to_numpy(kl_normal_normal(M1, LV1, M2, LV2))
    backward = to_numpy(kl_normal_normal(M2, LV2, M1, LV1))
    np.testing.assert_allclose(backward, tfp_kl(M2, LV2, M1, LV1).sum(-1), rtol=1e-5)
    assert np.all(forward > 0) and np.all(backward > 0)
    assert np.all(np.abs(forward - backward) > 1e-3)
    # a concrete pair: KL(N(0,1) || N(0,4)) = 0.5 (1/4 - 1 + log 4) != KL(N(0,4) || N(0,1))
    a = float(to_numpy(kl_normal_normal([0.0], [0.0], [0.0], [np.log(4.0)])))
    b = float(to_numpy(kl_normal_normal([0.0], [np.log(4.0)], [0.0], [0.0])))
    np.testing.assert_allclose([a, b], [0.5 * (0.25 - 1 + np.log(4)), 0.5 * (4 - 1 - np.log(4))], rtol=1e-6)
