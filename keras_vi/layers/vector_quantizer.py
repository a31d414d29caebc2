"""Vector quantization with a learned codebook (VQ-VAE)."""

import keras
from keras import ops

from keras_vi._replicas import gather_across_replicas, sum_across_replicas
from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_non_negative_float, check_positive_int, full_precision


@keras_vi_export("keras_vi.layers.VectorQuantizer")
class VectorQuantizer(keras.layers.Layer):
    """Replaces each vector on the last axis by its nearest codebook entry.

    Nearest by squared Euclidean distance, ||z||^2 - 2 z.e + ||e||^2. The
    output is the straight-through estimate sg[e] + (z_e - sg[z_e]): its value
    is exactly the code e, its gradient with respect to z_e the identity (van den Oord et al.,
    2017). The layer adds its loss with `add_loss`:
    ||sg[z_e] - e||^2 (codebook) + commitment_cost * ||z_e - sg[e]||^2
    (commitment), each a mean over all elements. With `ema_decay`, the codebook
    is not trained by gradients: during training it follows exponential moving
    averages of the assignment counts and of the sums of the vectors assigned
    to each code (with Laplace smoothing of the counts), and only the
    commitment loss is added. These updates are variable assignments in `call`,
    which Keras carries through compiled steps on every backend (as it does
    for batch-normalization statistics).

    Dead codes: during training, a moving average of each code's share of the
    assignments is kept; a code whose share falls below
    `dead_code_threshold / num_embeddings` is moved onto a randomly chosen
    encoder output of the current batch.

    Args:
        num_embeddings: K, the codebook size.
        embedding_dim: D, the size of each code (the last axis of the input).
        commitment_cost: beta of the commitment loss (0.25).
        ema_decay: None for a codebook trained by gradients, or a decay in
            (0, 1) such as 0.99 for EMA updates.
        dead_code_threshold: restart a code whose usage falls under this
            fraction of the uniform share 1/K; 0 turns restarts off.
        epsilon: Laplace smoothing of the EMA counts.
        seed: int or None, for the codebook's initialization and restarts.

    Call arguments:
        inputs: z_e, any rank, last axis of size `embedding_dim`.
        training: Python bool; EMA updates and restarts happen in training only.

    Returns (of `call`, always):
        `(z_q, indices)`: the quantized inputs (straight-through: the codes'
        values forward, the identity's gradient backward), and the nearest
        codes' indices (int32, shape `inputs.shape[:-1]`), so a model need not
        search the codebook twice; `lookup(indices)` gives the codes back. The
        mean of `quantization_loss` goes to the layer's `losses`.

    Examples:
        >>> from keras import ops
        >>> from keras_vi.layers import VectorQuantizer
        >>> vq = VectorQuantizer(num_embeddings=8, embedding_dim=2, seed=0)
        >>> z_q, indices = vq(ops.ones((3, 4, 2)))
        >>> tuple(z_q.shape), tuple(indices.shape)
        ((3, 4, 2), (3, 4))
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        commitment_cost=0.25,
        ema_decay=None,
        dead_code_threshold=0.03,
        epsilon=1e-5,
        seed=None,
        **kwargs,
    ):
        super().__init__(**full_precision(kwargs))  # distances and EMA statistics in float32
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.commitment_cost = check_non_negative_float(commitment_cost, "commitment_cost")
        if ema_decay is not None and (isinstance(ema_decay, bool) or not isinstance(ema_decay, (int, float))
                                      or not 0.0 < ema_decay < 1.0):
            raise ValueError(f"`ema_decay` must be None or in (0, 1), got {ema_decay!r}.")
        self.ema_decay = ema_decay
        self.dead_code_threshold = check_non_negative_float(
            dead_code_threshold, "dead_code_threshold"
        )
        self.epsilon = check_non_negative_float(epsilon, "epsilon")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if input_shape[-1] != self.embedding_dim:
            raise ValueError(
                f"`inputs` must have last axis embedding_dim={self.embedding_dim}, "
                f"got shape {tuple(input_shape)}."
            )
        k, d = self.num_embeddings, self.embedding_dim
        self.embeddings = self.add_weight(
            shape=(k, d),
            initializer=keras.initializers.RandomUniform(-1.0 / k, 1.0 / k, seed=self.seed),
            trainable=self.ema_decay is None,
            name="embeddings",
        )
        self.usage = self.add_weight(
            shape=(k,), initializer=keras.initializers.Constant(1.0 / k), trainable=False,
            name="usage",
        )
        if self.ema_decay is not None:
            self.ema_cluster_size = self.add_weight(
                shape=(k,), initializer="zeros", trainable=False, name="ema_cluster_size"
            )
            self.ema_embed_sum = self.add_weight(
                shape=(k, d), initializer="zeros", trainable=False, name="ema_embed_sum"
            )
        self.built = True

    def distances(self, inputs):
        """Squared distances to every code: (..., num_embeddings)."""
        flat = ops.reshape(ops.convert_to_tensor(inputs, self.compute_dtype), (-1, self.embedding_dim))
        d = (
            ops.sum(flat * flat, axis=1, keepdims=True)
            - 2.0 * ops.matmul(flat, ops.transpose(self.embeddings))
            + ops.sum(self.embeddings * self.embeddings, axis=1)[None]
        )
        return ops.reshape(d, (*ops.shape(inputs)[:-1], self.num_embeddings))

    def indices(self, inputs):
        """Index of the nearest code for each vector: shape inputs.shape[:-1]."""
        return ops.argmin(self.distances(inputs), axis=-1)

    def lookup(self, indices):
        """The codes at `indices`: shape (*indices.shape, embedding_dim)."""
        return ops.take(self.embeddings, ops.cast(indices, "int32"), axis=0)

    def quantization_loss(self, inputs, quantized):
        """The loss `call` adds, per example: (batch,), each a mean over the example's elements.

        commitment_cost * ||z_e - sg[e]||^2, plus ||sg[z_e] - e||^2 when the
        codebook learns by gradients. A model may add this itself instead of
        reading `losses`: under tf.distribute, Keras' `add_loss` list is shared
        by the replicas of a step.
        """
        inputs = ops.cast(inputs, self.compute_dtype)  # as `call` sees them, also when called directly
        quantized = ops.cast(quantized, self.compute_dtype)
        axes = tuple(range(1, len(inputs.shape)))
        loss = self.commitment_cost * ops.mean(ops.square(inputs - ops.stop_gradient(quantized)), axis=axes)
        if self.ema_decay is None:
            loss = loss + ops.mean(ops.square(ops.stop_gradient(inputs) - quantized), axis=axes)
        return loss

    def call(self, inputs, training=False):
        inputs = ops.convert_to_tensor(inputs, self.compute_dtype)
        indices = self.indices(inputs)
        quantized = self.lookup(indices)
        loss = self.quantization_loss(inputs, quantized)
        self.add_loss(ops.mean(loss))
        if training:
            self._update_codebook(inputs, indices)
        # straight-through: forward value exactly e (z - sg[z] is exactly 0),
        # gradient with respect to z_e the identity
        outputs = ops.stop_gradient(quantized) + (inputs - ops.stop_gradient(inputs))
        return outputs, ops.cast(indices, "int32")

    def _update_codebook(self, inputs, indices):
        k = self.num_embeddings
        flat = ops.stop_gradient(ops.reshape(inputs, (-1, self.embedding_dim)))
        one_hot = ops.one_hot(ops.reshape(indices, (-1,)), k, dtype=flat.dtype)
        # statistics of the global batch: under tf.distribute every replica
        # makes the same update, the one a single device would make
        counts = sum_across_replicas(ops.sum(one_hot, axis=0))
        share = counts / ops.maximum(ops.sum(counts), 1.0)
        usage = 0.99 * self.usage + 0.01 * share
        embeddings = ops.convert_to_tensor(self.embeddings)
        if self.ema_decay is not None:
            decay = self.ema_decay
            cluster = decay * self.ema_cluster_size + (1 - decay) * counts
            embed_sum = decay * self.ema_embed_sum + (1 - decay) * sum_across_replicas(
                ops.matmul(ops.transpose(one_hot), flat)
            )
            n = ops.sum(cluster)
            smoothed = (cluster + self.epsilon) / (n + k * self.epsilon) * n
            embeddings = embed_sum / smoothed[:, None]
        if self.dead_code_threshold > 0:
            dead = usage < self.dead_code_threshold / k
            pool = gather_across_replicas(flat)  # the same rows, and picks, on every replica
            picks = keras.random.randint(
                (k,), 0, ops.shape(pool)[0], seed=self.seed_generator, dtype="int32"
            )
            replacement = ops.take(pool, picks, axis=0)
            embeddings = ops.where(dead[:, None], replacement, embeddings)
            usage = ops.where(dead, 1.0 / k, usage)
            if self.ema_decay is not None:
                cluster = ops.where(dead, 1.0, cluster)
                embed_sum = ops.where(dead[:, None], replacement, embed_sum)
        self.usage.assign(usage)
        if self.ema_decay is not None:
            self.ema_cluster_size.assign(cluster)
            self.ema_embed_sum.assign(embed_sum)
            self.embeddings.assign(embeddings)
        elif self.dead_code_threshold > 0:
            self.embeddings.assign(embeddings)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape), tuple(input_shape[:-1])

    def compute_output_spec(self, inputs, training=False):
        return (keras.KerasTensor(inputs.shape, dtype=self.compute_dtype),
                keras.KerasTensor(inputs.shape[:-1], dtype="int32"))

    def get_config(self):
        base_config = super().get_config()
        config = {
            "num_embeddings": self.num_embeddings,
            "embedding_dim": self.embedding_dim,
            "commitment_cost": self.commitment_cost,
            "ema_decay": self.ema_decay,
            "dead_code_threshold": self.dead_code_threshold,
            "epsilon": self.epsilon,
            "seed": self.seed,
        }
        return {**base_config, **config}


def perplexity(indices, num_embeddings):
    """exp(entropy) of the code distribution in `indices`: 1 (one code) to K."""
    one_hot = ops.one_hot(ops.reshape(indices, (-1,)), num_embeddings)
    p = ops.mean(one_hot, axis=0)
    return ops.exp(-ops.sum(p * ops.log(p + 1e-10)))


def codebook_usage(indices, num_embeddings):
    """Fraction of the codes used at least once in `indices`."""
    one_hot = ops.one_hot(ops.reshape(indices, (-1,)), num_embeddings)
    return ops.mean(ops.cast(ops.sum(one_hot, axis=0) > 0, "float32"))
