"""The VQ-VAE with a PixelCNN prior over its codes."""

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Bernoulli
from keras_vi.layers import VectorQuantizer
from keras_vi.layers.vector_quantizer import codebook_usage, perplexity
from keras_vi.utils import check_choice, check_data, check_positive_int, sum_of_losses
from keras_vi.zoo import networks
from keras_vi.zoo.pixel_cnn import PixelCNN


@keras_vi_export("keras_vi.zoo.VQVAE")
class VQVAE(keras.Model):
    """Vector-quantized autoencoder; a PixelCNN prior over the codes generates.

    The encoder maps an image to an (H/4, W/4) grid of vectors z_e; a
    `VectorQuantizer` replaces each by its nearest code; the decoder maps the
    codes back. Training minimizes -log p(x|z_q) (Bernoulli) or the squared
    error (Gaussian with unit variance, up to a constant) plus the quantizer's
    codebook and commitment losses, through the straight-through estimator;
    `perplexity` and `codebook_usage` of the batch's codes are logged. The
    prior is not learned with the autoencoder: `fit_prior` trains a PixelCNN
    on the code grids of the data, and `sample` draws codes from it and
    decodes them. The prior is part of the model, so `.keras` files keep it.

    Args:
        num_embeddings: codebook size K.
        embedding_dim: code size D.
        commitment_cost: beta of the commitment loss.
        ema_decay: None, or e.g. 0.99 for EMA codebook updates.
        likelihood: `"bernoulli"` (data in [0, 1]) or `"gaussian"`.
        filters: channels of the two stride-2 conv stages.
        prior_layers, prior_filters: size of the PixelCNN prior.
        seed: int or None.

    Reference:
        van den Oord, Vinyals and Kavukcuoglu, Neural Discrete Representation
        Learning, NeurIPS 2017.
    """

    def __init__(
        self,
        num_embeddings=64,
        embedding_dim=16,
        commitment_cost=0.25,
        ema_decay=None,
        likelihood="bernoulli",
        filters=(32, 64),
        prior_layers=5,
        prior_filters=64,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.likelihood = check_choice(likelihood, "likelihood", ("bernoulli", "gaussian"))
        self.filters = tuple(check_positive_int(f, "filters") for f in filters)
        self.seed = seed
        self.quantizer = VectorQuantizer(
            num_embeddings, embedding_dim, commitment_cost=commitment_cost,
            ema_decay=ema_decay, seed=seed, name="quantizer",
        )
        self.prior = PixelCNN(
            num_embeddings, num_layers=prior_layers, filters=prior_filters, seed=seed, name="prior"
        )
        self.prior.trainable = False  # trained by fit_prior only
        self.prior_fitted = keras.Variable(0.0, trainable=False, name="prior_fitted")
        self.encoder = None
        self.decoder = None
        self.data_shape = None
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("reconstruction", "vq_loss", "perplexity", "codebook_usage")
        }

    num_embeddings = property(lambda self: self.quantizer.num_embeddings)
    embedding_dim = property(lambda self: self.quantizer.embedding_dim)

    def build(self, input_shape):
        self.data_shape = networks._check_data_shape(input_shape[1:])
        self.encoder = networks.build_grid_encoder(self.data_shape, self.embedding_dim, self.filters)
        self.grid_shape = tuple(self.encoder.output.shape[1:3])
        self.decoder = networks.build_grid_decoder(
            self.data_shape, self.grid_shape, self.embedding_dim, self.filters
        )
        self.quantizer.build((None, *self.grid_shape, self.embedding_dim))
        self.prior.build((None, *self.grid_shape))
        self.built = True

    def _check_shape(self, x):
        if self.data_shape is not None and tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                f"`x` must have shape (batch, {', '.join(map(str, self.data_shape))}), "
                f"got shape {tuple(x.shape)}."
            )

    def call(self, x, training=False):
        x = ops.cast(x, self.compute_dtype)
        self._check_shape(x)
        z_e = self.encoder(x, training=training)
        z_q, indices = self.quantizer(z_e, training=training, return_indices=True)
        return {"z_e": z_e, "indices": indices, "output": self.decoder(z_q, training=training)}

    def _reconstruction(self, x, output):
        """Per-example log p(x|z_q) (Bernoulli) or -1/2 squared error (Gaussian)."""
        x = ops.cast(x, self.compute_dtype)
        axes = tuple(range(1, len(self.data_shape) + 1))
        if self.likelihood == "bernoulli":
            return Bernoulli(output, event_ndims=len(self.data_shape)).log_prob(x)
        return -0.5 * ops.sum(ops.square(x - output), axis=axes)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        del y
        reconstruction = self._reconstruction(x, y_pred["output"])
        vq_loss = sum_of_losses(self.losses)
        k = self.num_embeddings
        updates = {
            "reconstruction": reconstruction,
            "vq_loss": vq_loss,
            "perplexity": perplexity(y_pred["indices"], k),
            "codebook_usage": codebook_usage(y_pred["indices"], k),
        }
        for name, value in updates.items():
            self.trackers[name].update_state(value)
        return -ops.mean(reconstruction) + vq_loss

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` after eager checks of NumPy `x`; compiles if needed."""
        if isinstance(x, np.ndarray):
            check_data(x, "x", expected_shape=self.data_shape,
                       unit_interval=self.likelihood == "bernoulli")
        if not self.compiled:
            self.compile(optimizer=keras.optimizers.Adam(1e-3))
        return super().fit(x, y, **kwargs)

    def encode_indices(self, x, batch_size=256):
        """Code indices of each image: (batch, H/4, W/4) int32 NumPy array."""
        x = np.asarray(x, np.float32)
        out = []
        for start in range(0, len(x), batch_size):
            z_e = self.encoder(x[start : start + batch_size])
            out.append(ops.convert_to_numpy(self.quantizer.indices(z_e)).astype(np.int32))
        return np.concatenate(out)

    def decode_indices(self, indices):
        """Images (pixel probabilities or means) from code indices."""
        output = self.decoder(self.quantizer.lookup(indices))
        return ops.sigmoid(output) if self.likelihood == "bernoulli" else output

    def reconstruct(self, x):
        """Decodes the quantized code of each image."""
        return self.decode_indices(self.encode_indices(x))

    def fit_prior(self, x, epochs=10, batch_size=64, **kwargs):
        """Trains the PixelCNN prior on the codes of images `x`; returns its history."""
        codes = self.encode_indices(x)
        self.prior.trainable = True
        try:
            if not self.prior.compiled:
                self.prior.compile(optimizer=keras.optimizers.Adam(1e-3))
            history = self.prior.fit(codes, epochs=epochs, batch_size=batch_size, **kwargs)
        finally:
            self.prior.trainable = False
        self.prior_fitted.assign(1.0)
        return history

    def prior_bits_per_dim(self, x):
        """The prior's -log2 p(codes) / (h * w) for each image's codes."""
        return self.prior.bits_per_dim(self.encode_indices(x))

    def sample(self, num_samples, seed=None):
        """Codes from the PixelCNN prior, decoded: (num_samples, *data_shape)."""
        if float(ops.convert_to_numpy(self.prior_fitted)) != 1.0:
            raise ValueError("The prior is not trained: call `fit_prior(x)` before `sample`.")
        return self.decode_indices(self.prior.sample(num_samples, seed=seed))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_embeddings": self.num_embeddings,
                "embedding_dim": self.embedding_dim,
                "commitment_cost": self.quantizer.commitment_cost,
                "ema_decay": self.quantizer.ema_decay,
                "likelihood": self.likelihood,
                "filters": list(self.filters),
                "prior_layers": self.prior.num_layers,
                "prior_filters": self.prior.filters,
                "seed": self.seed,
            }
        )
        return config
