"""The zoo models: the loss against a NumPy reference, fit inputs, methods."""

import keras
import numpy as np
import pytest
from scipy import stats

from keras_vi import zoo
from tests.conftest import to_numpy


def numpy_elbo_terms(model, x, out, beta=1.0):
    """The ELBO of one latent draw per example, written out in NumPy."""
    mean, log_var = to_numpy(out["mean"]).astype("float64"), to_numpy(out["log_var"]).astype("float64")
    logits = to_numpy(model.decoder_params(out["z"])["logits"])[0].astype("float64")
    x = x.astype("float64").reshape(len(x), -1)
    logits = logits.reshape(len(x), -1)
    rec = (x * logits - np.logaddexp(0, logits)).sum(-1)
    kl = 0.5 * (np.exp(log_var) + mean**2 - 1 - log_var).sum(-1)
    return rec, kl, -(rec - beta * kl)


def test_vae_loss_matches_numpy_reference(digits):
    model = zoo.BetaVAE(latent_dim=3, beta=2.5, seed=0)
    out = model(digits)
    terms = {k: to_numpy(v) for k, v in model.loss_terms_per_example(digits, out).items()}
    rec, kl, loss = numpy_elbo_terms(model, digits, out, beta=2.5)
    np.testing.assert_allclose(terms["reconstruction"], rec, rtol=1e-4)
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(terms["loss"], loss, rtol=1e-4)
    np.testing.assert_allclose(terms["elbo"], rec - kl, rtol=1e-4)
    model.compile(optimizer="adam")
    total = to_numpy(model.compute_loss(x=digits, y_pred=out))
    np.testing.assert_allclose(total, loss.mean(), rtol=1e-4)


def test_gaussian_likelihood_matches_scipy():
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32") * 3
    model = zoo.VAE(latent_dim=2, likelihood="gaussian", seed=0)
    out = model(x)
    params = model.decoder_params(out["z"])
    x_mean, x_log_var = to_numpy(params["x_mean"])[0], to_numpy(params["x_log_var"])[0]
    expected = stats.norm.logpdf(x, x_mean, np.exp(0.5 * x_log_var)).sum(-1)
    got = to_numpy(model.loss_terms_per_example(x, out)["reconstruction"])
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_iwae_with_one_sample_equals_the_elbo_for_the_same_noise(digits):
    """L_1 = log p(x|z) + log p(z) - log q(z|x) for the z that was drawn;
    its mean over draws is the ELBO with the closed-form KL."""
    model = zoo.IWAE(latent_dim=2, num_samples=1, seed=0)
    out = model(digits)
    terms = {k: to_numpy(v) for k, v in model.loss_terms_per_example(digits, out).items()}
    z = to_numpy(out["z"])[0]
    mean, log_var = to_numpy(out["mean"]), to_numpy(out["log_var"])
    log_pz = stats.norm.logpdf(z).sum(-1)
    log_qz = stats.norm.logpdf(z, mean, np.exp(0.5 * log_var)).sum(-1)
    np.testing.assert_allclose(terms["iwae_bound"], terms["reconstruction"] + log_pz - log_qz, rtol=1e-4)

    # Over many draws of the same model, the mean of L_1 is the ELBO.
    many = zoo.IWAE(latent_dim=2, num_samples=4000, seed=1)
    many(digits[:4])
    many.set_weights(model.get_weights())
    out = many(digits[:4])
    log_w = to_numpy(many.log_px_z(out["z"], digits[:4]))
    z = to_numpy(out["z"])
    mean, log_var = to_numpy(out["mean"]), to_numpy(out["log_var"])
    log_w = log_w + stats.norm.logpdf(z).sum(-1) - stats.norm.logpdf(z, mean, np.exp(0.5 * log_var)).sum(-1)
    vae = zoo.VAE(latent_dim=2, seed=2)
    vae(digits[:4])
    vae.set_weights(model.get_weights())
    v_out = vae(digits[:4])
    kl = to_numpy(vae.loss_terms_per_example(digits[:4], v_out)["kl"])
    rec = to_numpy(many.log_px_z(out["z"], digits[:4])).mean(0)
    se = log_w.std(0) / np.sqrt(len(log_w))
    assert np.all(np.abs(log_w.mean(0) - (rec - kl)) < 5 * se + 1e-3)


