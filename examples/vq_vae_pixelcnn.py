"""
Title: VQ-VAE and a PixelCNN prior: codebook, commitment, straight-through, EMA, sampling
Author: keras_vi developers
Date created: 2026/11/26
Last modified: 2026/12/07
Description: The vector quantizer piece by piece, checked against NumPy, then a trained VQ-VAE on Fashion-MNIST (a bundled preset) with a PixelCNN prior that generates.
Accelerator: None
"""

"""
## Introduction

A VQ-VAE (van den Oord et al., 2017) has a discrete latent: the encoder's
output vectors z_e are each replaced by the nearest of K learned codes. There is
no KL term to balance (with a uniform prior over codes it is the constant
log K), so the autoencoder is trained for reconstruction; a separate
autoregressive prior, a PixelCNN over the grid of code indices, then makes it a
generative model.

We take the quantizer apart first, then load the whole model, trained, from a
bundled preset (or train it here with `--train`). On any backend:

    KERAS_BACKEND=torch python examples/vq_vae_pixelcnn.py --data-dir ../shared/data
    KERAS_BACKEND=tensorflow python examples/vq_vae_pixelcnn.py --data-dir ../shared/data --train
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

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import keras_vi  # noqa: E402
from keras_vi.layers import VectorQuantizer  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
parser.add_argument("--train", action="store_true",
                    help="train the VQ-VAE and its prior here instead of loading the preset")
parser.add_argument("--num-train", type=int, default=20000)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--prior-epochs", type=int, default=10)
parser.add_argument("--out", default="vq_vae_pixelcnn")
parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
args = parser.parse_args()
keras.utils.set_random_seed(0)  # Python, NumPy and the backend
os.makedirs(args.out, exist_ok=True)
rng = np.random.default_rng(0)
to_numpy = ops.convert_to_numpy

"""
## The codebook: nearest neighbours

`VectorQuantizer(num_embeddings=K, embedding_dim=D)` holds a (K, D) codebook.
Each input vector is mapped to the code at the smallest squared distance. In
two dimensions we can look at it: the codes split the plane into Voronoi cells.
"""

vq = VectorQuantizer(num_embeddings=8, embedding_dim=2, seed=0)
z_e = rng.normal(size=(500, 2)).astype("float32")
z_q, indices = vq(z_e)
codebook = to_numpy(vq.embeddings)
by_hand = np.argmin(((z_e[:, None, :] - codebook[None]) ** 2).sum(-1), axis=1)
print("indices agree with NumPy's argmin:", np.array_equal(to_numpy(indices), by_hand))
assert np.array_equal(to_numpy(z_q), codebook[by_hand])  # the output *is* the code

"""
## The losses: codebook and commitment

The argmin has no gradient, so two squared errors pull the pieces together,
each with a stop-gradient sg:

    ||sg[z_e] − e||²  (moves the codes)  +  β ||z_e − sg[e]||²  (commits the encoder).

Their values are the same squared distance, so the layer's loss is
(1 + β) times the mean squared distance to the chosen codes.
"""

vq_loss = float(to_numpy(vq.losses[0]))
expected = (1 + vq.commitment_cost) * np.mean((z_e - codebook[by_hand]) ** 2)
print(f"quantizer loss {vq_loss:.5f}, (1 + β) · mean squared distance {expected:.5f}")
assert np.isclose(vq_loss, expected, rtol=1e-5)

"""
## Straight-through gradients

The decoder receives sg[e] + (z_e − sg[z_e]): its value is exactly the code e,
its gradient with respect to z_e the identity. The reconstruction's gradient at
the codes is copied to the encoder's output, as if quantization were not there.
We check it on a fresh VQ-VAE below: one epoch moves its encoder's weights, which
could not happen through an argmin alone.

## EMA codebook updates

With `ema_decay=γ`, the codes are not trained by the gradient of the codebook
loss: each training call keeps moving averages of how many vectors each code
won (N_k) and of their sum (m_k), and sets e_k = m_k / N_k (N_k with Laplace
smoothing ε). From zero state, one call with γ = 0.9 gives N_k = 0.1 · n_k and
m_k = 0.1 · Σ z: we recompute it in NumPy.
"""

ema = VectorQuantizer(num_embeddings=8, embedding_dim=2, ema_decay=0.9, dead_code_threshold=0.0, seed=0)
ema.build((None, 2))
before = to_numpy(ema.embeddings)
assigned = np.argmin(((z_e[:, None, :] - before[None]) ** 2).sum(-1), axis=1)
ema(z_e, training=True)
one_hot = np.eye(8)[assigned]
cluster = 0.1 * one_hot.sum(0)
n, eps = cluster.sum(), ema.epsilon
expected = 0.1 * one_hot.T @ z_e / ((cluster + eps) / (n + 8 * eps) * n)[:, None]
print("EMA codebook matches NumPy:", np.allclose(to_numpy(ema.embeddings), expected, atol=1e-5))
assert np.allclose(to_numpy(ema.embeddings), expected, atol=1e-5)

fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(z_e[:, 0], z_e[:, 1], c=by_hand, cmap="tab10", s=6)
ax.scatter(codebook[:, 0], codebook[:, 1], c="k", marker="x", s=80, label="codes (initial)")
ax.scatter(expected[:, 0], expected[:, 1], c="r", marker="+", s=120, label="codes after one EMA step")
ax.legend(loc="lower right")
ax.set_title("Nearest-code assignment")
fig.savefig(os.path.join(args.out, "codebook.png"), dpi=100, bbox_inches="tight")
plt.close(fig)

"""
## A VQ-VAE on Fashion-MNIST

