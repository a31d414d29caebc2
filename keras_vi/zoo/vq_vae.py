"""The VQ-VAE, on sequences, images and video, with an autoregressive prior over its codes."""

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
from keras_vi.zoo.causal_prior import CausalPrior
from keras_vi.zoo.pixel_cnn import PixelCNN

PRIORS = ("auto", "pixelcnn", "causal")


@keras_vi_export("keras_vi.zoo.VQVAE")
class VQVAE(ZooModel):
    """Vector-quantized autoencoder; an autoregressive prior over the codes generates.

    Data are sequences (T, C) such as μ-law audio, images (H, W[, C]) or video
    (T, H, W[, C]): `spatial_dims` 1, 2 or 3 (read from the rank when None;
    sequences must say 1). The default encoder (Keras' Conv1D, Conv2D or
    Conv3D, one stride-2 stage per entry of `filters`) maps an example to a
    grid of vectors z_e, 2 ** len(filters) times smaller along each spatial
    axis; a `VectorQuantizer` replaces each by its nearest code; the decoder
    (the transposed convolutions) maps the codes back. Training minimizes -log p(x|z_q) under the likelihood plus the
    quantizer's codebook and commitment losses, through the straight-through estimator;
    `perplexity` and `codebook_usage` of the batch's codes are logged. The
    prior is not learned with the autoencoder: `fit_prior` trains it on the
    code grids of the data (with their labels, for a class-conditional prior),
    and `sample(n, seed, condition=None)` draws codes from it and decodes
    them. The prior is a `zoo.PixelCNN` (two stacks, no blind spot; images
    only) or a `zoo.CausalPrior` (WaveNet's gated causal convolutions over the
    codes in raster order; any grid). It is part of the model, so `.keras`
    files keep it.

    Args:
        num_embeddings: codebook size K.
        embedding_dim: code size D.
        commitment_cost: beta of the commitment loss.
        ema_decay: None, or e.g. 0.99 for EMA codebook updates.
        likelihood: a `keras_vi.likelihoods.Likelihood` or its name
            (`"bernoulli"` for data in [0, 1]; `likelihoods.Gaussian(log_var=0.0)`
            makes the loss a squared error).
        filters: channels of the stride-2 conv stages; None: (32, 64) for
            images and video (4x smaller grids), (32, 64, 64, 128) for
            sequences (16x shorter).
        spatial_dims: None, 1, 2 or 3 (see above).
        prior: "pixelcnn", "causal", or "auto" (PixelCNN for images, the
            causal prior otherwise).
        prior_layers: number of blocks of the prior.
        prior_filters: channels of the prior.
        prior_num_conditions: None, or the number of classes the prior is
            conditioned on (`fit_prior(x, condition=labels)`).
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
        filters=None,
        prior_layers=5,
        prior_filters=64,
        spatial_dims=None,
        prior="auto",
        prior_num_conditions=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.likelihood = likelihoods.get(likelihood)
        if spatial_dims is not None and (type(spatial_dims) is not int or spatial_dims not in (1, 2, 3)):
            raise ValueError(f"`spatial_dims` must be None, 1, 2 or 3, got {spatial_dims!r}.")
        if prior not in PRIORS:
            raise ValueError(f"`prior` must be one of {PRIORS}, got {prior!r}.")
        if prior == "pixelcnn" and spatial_dims in (1, 3):
            raise ValueError(f"`prior='pixelcnn'` takes images only; with `spatial_dims={spatial_dims}` use 'causal'.")
        if filters is None:
            filters = (32, 64, 64, 128) if spatial_dims == 1 else (32, 64)
        if not isinstance(filters, (list, tuple)) or not filters:
            raise ValueError(f"`filters` must be a non-empty list of positive ints, got {filters!r}.")
        self.filters = tuple(check_positive_int(f, "filters") for f in filters)
        self.spatial_dims, self.prior_kind = spatial_dims, prior
        self.prior_layers = check_positive_int(prior_layers, "prior_layers")
        self.prior_filters = check_positive_int(prior_filters, "prior_filters")
        self.prior_num_conditions = (None if prior_num_conditions is None
                                     else check_positive_int(prior_num_conditions, "prior_num_conditions"))
        self.quantizer = VectorQuantizer(
            num_embeddings, embedding_dim, commitment_cost=commitment_cost,
            ema_decay=ema_decay, seed=seed, name="quantizer",
        )
        self.prior = None  # built with the data's rank known
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
        self.data_shape, spatial_dims = networks.check_grid_data_shape(input_shape[1:], self.spatial_dims)
        if spatial_dims != 2 and self.prior_kind == "pixelcnn":
            raise ValueError(f"`prior='pixelcnn'` takes images only; these data have {spatial_dims} spatial axes.")
        self.encoder = networks.build_grid_encoder(
            self.data_shape, self.embedding_dim, self.filters, self.likelihood.input_rescaling, spatial_dims
        )
        self.num_spatial_dims = spatial_dims  # as read from the data when `spatial_dims` is None
        self.grid_shape = tuple(self.encoder.output.shape[1:-1])
        self.decoder = networks.build_grid_decoder(
            self.data_shape, self.grid_shape, self.embedding_dim,
            self.likelihood.param_shapes(self.data_shape), self.filters, spatial_dims,
        )
        self.quantizer.build((None, *self.grid_shape, self.embedding_dim))
        if self.prior_kind == "pixelcnn" or (self.prior_kind == "auto" and spatial_dims == 2):
            self.prior = PixelCNN(self.num_embeddings, num_layers=self.prior_layers, filters=self.prior_filters,
                                  num_conditions=self.prior_num_conditions, seed=self.seed, name="prior")
        else:
            self.prior = CausalPrior(self.num_embeddings, num_layers=self.prior_layers,
                                     filters=self.prior_filters, num_conditions=self.prior_num_conditions,
                                     seed=self.seed, name="prior")
        self.prior.trainable = False  # trained by fit_prior only
        grid = (None, *self.grid_shape)
        self.prior.build({"x": grid, "condition": (None,)} if self.prior_num_conditions else grid)
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
        """Code indices of each example: (batch, *grid_shape) int32 NumPy array."""
        x = np.asarray(x, np.float32)
        out = []
        for start in range(0, len(x), batch_size):
            z_e = self.encoder(x[start : start + batch_size])
            out.append(ops.convert_to_numpy(self.quantizer.indices(z_e)).astype(np.int32))
        return np.concatenate(out)

    def decode_indices(self, indices):
        """Examples (the mean of p(x|z_q): pixel probabilities for Bernoulli) from code indices."""
        return self.likelihood_distribution(self.decoder(self.quantizer.lookup(indices))).mean()

    def reconstruct(self, x):
        """Decodes the quantized code of each example."""
        return self.decode_indices(self.encode_indices(x))

    def _prior_inputs(self, codes, condition):
        if (condition is None) == bool(self.prior_num_conditions):
            raise ValueError("`condition` (one label per example) is required exactly when the prior is "
                             "class-conditional (`prior_num_conditions`).")
        return codes if condition is None else {"x": codes, "condition": np.asarray(condition)}

    def fit_prior(self, x, condition=None, epochs=10, batch_size=64, **kwargs):
        """Trains the prior on the codes of examples `x` (and their labels `condition`); returns its history."""
        if not self.built:
            raise ValueError("The model must be built (call fit or the model) before `fit_prior`.")
        codes = self._prior_inputs(self.encode_indices(x), condition)
        self.prior.trainable = True
        try:
            if not self.prior.compiled:
                self.prior.compile(optimizer=self.prior.default_optimizer(1e-3))
            history = self.prior.fit(codes, epochs=epochs, batch_size=batch_size, **kwargs)
        finally:
            self.prior.trainable = False
        self.prior_fitted.assign(1.0)
        return history

    def prior_bits_per_dim(self, x, condition=None):
        """The prior's -log2 p(codes) / (number of codes) for each example's codes."""
        return self.prior.bits_per_dim(self._prior_inputs(self.encode_indices(x), condition))

    def generate(self, n, seed, condition=None):
        """Codes from the prior (given `condition`, n labels, for a conditional prior), decoded: (n, *data_shape)."""
        if float(ops.convert_to_numpy(self.prior_fitted)) != 1.0:
            raise ValueError("The prior is not trained: call `fit_prior(x)` before `sample`.")
        # the prior checks `condition` (required exactly when it is class-conditional)
        return self.decode_indices(self.prior.sample(n, seed=seed, condition=condition))

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
                "prior_layers": self.prior_layers,
                "prior_filters": self.prior_filters,
                "spatial_dims": self.spatial_dims,
                "prior": self.prior_kind,
                "prior_num_conditions": self.prior_num_conditions,
            }
        )
        return config