def test_iwae_bound_rises_with_k_on_average(digits):
    model = zoo.IWAE(latent_dim=2, num_samples=1000, seed=0)
    out = model(digits[:16])
    log_px_z = to_numpy(model.log_px_z(out["z"], digits[:16]))
    z, mean, log_var = (to_numpy(out[k]) for k in ("z", "mean", "log_var"))
    log_w = (log_px_z + stats.norm.logpdf(z).sum(-1)
             - stats.norm.logpdf(z, mean, np.exp(0.5 * log_var)).sum(-1)).astype("float64")
    from scipy.special import logsumexp

    def bound(k):  # average of L_k over 1000 / k independent groups and 16 examples
        groups = log_w[: (1000 // k) * k].reshape(1000 // k, k, -1)
        return (logsumexp(groups, axis=1) - np.log(k)).mean()

    values = [bound(k) for k in (1, 5, 50)]
    assert values[0] < values[1] < values[2], values


def test_iwae_k50_training_gives_finite_weights(digits):
    model = zoo.IWAE(latent_dim=4, num_samples=50, seed=0)
    history = model.fit(digits, epochs=2, batch_size=32, verbose=0).history
    assert set(history) == {"loss", "reconstruction", "kl", "elbo", "iwae_bound"}
    assert all(np.isfinite(v).all() for v in history.values())
    assert all(np.isfinite(to_numpy(w)).all() for w in model.trainable_weights)
    # the bound sits above the ELBO it generalizes
    logs = model.evaluate(digits, verbose=0, return_dict=True)
    assert logs["iwae_bound"] >= logs["elbo"]


def test_training_improves_the_elbo_on_real_digits():
    from keras_vi import datasets

    x, x_test = datasets.load("digits"), datasets.load("digits", split="test")
    model = zoo.VAE(latent_dim=4, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(x_test, verbose=0, return_dict=True)["elbo"]
    model.fit(x, epochs=4, batch_size=64, verbose=0)
    after = model.evaluate(x_test, verbose=0, return_dict=True)["elbo"]
    assert after > before + 5.0, (before, after)


def test_beta_vae_fits_a_batched_tf_dataset_with_no_other_argument():
    from keras_vi import datasets

    ds = datasets.load("digits", batch_size=128, with_labels=True)
    model = zoo.BetaVAE(latent_dim=10)
    history = model.fit(ds, verbose=0)
    assert set(history.history) == {"loss", "reconstruction", "kl", "elbo"}
    assert np.isfinite(history.history["loss"][0])
    model.fit(datasets.load("digits", batch_size=128), verbose=0)  # no labels


@pytest.mark.torch_only
def test_fit_on_a_pytorch_dataloader(digits):
    import torch

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(digits), torch.zeros(len(digits))),
        batch_size=16,
    )
    history = zoo.VAE(latent_dim=2).fit(loader, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_methods_and_sampling_seeds(digits):
    model = zoo.VAE(latent_dim=3, seed=0)
    with pytest.raises(ValueError, match="built"):
        model.sample(2)
    model.fit(digits, epochs=1, verbose=0)
    mean, log_var = model.encode(digits[:5])
    assert tuple(mean.shape) == tuple(log_var.shape) == (5, 3)
    decoded = to_numpy(model.decode(mean))
    assert decoded.shape == (5, 8, 8) and decoded.min() >= 0 and decoded.max() <= 1
    np.testing.assert_allclose(to_numpy(model.reconstruct(digits[:5])), decoded, rtol=1e-6)
    a, b = to_numpy(model.sample(4, seed=3)), to_numpy(model.sample(4, seed=3))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 8, 8)
    assert not np.allclose(to_numpy(model.sample(4)), to_numpy(model.sample(4)))


def test_custom_encoder_and_decoder(digits):
    x = digits.reshape(len(digits), 64)
    inputs = keras.Input((64,))
    h = keras.layers.Dense(16, activation="tanh")(inputs)
    encoder = keras.Model(inputs, [keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)])
    z = keras.Input((2,))
    decoder = keras.Model(z, keras.layers.Dense(64)(keras.layers.Dense(16, activation="tanh")(z)))
    model = zoo.VAE(latent_dim=2, encoder=encoder, decoder=decoder)
    model.fit(x, epochs=1, verbose=0)
    assert model.encoder is encoder and tuple(model.reconstruct(x[:3]).shape) == (3, 64)


def test_kl_weight_variable_drives_the_loss(digits):
    model = zoo.VAE(latent_dim=2, beta=1.0, seed=0)
    out = model(digits)
    terms = model.loss_terms_per_example(digits, out)
    model.kl_weight.assign(0.0)
    terms0 = model.loss_terms_per_example(digits, out)
    np.testing.assert_allclose(to_numpy(terms0["loss"]), -to_numpy(terms["reconstruction"]), rtol=1e-5)
