"""
Title: A VAE from scratch in keras.ops, then the same model from keras_vi.zoo
Author: keras_vi developers
Date created: 2026/11/26
Last modified: 2026/11/26
Description: The ELBO, a log-variance head, the reparameterization trick and the closed-form KL, written by hand on any backend, checked, then replaced by one line.
Accelerator: None
"""

"""
## Introduction

This tutorial follows the lecture's sections 6.3 and 6.4. We write a
variational autoencoder by hand, with nothing but `keras.ops` and a
`compute_loss` method, so the same code trains on TensorFlow, JAX and PyTorch
(no `tf.GradientTape`). We check each piece against an independent
computation, and then build the same model with `keras_vi.zoo.VAE`.

The model: a prior p(z) = N(0, I), a decoder p(x|z) = Bernoulli(σ(f(z))) over
the pixels, and an encoder q(z|x) = N(μ(x), diag(exp(log σ²(x)))). Since log p(x)
is intractable, we maximize the evidence lower bound

    ELBO(x) = E_q(z|x)[log p(x|z)] − KL(q(z|x) || p(z))  ≤  log p(x).

    KERAS_BACKEND=torch python examples/vae_from_scratch_to_zoo.py
"""

"""
## Setup
"""

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402
from scipy import stats  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import keras_vi  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--latent-dim", type=int, default=8)
parser.add_argument("--out", default="vae_from_scratch")
parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
args = parser.parse_args()
keras.utils.set_random_seed(0)  # Python, NumPy and the backend
os.makedirs(args.out, exist_ok=True)

"""
## Data

The 8x8 digits that ship with scikit-learn: no download. We binarize them once
(each pixel 0 or 1, drawn with its grey level as probability), so a Bernoulli
log p(x|z) is a log-probability and the ELBO is in nats.
"""

x_train = keras_vi.datasets.load("digits", split="train", binarize="static", seed=0)
x_test = keras_vi.datasets.load("digits", split="test", binarize="static", seed=1)
if args.smoke:
    x_train, x_test, args.epochs = x_train[:256], x_test[:64], 1
print("train:", x_train.shape, "test:", x_test.shape)

"""
## The encoder: a mean head and a log-variance head

The encoder outputs log σ², not σ: any real number is a valid log-variance, so
no constraint is needed and the KL below stays a smooth function of it.
"""

latent_dim = args.latent_dim


def make_encoder():
    x = keras.Input((8, 8))
    h = keras.layers.Dense(128, activation="relu")(keras.layers.Flatten()(x))
    return keras.Model(x, [keras.layers.Dense(latent_dim)(h), keras.layers.Dense(latent_dim)(h)],
                       name="encoder")


def make_decoder():
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(128, activation="relu")(z)
    return keras.Model(z, keras.layers.Reshape((8, 8))(keras.layers.Dense(64)(h)), name="decoder")


"""
## The KL term in closed form, checked by Monte Carlo

For q = N(μ, diag σ²) and p = N(0, I),

    KL(q || p) = ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²).

It is an expectation, E_q[log q(z) − log p(z)], so a Monte Carlo average over
draws of z must agree with it up to its standard error.
"""


def kl_closed_form(mean, log_var):
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


rng = np.random.default_rng(0)
mean, log_var = rng.normal(size=latent_dim), rng.normal(scale=0.5, size=latent_dim)
z = mean + np.exp(log_var / 2) * rng.normal(size=(200_000, latent_dim))
log_ratio = (stats.norm(mean, np.exp(log_var / 2)).logpdf(z) - stats.norm().logpdf(z)).sum(axis=1)
exact = float(ops.convert_to_numpy(kl_closed_form(ops.convert_to_tensor(mean[None], "float32"),
                                                  ops.convert_to_tensor(log_var[None], "float32")))[0])
monte_carlo, standard_error = log_ratio.mean(), log_ratio.std() / np.sqrt(len(log_ratio))
print(f"KL closed form {exact:.4f}, Monte Carlo {monte_carlo:.4f} ± {standard_error:.4f}")
assert abs(exact - monte_carlo) < 4 * standard_error
library = keras_vi.objectives.kl_normal_standard_normal(mean[None].astype("float32"),
                                                        log_var[None].astype("float32"))
assert np.isclose(float(ops.convert_to_numpy(library)[0]), exact, rtol=1e-5)

