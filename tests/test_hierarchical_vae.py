"""HierarchicalVAE against a two-level linear-Gaussian oracle with an exact log p(x)."""

import math
import subprocess
import sys

import keras
import numpy as np
import pytest
from scipy import stats

from keras_vi import estimators, priors, zoo
from keras_vi.utils import to_numpy
from tests.conftest import BACKEND, REPO

D, K = 5, 2  # data and latent sizes (z1 and z2 both K)


def linear_gaussian_hvae(shift=0.0):
    """z2 ~ N(0, I); z1 | z2 ~ N(a z2, s1^2); x | z1, z2 ~ N(W z1 + b, sigma^2 I).

    W has orthogonal columns, so both exact posteriors, p(z2|x) and p(z1|x, z2), are
    diagonal Gaussians linear in their inputs: with `shift=0` the model's q is exact;
    `shift` moves q's means and log-variances away from them (the model stays).
    Returns the model and the exact marginal's (mean, covariance).
    """
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(D, K)))
    w_scale, a, s1, sigma = np.array([1.5, 0.8]), np.array([1.2, -0.7]), np.array([0.6, 0.9]), 0.4
    w, b = q * w_scale, rng.normal(size=D)
    prec1 = 1 / s1**2 + w_scale**2 / sigma**2  # p(z1 | x, z2)
    var_u = w_scale**2 * s1**2 + sigma**2  # Q^T (x - b) | z2, per dimension
    prec2 = 1 + (w_scale * a) ** 2 / var_u  # p(z2 | x)
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731

    def linear(inputs, kernels, bias, log_var, name, shift=shift):
        h = keras.layers.Concatenate()(inputs) if len(inputs) > 1 else inputs[0]
        mean = keras.layers.Dense(K, name="mean")
        lv = keras.layers.Dense(K, name="log_var")
        outputs = [mean(h), lv(h)]
        kernel = np.concatenate(kernels, axis=0)
        mean.set_weights([f32(kernel), f32(bias + shift)])
        lv.set_weights([np.zeros_like(f32(kernel)), f32(log_var + shift)])
        return keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs, name=name)

    x_in, z2_in, z1_in = keras.Input((D,)), keras.Input((K,)), keras.Input((K,))
    k2 = w * (a / (var_u * prec2))  # E[z2 | x] = k2^T (x - b)
    encoder = linear([x_in], [k2], -b @ k2, -np.log(prec2), "encoder")
    k1x = w / sigma**2 / prec1
    bottom = linear([x_in, z2_in], [k1x, np.diag(a / s1**2 / prec1)], -b @ k1x, -np.log(prec1), "bottom")
    conditional = linear([z2_in], [np.diag(a)], np.zeros(K), np.log(s1**2), "conditional", shift=0.0)
    z = keras.Input((2 * K,))
    dec_mean, dec_lv = keras.layers.Dense(D), keras.layers.Dense(D)
    decoder = keras.Model(z, [dec_mean(z), dec_lv(z)])
    dec_mean.set_weights([f32(np.concatenate([w.T, np.zeros((K, D))])), f32(b)])
    dec_lv.set_weights([np.zeros((2 * K, D), np.float32), np.full(D, 2 * math.log(sigma), np.float32)])
    model = zoo.HierarchicalVAE(latent_dims=(K, K), encoder=encoder, bottom_encoder=bottom,
                                conditional_prior=conditional, decoder=decoder, likelihood="gaussian")
    model.build((None, D))
    cov = w @ np.diag(a**2 + s1**2) @ w.T + sigma**2 * np.eye(D)
    return model, b, cov


@pytest.fixture(scope="module")
def oracle():
    model, mean, cov = linear_gaussian_hvae()
    x = stats.multivariate_normal(mean, cov).rvs(8, random_state=1).astype(np.float32)
    return model, x, stats.multivariate_normal(mean, cov).logpdf(x)


