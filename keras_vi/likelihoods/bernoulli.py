"""Bernoulli pixels: binary (or grey-level cross-entropy) data in [0, 1]."""

from keras_vi import distributions
from keras_vi.api_export import keras_vi_export
from keras_vi.likelihoods.base import Likelihood
from keras_vi.utils import check_data


@keras_vi_export("keras_vi.likelihoods.Bernoulli")
class Bernoulli(Likelihood):
    """p(x|z) = prod_i Bernoulli(x_i; sigmoid(logits_i)); data in [0, 1].

    The decoder outputs one tensor of logits shaped like an example. Grey
    levels in [0, 1] are accepted (their log-probability is then a
    cross-entropy, not a likelihood); binarize the data for nats.

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.likelihoods import Bernoulli
        >>> p = Bernoulli().distribution({"logits": ops.zeros((2, 3))}, event_ndims=1)
        >>> [round(float(v), 4) for v in ops.convert_to_numpy(p.log_prob(np.ones((2, 3))))]
        [-2.0794, -2.0794]
    """

    param_names = ("logits",)

    def distribution(self, params, event_ndims):
        return distributions.Bernoulli(params["logits"], event_ndims=event_ndims)

    def check_data(self, x, name, expected_shape=None):
        return check_data(x, name, expected_shape=expected_shape, unit_interval=True)
