"""A linear-Gaussian latent model: an oracle with an exact log p(x).

z ~ N(0, I_d), x = W z + b + sigma * eps. The marginal is
N(x; b, W W^T + sigma^2 I) and the posterior is Gaussian. When the columns of W
are orthogonal the posterior covariance, (I + W^T W / sigma^2)^-1, is diagonal,
so a keras_vi encoder (a diagonal Gaussian) can represent it exactly: then
every importance weight equals p(x) and the ELBO equals log p(x).
"""

import math

import keras
import numpy as np

from keras_vi.zoo import VAE


class LinearGaussianOracle:
    """Builds a keras_vi VAE that *is* a linear-Gaussian model, with exact answers.

    Args:
        weights: (data_dim, latent_dim) W with orthogonal columns.
        bias: (data_dim,) b.
        sigma: observation noise (> 0).
        posterior_shift: 0.0 gives the exact posterior as the encoder; a
            non-zero value shifts its means and log-variances by that much,
            giving an approximate posterior (for bounds that are not tight).

    Attributes:
        model: the `keras_vi.zoo.VAE` (Gaussian likelihood) with these weights.
    """

    def __init__(self, weights, bias, sigma, posterior_shift=0.0):
        w = np.asarray(weights, dtype=np.float64)
        gram = w.T @ w
        if not np.allclose(gram, np.diag(np.diag(gram)), atol=1e-8):
            raise ValueError("`weights` must have orthogonal columns (W^T W diagonal).")
        if sigma <= 0:
            raise ValueError(f"`sigma` must be > 0, got {sigma}.")
        self.weights, self.bias, self.sigma = w, np.asarray(bias, np.float64), float(sigma)
        data_dim, latent_dim = w.shape
        post_var = 1.0 / (1.0 + np.diag(gram) / sigma**2)
        enc_kernel = w * post_var / sigma**2  # (data_dim, latent_dim)

        x = keras.Input((data_dim,))
        enc_mean = keras.layers.Dense(latent_dim, name="mean")
        enc_log_var = keras.layers.Dense(latent_dim, name="log_var")
        encoder = keras.Model(x, [enc_mean(x), enc_log_var(x)], name="encoder")
        z = keras.Input((latent_dim,))
        dec_mean = keras.layers.Dense(data_dim, name="x_mean")
        dec_log_var = keras.layers.Dense(data_dim, name="x_log_var")
        decoder = keras.Model(z, [dec_mean(z), dec_log_var(z)], name="decoder")

        f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
        enc_mean.set_weights([f32(enc_kernel), f32(-self.bias @ enc_kernel + posterior_shift)])
        enc_log_var.set_weights([np.zeros((data_dim, latent_dim), np.float32),
                                 f32(np.log(post_var) + posterior_shift)])
        dec_mean.set_weights([f32(w.T), f32(self.bias)])
        dec_log_var.set_weights([np.zeros((latent_dim, data_dim), np.float32),
                                 f32(np.full(data_dim, 2 * math.log(sigma)))])
        self.model = VAE(latent_dim, encoder=encoder, decoder=decoder, likelihood="gaussian")
        self.model.build((None, data_dim))

    @classmethod
    def random(cls, data_dim, latent_dim, sigma=0.5, seed=0, **kwargs):
        """An oracle with a random W of orthogonal columns and random b."""
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.normal(size=(data_dim, latent_dim)))
        scales = rng.uniform(0.5, 2.0, size=latent_dim)
        return cls(q * scales, rng.normal(size=data_dim), sigma, **kwargs)

    def sample(self, n, seed=0):
        """Draws n examples x from the model: (n, data_dim) float32."""
        rng = np.random.default_rng(seed)
        z = rng.normal(size=(n, self.weights.shape[1]))
        eps = rng.normal(size=(n, self.weights.shape[0]))
        return (z @ self.weights.T + self.bias + self.sigma * eps).astype(np.float32)

    def log_marginal(self, x):
        """Exact log N(x; b, W W^T + sigma^2 I) per example, float64."""
        x = np.asarray(x, np.float64) - self.bias
        cov = self.weights @ self.weights.T + self.sigma**2 * np.eye(len(self.bias))
        _, logdet = np.linalg.slogdet(cov)
        maha = np.einsum("nd,nd->n", x, np.linalg.solve(cov, x.T).T)
        return -0.5 * (len(self.bias) * math.log(2 * math.pi) + logdet + maha)