def test_exact_posterior_gives_the_exact_likelihood(oracle):
    model, x, exact = oracle
    est = estimators.log_likelihood(model, x, num_samples=64, seed=0)
    np.testing.assert_allclose(est.log_likelihood, exact, atol=2e-4)
    np.testing.assert_allclose(est.effective_sample_size, 64, rtol=1e-3)  # every weight is p(x)
    # the prior part: log p(z1, z2) = log N(z2; 0, I) + log N(z1; a z2, s1^2), by SciPy
    z = np.random.default_rng(2).normal(size=(6, 2 * K)).astype(np.float32)
    conditional_mean, conditional_log_var = (to_numpy(t) for t in model.conditional_prior(z[:, K:]))
    expected = (stats.norm.logpdf(z[:, K:]).sum(-1) + stats.norm.logpdf(
        z[:, :K], conditional_mean, np.exp(0.5 * conditional_log_var)).sum(-1))
    np.testing.assert_allclose(to_numpy(model.prior.log_prob(z)), expected, rtol=1e-5)


def test_approximate_posterior_bound_is_below_and_converges(oracle):
    _, x, exact = oracle
    model, _, _ = linear_gaussian_hvae(shift=0.3)
    est = estimators.log_likelihood(model, x, num_samples=20_000, seed=1)
    assert np.all(np.abs(est.log_likelihood - exact) < 5 * est.standard_error + 2e-3), (
        est.log_likelihood - exact, est.standard_error)
    # the loss fit minimizes is minus the ELBO: on average over its draws, the mean log weight
    elbos = np.stack([-to_numpy(model.loss_terms_per_example(x, model(x))["loss"]) for _ in range(400)])
    log_w = to_numpy(model.log_weights(x, 20_000, seed=3))
    se = elbos.std(0) / math.sqrt(len(elbos))
    assert np.all(np.abs(elbos.mean(0) - log_w.mean(0)) < 5 * se), (elbos.mean(0) - log_w.mean(0), se)
    assert np.all(log_w.mean(0) < exact - 0.05), (log_w.mean(0), exact)  # q is off: a gap


def test_vamp_prior_on_z2_reads_the_top_encoder_and_samples():
    x = (np.random.default_rng(0).uniform(size=(16, 6, 5)) > 0.5).astype("float32")
    model = zoo.HierarchicalVAE(latent_dims=(3, 2), prior=priors.VampPrior(num_pseudo_inputs=4, seed=0),
                                seed=0)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    assert tuple(model.top_prior.pseudo_inputs.shape) == (4, 6, 5)
    mean, log_var = (to_numpy(t) for t in model.encoder(model.top_prior.pseudo_inputs))
    z2 = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    mixture = np.log(np.mean([stats.multivariate_normal(m, np.diag(np.exp(v))).pdf(z2)
                              for m, v in zip(mean, log_var)], axis=0))
    np.testing.assert_allclose(to_numpy(model.top_prior.log_prob(z2)), mixture, rtol=1e-4)
    assert to_numpy(model.sample(3, seed=0)).shape == (3, 6, 5)
    summary = estimators.evaluation_summary(model, x, num_samples=10)
    assert summary["mutual_information"] is None and summary["latent_dim"] == 5
    assert np.isfinite(summary["nll_nats"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="latent_dims"):
        zoo.HierarchicalVAE(latent_dims=5)
    with pytest.raises(ValueError, match="latent_dims"):
        zoo.HierarchicalVAE(latent_dims=(3, 0))
    with pytest.raises(ValueError, match="bottom_encoder"):
        zoo.HierarchicalVAE(bottom_encoder="mlp")
    with pytest.raises(ValueError, match="aggressive"):
        zoo.HierarchicalVAE(aggressive=True)


def test_the_cli_trains_it(tmp_path):
    out = tmp_path / "hvae"
    run = subprocess.run(
        [sys.executable, "-m", "keras_vi", "train", "hierarchical_vae", "--backend", BACKEND,
         "--epochs", "1", "--latent-dims", "3", "2", "--hidden-units", "16", "--binarize", "static",
         "--out", str(out), "--verbose", "0"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    run = subprocess.run([sys.executable, "-m", "keras_vi", "evaluate", str(out), "--num-samples", "5",
                          "--backend", BACKEND], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert '"mutual_information": null' in run.stdout
