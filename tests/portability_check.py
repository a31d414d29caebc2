"""Saves every zoo model as .keras under one backend, or loads the files of every backend.

Run by tests/test_portability.py, under TensorFlow and JAX in a fresh process (and
imported by the PyTorch suite's own process for PyTorch's part):

    KERAS_BACKEND=jax python tests/portability_check.py save DIR   # DIR/jax/NAME.keras + outputs
    KERAS_BACKEND=torch python tests/portability_check.py load DIR # compares, prints JSON
"""

import json
import os
import sys

import keras
import numpy as np

from keras_vi import zoo

BACKEND = keras.backend.backend()
RNG = np.random.default_rng(0)
BINARY = (RNG.uniform(size=(16, 8, 8)) > 0.5).astype("float32")
PIXELS = RNG.integers(0, 256, size=(16, 8, 8)).astype("float32")
VECTORS = RNG.normal(size=(16, 3)).astype("float32")
Z = RNG.normal(size=(4, 2)).astype("float32")

# name: (constructor, training data, {output: function of the model})
MODELS = {
    "vae": (lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "beta_vae_vamp_prior": (lambda: zoo.BetaVAE(latent_dim=2, beta=2.0, prior="vamp_prior", hidden_units=(16,),
                                                seed=0), BINARY),
    "iwae": (lambda: zoo.IWAE(latent_dim=2, num_samples=3, hidden_units=(16,), seed=0), BINARY),
    "beta_tc_vae": (lambda: zoo.BetaTCVAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "factor_vae": (lambda: zoo.FactorVAE(latent_dim=2, hidden_units=(16,), discriminator_units=(8,), seed=0),
                   BINARY),
    "vae_variational_dequantization": (
        lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), likelihood="gaussian",
                        dequantization="variational", seed=0), PIXELS),
    "vq_vae": (lambda: zoo.VQVAE(num_embeddings=8, embedding_dim=4, ema_decay=0.9, filters=(8, 8),
                                 prior_layers=1, prior_filters=8, seed=0), BINARY[..., None]),
    "pixel_cnn": (lambda: zoo.PixelCNN(num_classes=2, num_layers=2, filters=8, seed=0), BINARY.astype("int32")),
    "gaussian_mixture": (lambda: zoo.GaussianMixture(2, covariance="full", seed=0), VECTORS),
    "real_nvp": (lambda: zoo.RealNVP(num_scales=1, num_steps=1, filters=8, dequantization="variational",
                                     seed=0), PIXELS),
}


def outputs(name, model, x):
    """The deterministic outputs compared across backends."""
    if name == "gaussian_mixture":
        out = {"log_prob": model.log_prob(x)}
    elif name == "pixel_cnn":
        out = {"log_prob": model.log_prob(x)}
    elif name == "real_nvp":
        out = {"encode": model.encode(x)}
    else:
        out = {"reconstruct": model.reconstruct(x)}
        if hasattr(model, "decode") and name != "vq_vae":
            out["decode"] = model.decode(Z)
    return {k: np.asarray(keras.ops.convert_to_numpy(v), "float64") for k, v in out.items()}


def save(directory):
    folder = os.path.join(directory, BACKEND)
    os.makedirs(folder, exist_ok=True)
    for name, (make, x) in MODELS.items():
        keras.utils.set_random_seed(0)
        model = make()
        model.fit(x, epochs=1, batch_size=8, verbose=0)  # trained weights and optimizer state
        if hasattr(model, "fit_prior"):
            model.fit_prior(x, epochs=1, verbose=0)
        model.save(os.path.join(folder, f"{name}.keras"))
        np.savez(os.path.join(folder, f"{name}.npz"), **outputs(name, model, x))


def load(directory):
    """Loads the files the other backends saved (a backend's own reload: tests/test_conformance.py)."""
    report = {}
    for saved_under in sorted(set(os.listdir(directory)) - {BACKEND}):
        for name, (_, x) in MODELS.items():
            model = keras.saving.load_model(os.path.join(directory, saved_under, f"{name}.keras"))
            expected = np.load(os.path.join(directory, saved_under, f"{name}.npz"))
            got = outputs(name, model, x)
            report[f"{saved_under}->{BACKEND}/{name}"] = {
                key: float(np.max(np.abs(got[key] - expected[key]) / (1.0 + np.abs(expected[key]))))
                for key in expected.files
            }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"save": save, "load": load}[sys.argv[1]](sys.argv[2])
