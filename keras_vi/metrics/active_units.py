"""Active units: latent dimensions whose posterior mean varies with x."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_non_negative_float, check_positive_int


@keras_vi_export("keras_vi.metrics.ActiveUnits")
class ActiveUnits(keras.metrics.Metric):
    """Counts units u with Cov_x(E_q(z|x)[z_u]) > threshold.

    The definition of Burda et al. (2016), Section 5.2: a unit whose posterior
    mean does not change with the input carries no information about x (it has
    collapsed onto the prior). Feed it the encoder's means batch by batch;
    the variance over x is accumulated exactly (sums of z and z^2 in float32).

    Args:
        latent_dim: size of z.
        threshold: variance above which a unit counts as active (1e-2).
        name: as for any Keras metric.
        dtype: as for any Keras metric.

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.metrics import ActiveUnits
        >>> m = ActiveUnits(latent_dim=3)
        >>> m.update_state(np.array([[0.0, 1.0, 5.0], [1.0, 1.0, 5.1]], "float32"))
        >>> float(ops.convert_to_numpy(m.result()))
        1.0
    """

    def __init__(self, latent_dim, threshold=1e-2, name="active_units", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.threshold = check_non_negative_float(threshold, "threshold")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.total = self.add_variable(shape=(latent_dim,), initializer="zeros", name="total")
        self.total_sq = self.add_variable(
            shape=(latent_dim,), initializer="zeros", name="total_sq"
        )

    def update_state(self, mean, sample_weight=None):
        """Adds a batch of posterior means, shape (batch, latent_dim)."""
        mean = ops.convert_to_tensor(mean, dtype=self.dtype)
        if mean.shape[-1] != self.latent_dim:
            raise ValueError(
                f"`mean` must have shape (batch, {self.latent_dim}), got {tuple(mean.shape)}."
            )
        self.count.assign_add(ops.cast(ops.shape(mean)[0], self.dtype))
        self.total.assign_add(ops.sum(mean, axis=0))
        self.total_sq.assign_add(ops.sum(mean * mean, axis=0))

    def variances(self):
        """Per-unit variance over x of the posterior means: (latent_dim,)."""
        n = ops.maximum(self.count, 1.0)
        mean = self.total / n
        return ops.maximum(self.total_sq / n - mean * mean, 0.0)

    def result(self):
        return ops.sum(ops.cast(self.variances() > self.threshold, self.dtype))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "threshold": self.threshold}