`keras_vi.zoo.VQVAE` puts the quantizer between a conv encoder (28x28 -> a 7x7
grid of D-dimensional vectors) and a conv decoder, with a Bernoulli likelihood
on the pixels and EMA codes. It logs the reconstruction, the quantizer's
loss, the perplexity of the codes used in a batch and the share of the codebook
in use.

First the straight-through check: one epoch of a fresh model on 512 images.
"""

x_train = keras_vi.datasets.load("fashion_mnist", split="train", data_dir=args.data_dir)[: args.num_train]
x_test = keras_vi.datasets.load("fashion_mnist", split="test", data_dir=args.data_dir)[:2000]
if args.smoke:
    x_train, x_test, args.epochs, args.prior_epochs = x_train[:256], x_test[:64], 1, 1

fresh = keras_vi.zoo.VQVAE(num_embeddings=64, embedding_dim=16, ema_decay=0.99, seed=0)
fresh.build((None, 28, 28))
encoder_before = [to_numpy(w) for w in fresh.encoder.weights]
fresh.fit(x_train[:512], epochs=1, batch_size=64, verbose=0)
moved = max(np.abs(to_numpy(w) - b).max() for w, b in zip(fresh.encoder.weights, encoder_before))
print(f"largest change of an encoder weight: {moved:.3g} (straight-through gradients reached it)")
assert moved > 0

"""
A useful model trains for longer: the results card's (`zoo/vq_vae/README.md`)
saw the 60,000 training images for 10 epochs, then fitted its prior for 10, about
half an hour on a 2-core CPU. It ships as the preset `vq_vae_fashion_mnist`
(trained by `zoo/vq_vae/recipe_preset.sh`), which loads in a second on any
backend. With `--train` this script trains one instead, on `--num-train` images
for `--epochs` and `--prior-epochs`.
"""

if args.train:
    model = keras_vi.zoo.VQVAE(num_embeddings=64, embedding_dim=16, ema_decay=0.99, seed=0)
    model.fit(x_train, epochs=args.epochs, batch_size=64, verbose=2)
else:
    model = keras_vi.zoo.VQVAE.from_preset("vq_vae_fashion_mnist")
    model.compile()  # a preset keeps no optimizer; `evaluate` needs a compiled model
print("test:", {k: round(v, 3) for k, v in model.evaluate(x_test, verbose=0, return_dict=True).items()})

"""
## The PixelCNN prior, and sampling

The autoencoder alone cannot generate: we need p(codes). `fit_prior` encodes
the training images to their 7x7 index grids and fits a PixelCNN, an
autoregressive model p(c) = Π_i p(c_i | c_<i) with masked convolutions (the
preset's prior is fitted already). `sample` draws a grid index by index from it
and decodes it.
"""

if args.train:
    model.fit_prior(x_train, epochs=args.prior_epochs, verbose=2)
print(f"prior: {float(np.mean(to_numpy(model.prior_bits_per_dim(x_test)))):.3f} bits per code on test images "
      f"(uniform: {np.log2(64):.0f})")
keras_vi.plotting.plot_samples(model, os.path.join(args.out, "samples.png"), n=64)
keras_vi.plotting.plot_reconstructions(model, x_test, os.path.join(args.out, "reconstructions.png"))

codes = to_numpy(model.encode_indices(x_test))
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(np.arange(64), np.bincount(codes.ravel(), minlength=64))
ax.set_xlabel("code")
ax.set_ylabel("uses on test images")
fig.savefig(os.path.join(args.out, "codebook_usage.png"), dpi=100, bbox_inches="tight")
plt.close(fig)

"""
## Save and reload

The prior is part of the model: the `.keras` file keeps both, on any backend.
"""

path = os.path.join(args.out, "vq_vae.keras")
model.save(path)
reloaded = keras.saving.load_model(path)
print("same codes after reload:",
      np.array_equal(to_numpy(reloaded.encode_indices(x_test[:16])), codes[:16]))
print("wrote", sorted(os.listdir(args.out)))
