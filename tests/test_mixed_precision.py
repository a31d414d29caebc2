"""Mixed precision: the networks in 16 bits, the objective (noise, KL, log-likelihoods,
log-sum-exps, log-determinants, codebook statistics) in float32, and no NaN."""

import keras
import numpy as np
import pytest

from keras_vi import objectives, zoo
from keras_vi.distributions import Bernoulli, Normal
from tests.conftest import gradient, to_numpy

RNG = np.random.default_rng(0)
BINARY = (RNG.uniform(size=(32, 8, 8)) > 0.5).astype("float32")
PIXELS = RNG.integers(0, 256, size=(32, 8, 8, 1)).astype("float32")


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


MODELS = {
    "vae": (lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "iwae": (lambda: zoo.IWAE(latent_dim=2, num_samples=3, hidden_units=(16,), seed=0), BINARY),
    "beta_tc_vae": (lambda: zoo.BetaTCVAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "factor_vae": (lambda: zoo.FactorVAE(latent_dim=2, hidden_units=(16,), discriminator_units=(8,), seed=0),
                   BINARY),
    "vq_vae": (lambda: zoo.VQVAE(num_embeddings=8, embedding_dim=4, ema_decay=0.9, filters=(8, 8),
                                 prior_layers=1, prior_filters=8, seed=0), BINARY[..., None]),
    "pixel_cnn": (lambda: zoo.PixelCNN(num_classes=2, num_layers=2, filters=8, seed=0), BINARY.astype("int32")),
    "gaussian_mixture": (lambda: zoo.GaussianMixture(3, covariance="full", seed=0), BINARY.reshape(32, -1)[:, :3]),
    "real_nvp": (lambda: zoo.RealNVP(num_scales=1, num_steps=1, filters=8, seed=0), PIXELS),
    "vae_variational_dequantization": (
        lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), likelihood="gaussian",
                        dequantization="variational", seed=0), PIXELS),
}


def _fit(make, x):
    keras.utils.set_random_seed(0)
    model = make()
    history = model.fit(x, epochs=1, batch_size=16, shuffle=False, verbose=0).history
    return model, {k: v[-1] for k, v in history.items()}


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_trains_in_bfloat16_with_float32_losses(name, policy):
    make, x = MODELS[name]
    model, logs = _fit(make, x)
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert {v.dtype for v in model.trainable_variables} == {"float32"}  # master weights
    keras.mixed_precision.set_dtype_policy("float32")
    reference, reference_logs = _fit(make, x)
    # the same first steps in float32: the losses agree to 16-bit network precision...
    np.testing.assert_allclose(logs["loss"], reference_logs["loss"], rtol=0.02)
    # ...and are float32 numbers, not bfloat16 ones (8 bits of mantissa: 44.25, 44.5, ...)
    if abs(logs["loss"]) > 2:
        assert logs["loss"] != float(keras.ops.convert_to_numpy(
            keras.ops.cast(keras.ops.cast(logs["loss"], "bfloat16"), "float32")))
    if hasattr(model, "fit_prior"):
        keras.mixed_precision.set_dtype_policy(policy)
        model.fit_prior(x, epochs=1, verbose=0)
    samples = to_numpy(keras.ops.cast(model.sample(2, seed=0), "float32"))
    assert np.all(np.isfinite(samples))


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
def test_the_objective_runs_in_float32_inside_a_bfloat16_model(policy):
    model = zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0)
    model.build(BINARY.shape)
    assert model.encoder.compute_dtype == "bfloat16" and model.decoder.compute_dtype == "bfloat16"
    assert model.sampling.compute_dtype == "float32"
    out = model(BINARY[:4])
    out = {**out, **model.decoder_params(out["z"])}
    assert {keras.backend.standardize_dtype(out[k].dtype) for k in ("mean", "log_var", "z", "logits")} == {"float32"}
    terms = model.loss_terms_per_example(BINARY[:4], out)
    assert {keras.backend.standardize_dtype(v.dtype) for v in terms.values()} == {"float32"}


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_float16_with_loss_scaling(policy):
    # an MLP: PyTorch's CPU kernels have no float16 convolution gradient
    # ("slow_conv2d: grad_weight must be contiguous"); float16 is for GPUs
    model, logs = _fit(lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY.reshape(32, -1))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert all(np.isfinite(v) for v in logs.values()), logs


def test_extreme_log_variances_and_logits_give_finite_losses_and_gradients():
    mean = np.zeros((4, 3), "float32")
    x = (RNG.uniform(size=(4, 5)) > 0.5).astype("float32")
    for log_var in (-50.0, 50.0):
        def elbo_loss(lv):
            posterior = Normal(keras.ops.convert_to_tensor(mean), lv)
            z = posterior.sample(seed=0)
            logits = 100.0 * keras.ops.tanh(keras.ops.sum(z, axis=-1, keepdims=True)) * keras.ops.ones((1, 5))
            bundle = objectives.Bundle(
                x=x, posterior=posterior, z=z[None],
                log_px_z=Bernoulli(logits[None], event_ndims=1).log_prob(x[None]),
                prior=_standard_normal(), kl_weight=1.0)
            return objectives.ELBO()(bundle)["loss"]

        lv = np.full((4, 3), log_var, "float32")
        assert np.all(np.isfinite(to_numpy(elbo_loss(keras.ops.convert_to_tensor(lv)))))
        assert np.all(np.isfinite(gradient(elbo_loss, lv)))
    for logit in (-100.0, 100.0):
        logits = np.full((2, 5), logit, "float32")
        log_p = lambda t: Bernoulli(t, event_ndims=1).log_prob(x[:2])  # noqa: E731
        assert np.all(np.isfinite(to_numpy(log_p(keras.ops.convert_to_tensor(logits)))))
        assert np.all(np.isfinite(gradient(log_p, logits)))
    # the IWAE bound's log-mean-exp with log-weights thousands of nats apart
    log_w = np.array([[-5000.0], [0.0], [-1e4]], "float32")
    bound = objectives.iwae_bound(log_w, np.zeros_like(log_w), np.zeros_like(log_w))
    np.testing.assert_allclose(to_numpy(bound), [-np.log(3.0)], rtol=1e-6)
    assert np.all(np.isfinite(gradient(lambda t: objectives.iwae_bound(t, 0.0 * t, 0.0 * t), log_w)))


def _standard_normal():
    from keras_vi import priors

    prior = priors.StandardNormal()
    prior.bind(zoo.VAE(latent_dim=3))
    return prior
