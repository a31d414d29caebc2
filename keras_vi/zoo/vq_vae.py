"""The VQ-VAE with a PixelCNN prior over its codes."""

import keras
import numpy as np
from keras import ops

from keras_vi import likelihoods
from keras_vi.api_export import keras_vi_export
from keras_vi.layers import VectorQuantizer
from keras_vi.layers.vector_quantizer import codebook_usage, perplexity
from keras_vi.utils import check_positive_int
from keras_vi.zoo import networks
from keras_vi.zoo.base import ZooModel
from keras_vi.zoo.pixel_cnn import PixelCNN


@keras_vi_export("keras_vi.zoo.VQVAE")
class VQVAE(ZooModel):
    """Vector-quantized autoencoder; a PixelCNN prior over the codes generates.

    The encoder maps an image to an (H/4, W/4) grid of vectors z_e; a
    `VectorQuantizer` replaces each by its nearest code; the decoder maps the
    codes back. Training minimizes -log p(x|z_q) under the likelihood plus the
    quantizer's codebook and commitment losses, through the straight-through estimator;
    `perplexity` and `codebook_usage` of the batch's codes are logged. The
    prior is not learned with the autoencoder: `fit_prior` trains a PixelCNN
    on the code grids of the data, and `sample` draws codes from it and
    decodes them. The prior is part of the model, so `.keras` files keep it.

    Args:
        num_embeddings: codebook size K.
        embedding_dim: code size D.
        commitment_cost: beta of the commitment loss.
        ema_decay: None, or e.g. 0.99 for EMA codebook updates.
        likelihood: a `keras_vi.likelihoods.Likelihood` or its name
            (`"bernoulli"` for data in [0, 1]; `likelihoods.Gaussian(log_var=0.0)`
            makes the loss a squared error).
        filters: channels of the two stride-2 conv stages.
        prior_layers: number of layers of the PixelCNN prior.
        prior_filters: channels of the PixelCNN prior.
        seed: int or None.

    Reference:
        van den Oord, Vinyals and Kavukcuoglu, Neural Discrete Representation
        Learning, NeurIPS 2017.
    """

    embedding_tables = True  # the codebook

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
        super().__init__(seed=seed, **kwargs)
        self.likelihood = likelihoods.get(likelihood)
        self.filters = tuple(check_positive_int(f, "filters") for f in filters)
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
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("reconstruction", "vq_loss", "perplexity", "codebook_usage")
        }

    num_embeddings = property(lambda self: self.quantizer.num_embeddings)
    embedding_dim = property(lambda self: self.quantizer.embedding_dim)

    def build(self, input_shape):
        self.data_shape = networks.check_data_shape(input_shape[1:])
        self.encoder = networks.build_grid_encoder(
            self.data_shape, self.embedding_dim, self.filters, self.likelihood.input_rescaling
        )
        self.grid_shape = tuple(self.encoder.output.shape[1:3])
        self.decoder = networks.build_grid_decoder(
            self.data_shape, self.grid_shape, self.embedding_dim,
            self.likelihood.param_shapes(self.data_shape), self.filters,
        )
        self.quantizer.build((None, *self.grid_shape, self.embedding_dim))
        self.prior.build((None, *self.grid_shape))
        self.built = True

    def call(self, x, training=False):
        x = ops.cast(x, self.variable_dtype)
        self._check_shape(x)
        z_e = self.encoder(x, training=training)
        z_q, indices = self.quantizer(z_e, training=training)
        # the per-example loss of this step's codes (the gather again: no second search)
        vq_loss = self.quantizer.quantization_loss(z_e, self.quantizer.lookup(indices))
        return {"z_e": z_e, "indices": indices, "output": self.decoder(z_q, training=training),
                "vq_loss": vq_loss}

    def likelihood_distribution(self, output):
        """p(x|z_q) from the decoder's output (a tensor, or a list of them)."""
        output = output if isinstance(output, (list, tuple)) else [output]
        # the likelihood in float32 under mixed precision
        params = {n: ops.cast(o, self.variable_dtype) for n, o in zip(self.likelihood.param_names, output)}
        return self.likelihood.distribution(params, event_ndims=len(self.data_shape))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        del y
        x = ops.cast(x, self.variable_dtype)
        reconstruction = self.likelihood_distribution(y_pred["output"]).log_prob(x)
        # the quantizer's loss from this step's outputs, not `self.losses`: that
        # list is shared by the replicas of a tf.distribute step
        vq_loss = ops.mean(y_pred["vq_loss"])
        k = self.num_embeddings
        updates = {
            "reconstruction": reconstruction,
            "vq_loss": vq_loss,
            "perplexity": perplexity(y_pred["indices"], k),
            "codebook_usage": codebook_usage(y_pred["indices"], k),
        }
        for name, value in updates.items():
            self.trackers[name].update_state(
                value, sample_weight=sample_weight if name == "reconstruction" else None
            )
        return self.replica_loss(self.weighted_loss(-reconstruction, sample_weight) + vq_loss, x)

    def validate_batch(self, batch, name):
        self.likelihood.check_data(batch, name, expected_shape=self.data_shape)

    def encode_indices(self, x, batch_size=256):
        """Code indices of each image: (batch, H/4, W/4) int32 NumPy array."""
        x = np.asarray(x, np.float32)
        out = []
        for start in range(0, len(x), batch_size):
            z_e = self.encoder(x[start : start + batch_size])
            out.append(ops.convert_to_numpy(self.quantizer.indices(z_e)).astype(np.int32))
        return np.concatenate(out)

    def decode_indices(self, indices):
        """Images (the mean of p(x|z_q): pixel probabilities for Bernoulli) from code indices."""
        return self.likelihood_distribution(self.decoder(self.quantizer.lookup(indices))).mean()

    def reconstruct(self, x):
        """Decodes the quantized code of each image."""
        return self.decode_indices(self.encode_indices(x))

    def fit_prior(self, x, epochs=10, batch_size=64, **kwargs):
        """Trains the PixelCNN prior on the codes of images `x`; returns its history."""
        codes = self.encode_indices(x)
        self.prior.trainable = True
        try:
            if not self.prior.compiled:
                self.prior.compile(optimizer=self.prior.default_optimizer(1e-3))
            history = self.prior.fit(codes, epochs=epochs, batch_size=batch_size, **kwargs)
        finally:
            self.prior.trainable = False
        self.prior_fitted.assign(1.0)
        return history

    def prior_bits_per_dim(self, x):
        """The prior's -log2 p(codes) / (h * w) for each image's codes."""
        return self.prior.bits_per_dim(self.encode_indices(x))

    def generate(self, n, seed):
        """Codes from the PixelCNN prior, decoded: (n, *data_shape)."""
        if float(ops.convert_to_numpy(self.prior_fitted)) != 1.0:
            raise ValueError("The prior is not trained: call `fit_prior(x)` before `sample`.")
        return self.decode_indices(self.prior.sample(n, seed=seed))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_embeddings": self.num_embeddings,
                "embedding_dim": self.embedding_dim,
                "commitment_cost": self.quantizer.commitment_cost,
                "ema_decay": self.quantizer.ema_decay,
                "likelihood": likelihoods.serialize(self.likelihood),
                "filters": list(self.filters),
                "prior_layers": self.prior.num_layers,
                "prior_filters": self.prior.filters,
            }
        )
        return config