running = np.cumsum(log_ratio) / np.arange(1, len(log_ratio) + 1)
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.semilogx(np.arange(1, len(running) + 1), running, label="Monte Carlo mean")
ax.axhline(exact, color="k", linestyle="--", label="closed form")
ax.set_xlabel("draws of z")
ax.set_ylabel("KL (nats)")
ax.legend()
fig.savefig(os.path.join(args.out, "kl_monte_carlo.png"), dpi=100, bbox_inches="tight")
plt.close(fig)

"""
## The model, by hand

Three pieces make the loss:

1. **Reparameterization.** z = μ + exp(½ log σ²) · ε with ε ~ N(0, I): the
   randomness is in ε, so z is a differentiable function of the encoder's
   outputs and gradients flow through the sample.
2. **Reconstruction.** log p(x|z) for a Bernoulli with logits l is
   Σ_d x_d l_d − softplus(l_d), a sum over the 64 pixels.
3. **KL.** The closed form above.

`compute_loss` returns the negative ELBO averaged over the batch; Keras' `fit`
differentiates it on whichever backend runs.
"""


class ScratchVAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.seed_generator = keras.random.SeedGenerator(0)
        self.trackers = {name: keras.metrics.Mean(name) for name in ("reconstruction", "kl", "elbo")}

    def call(self, x):
        mean, log_var = self.encoder(x)
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * log_var) * eps
        return mean, log_var, self.decoder(z)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        mean, log_var, logits = y_pred
        reconstruction = ops.sum(x * logits - ops.softplus(logits), axis=(1, 2))
        kl = kl_closed_form(mean, log_var)
        elbo = reconstruction - kl
        for name, value in (("reconstruction", reconstruction), ("kl", kl), ("elbo", elbo)):
            self.trackers[name].update_state(value)
        return -ops.mean(elbo)

    @property
    def metrics(self):
        return [*super().metrics, *self.trackers.values()]


scratch = ScratchVAE(make_encoder(), make_decoder())
scratch.compile(optimizer=keras.optimizers.Adam(1e-3))
scratch.fit(x_train, epochs=args.epochs, batch_size=64, verbose=0)
scratch_test = scratch.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
print("from scratch, test:", {k: round(v, 2) for k, v in scratch_test.items()})

"""
## The zoo's VAE computes the same ELBO

`keras_vi.zoo.VAE` takes our two networks as they are. Wrapped around the
*trained* scratch networks, its KL must equal ours exactly (both are closed
forms of the same encoder outputs) and its reconstruction term must agree up
to Monte Carlo noise (each draws its own ε).
"""

check = keras_vi.zoo.VAE(latent_dim, encoder=scratch.encoder, decoder=scratch.decoder)
check.compile()
check_test = check.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
mean, log_var = scratch.encoder(x_test)
hand_kl = float(ops.convert_to_numpy(ops.mean(kl_closed_form(mean, log_var))))
print(f"KL: by hand {hand_kl:.4f}, zoo {check_test['kl']:.4f}; reconstruction: by hand "
      f"{scratch_test['reconstruction']:.2f}, zoo {check_test['reconstruction']:.2f}")
assert np.isclose(check_test["kl"], hand_kl, rtol=1e-4)

"""
## The same model in one line

A fresh `VAE` with fresh networks of the same shape, trained the same way:
the loss, the metrics, `sample`, `encode`, `decode`, saving and export come
with it. (Without `encoder` and `decoder`, it builds default networks from
the first batch.)
"""

vae = keras_vi.zoo.VAE(latent_dim, encoder=make_encoder(), decoder=make_decoder(), seed=0)
history = vae.fit(x_train, epochs=args.epochs, batch_size=64, verbose=0)
zoo_test = vae.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
print("zoo, test:", {k: round(v, 2) for k, v in zoo_test.items()})

"""
## Pictures

Samples: z ~ N(0, I) decoded by each model (the scratch model's by hand: the
Bernoulli means σ(l)); reconstructions of held-out digits by the zoo model.
"""

z = keras.random.normal((64, latent_dim), seed=1)
scratch_samples = ops.convert_to_numpy(ops.sigmoid(scratch.decoder(z)))
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, images, title in ((axes[0], scratch_samples, "from scratch"),
                          (axes[1], vae.decode(z), "keras_vi.zoo.VAE")):
    ax.imshow(keras_vi.plotting.image_grid(images), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"Samples, {title}")
    ax.axis("off")
fig.savefig(os.path.join(args.out, "samples.png"), dpi=100, bbox_inches="tight")
plt.close(fig)
keras_vi.plotting.plot_reconstructions(vae, x_test, os.path.join(args.out, "reconstructions.png"))
keras_vi.plotting.plot_history(history, os.path.join(args.out, "history.png"))
print("wrote", sorted(os.listdir(args.out)))
