"""The benchmarks' VAE and IWAE written as a plain `keras.Model` with `compute_loss`: no keras_vi.

What a Keras user would write by hand from keras.io's VAE example: the same
encoder and decoder (keras_vi's default networks, cloned with their weights),
the reparameterization with `keras.random.normal`, the Bernoulli
log-likelihood from logits, the closed-form KL (k = 1) or the IWAE bound
(k > 1), the mean over the batch. Trained by Keras' own `fit`, it measures
what keras_vi adds on top of Keras (keras_vi's `fit` time over this one's).
"""

import math

import keras
from keras import ops


class PlainVAE(keras.Model):
    """z ~ q(z|x) by reparameterization; loss -ELBO (k = 1) or -IWAE bound (k > 1), per-batch mean."""

    def __init__(self, encoder, decoder, num_samples=1, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.num_samples = num_samples
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, x, training=False):
        mean, log_var = self.encoder(x, training=training)
        eps = keras.random.normal((self.num_samples, *ops.shape(mean)), seed=self.seed_generator)
        return mean, log_var, eps

    def loss_for_noise(self, x, mean, log_var, eps):
        """The batch's mean loss for given noise eps (k, batch, latent)."""
        k = ops.shape(eps)[0]
        z = mean[None] + ops.exp(0.5 * log_var)[None] * eps
        logits = self.decoder(ops.reshape(z, (-1, ops.shape(z)[-1])))
        logits = ops.reshape(logits, (k, -1, *ops.shape(x)[1:]))
        axes = tuple(range(2, len(logits.shape)))
        # log Bernoulli(x | sigmoid(logits)) = x * logits - softplus(logits)
        log_px_z = ops.sum(x[None] * logits - ops.softplus(logits), axis=axes)
        if self.num_samples == 1:
            kl = -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
            return ops.mean(kl - log_px_z[0])
        log_pz = -0.5 * ops.sum(ops.square(z) + math.log(2 * math.pi), axis=-1)
        log_qz_x = -0.5 * ops.sum(ops.square(eps) + log_var[None] + math.log(2 * math.pi), axis=-1)
        log_w = log_px_z + log_pz - log_qz_x
        bound = ops.logsumexp(log_w, axis=0) - math.log(self.num_samples)
        return -ops.mean(bound)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = self.loss_for_noise(x, *y_pred)
        self.loss_tracker.update_state(loss)
        return loss

    @property
    def metrics(self):
        return [self.loss_tracker]


def from_keras_vi(model, jit_compile="auto"):
    """A `PlainVAE` with `model`'s networks (cloned, same weights), compiled with Keras' Adam(1e-3)."""
    networks = []
    for net in (model.encoder, model.decoder):
        clone = keras.models.clone_model(net)
        clone.set_weights(net.get_weights())
        networks.append(clone)
    plain = PlainVAE(*networks, num_samples=model.num_samples)
    plain.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    return plain
