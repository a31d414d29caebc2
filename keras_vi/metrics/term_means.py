"""Running means of several per-example loss terms, kept as one metric."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export


@keras_vi_export("keras_vi.metrics.TermMeans")
class TermMeans(keras.metrics.Metric):
    """One `keras.metrics.Mean` per named term, updated and read as one metric.

    A latent variable model logs its objective's per-example terms
    (reconstruction, KL, ELBO, ...) every step. With one `Mean` each, every
    term costs its own update and its own division each step; here the terms
    share one vector of totals and one count: one update and one division
    for all of them. Each
    term's result is exactly what `keras.metrics.Mean` gives for it: the
    (sample-weighted) mean of all values seen since the last reset.

    Args:
        names: the terms, in the order `result()` lists them.
        name: of the metric (its results are keyed by the terms' names).
        dtype: of the totals (float32).

    Example:

    >>> import numpy as np
    >>> from keras_vi.metrics import TermMeans
    >>> m = TermMeans(("kl", "elbo"))
    >>> m.update_state({"kl": np.array([1.0, 3.0]), "elbo": np.array([-4.0, -6.0])})
    >>> {k: float(v) for k, v in m.result().items()}
    {'kl': 2.0, 'elbo': -5.0}
    """

    def __init__(self, names, name="term_means", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if (not isinstance(names, (list, tuple)) or not names
                or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names)):
            raise ValueError(f"`names` must be a non-empty list of distinct strings, got {names!r}.")
        self.names = tuple(names)
        self.total = self.add_variable(shape=(len(self.names),), initializer="zeros", name="total",
                                       aggregation="sum")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", aggregation="sum")

    def update_state(self, terms, sample_weight=None):
        """Adds a batch: `terms` maps every name to a (batch,) tensor.

        `sample_weight`: None (each example counts 1) or a (batch,) tensor of
        weights, as for `keras.metrics.Mean`.
        """
        missing = [n for n in self.names if n not in terms]
        if missing:
            raise ValueError(f"`terms` lacks {missing}: it must hold each of {list(self.names)}.")
        values = ops.stack([ops.cast(terms[n], self.dtype) for n in self.names])  # (terms, batch)
        if len(values.shape) != 2:
            raise ValueError(f"Each term must be a (batch,) tensor, got shape {tuple(values.shape[1:])}.")
        if sample_weight is None:
            total = ops.sum(values, axis=1)
            count = ops.cast(ops.shape(values)[1], self.dtype)
        else:
            weight = ops.reshape(ops.cast(sample_weight, self.dtype), (1, -1))  # broadcasts over terms
            total = ops.sum(values * weight, axis=1)
            count = ops.sum(weight)
        self.total.assign_add(total)
        self.count.assign_add(count)

    def result(self):
        means = ops.divide_no_nan(self.total, self.count)
        return {n: means[i] for i, n in enumerate(self.names)}

    def get_config(self):
        return {"names": list(self.names), "name": self.name, "dtype": self.dtype}
