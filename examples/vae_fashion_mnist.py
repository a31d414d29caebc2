"""
Title: Variational autoencoder on Fashion-MNIST, on any backend
Author: keras_vi developers
Date created: 2026/11/24
Last modified: 2026/11/24
Description: Train a VAE on Fashion-MNIST with keras_vi, then sample, reconstruct and export it.
Accelerator: None
"""

"""
## Introduction

This tutorial trains a variational autoencoder (Kingma and Welling, 2014) on
Fashion-MNIST. Unlike the TensorFlow-only keras.io example, no training loop is
written here: `keras_vi.zoo.VAE` keeps its loss in `compute_loss`, so the same
script runs with `KERAS_BACKEND=tensorflow`, `jax` or `torch`.

The model maximizes the evidence lower bound (ELBO):

    log p(x) >= E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z)),

with a Gaussian encoder q(z|x) (a mean and a log-variance head), a standard
normal prior p(z) and a Bernoulli decoder p(x|z) over pixel intensities.

Run it with the directory that holds the Fashion-MNIST IDX files:

    python examples/vae_fashion_mnist.py --data-dir ../shared/data --epochs 10
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

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import keras_vi  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--latent-dim", type=int, default=2)
parser.add_argument("--out", default="fashion_mnist_vae")
parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
args = parser.parse_args()
keras.utils.set_random_seed(0)  # Python, NumPy and the backend
os.makedirs(args.out, exist_ok=True)

"""
## Data

`keras_vi.datasets.load` reads the original IDX files (checking their md5) and
scales the pixels to [0, 1]. A Bernoulli likelihood needs exactly that range.
"""

x_train = keras_vi.datasets.load("fashion_mnist", split="train", data_dir=args.data_dir)
x_test, y_test = keras_vi.datasets.load(
    "fashion_mnist", split="test", data_dir=args.data_dir, with_labels=True
)
if args.smoke:
    x_train, x_test, y_test, args.epochs = x_train[:512], x_test[:256], y_test[:256], 1
print("train:", x_train.shape, "test:", x_test.shape)

"""
## The model

With no encoder or decoder given, `VAE` builds a small conv net for 28x28
images from the first batch it sees. A two-dimensional latent space can be
drawn directly, which we do below.
"""

vae = keras_vi.zoo.VAE(latent_dim=args.latent_dim, seed=0)
vae.compile(optimizer=keras.optimizers.Adam(1e-3))

"""
## Training

`fit` logs the loss (the negative ELBO) and its parts, in nats per image:
`reconstruction` = E_q[log p(x|z)], `kl` and `elbo` = reconstruction - kl.
"""

history = vae.fit(x_train, epochs=args.epochs, batch_size=128, verbose=2)
test_logs = vae.evaluate(x_test, batch_size=256, verbose=0, return_dict=True)
print({k: round(v, 2) for k, v in test_logs.items()})

"""
## Samples and reconstructions

`sample` draws z ~ p(z) and decodes it; `reconstruct` decodes the posterior
mean of each test image.
"""

keras_vi.plotting.plot_samples(vae, os.path.join(args.out, "samples.png"), n=64)
keras_vi.plotting.plot_reconstructions(vae, x_test, os.path.join(args.out, "reconstructions.png"))
keras_vi.plotting.plot_history(history, os.path.join(args.out, "history.png"))

"""
## The latent space

Each test image is placed at the mean of q(z|x), coloured by its class. The
classes (T-shirt, trouser, ..., ankle boot) form regions although the model
never saw a label.
"""

z_mean, _ = vae.encode(x_test)
z_mean = keras.ops.convert_to_numpy(z_mean)
fig, ax = plt.subplots(figsize=(6, 5))
points = ax.scatter(z_mean[:, 0], z_mean[:, 1], c=y_test, cmap="tab10", s=2)
fig.colorbar(points, ax=ax, label="class")
ax.set_xlabel("z[0]")
ax.set_ylabel("z[1]")
fig.savefig(os.path.join(args.out, "latent_space.png"), dpi=100)
plt.close(fig)

"""
## Save, reload and export

A `.keras` file reloads on any backend. `export` writes a TF SavedModel with
`encode`, `decode`, `sample` and `serve` endpoints (TensorFlow and JAX; on
torch, reload the `.keras` file under TensorFlow to export).
"""

path = os.path.join(args.out, "vae.keras")
vae.save(path)
reloaded = keras.saving.load_model(path)
np.testing.assert_allclose(
    keras.ops.convert_to_numpy(reloaded.reconstruct(x_test[:8])),
    keras.ops.convert_to_numpy(vae.reconstruct(x_test[:8])),
    rtol=1e-5,
    atol=1e-6,
)
if keras.backend.backend() in ("tensorflow", "jax"):
    vae.export(os.path.join(args.out, "saved_model"), verbose=False)
print("wrote", sorted(os.listdir(args.out)))
