"""8-bit pixels: the discretized logistic (mixture) of PixelCNN++ and IAF."""

from keras_vi import distributions
from keras_vi.api_export import keras_vi_export
from keras_vi.likelihoods.base import Likelihood
from keras_vi.utils import check_pixels, check_positive_int

NUM_BINS = distributions.discretized_logistic.NUM_BINS


@keras_vi_export("keras_vi.likelihoods.DiscretizedLogistic")
class DiscretizedLogistic(Likelihood):
    """p(x|z) for integer pixels 0..255: exact probability mass per bin.

    A logistic on the [-1, 1] scale is integrated over each value's bin, the
    edge bins extending to ±inf, so log p(x|z) is a discrete log-probability
    and bits/dim are comparable with the literature's 8-bit numbers. Data must
    be whole numbers in [0, 255] (uint8 images as they are stored); the
    default encoders rescale them to [-1, 1] first.

    Args:
        num_components: 1 (the default) for one logistic per pixel (decoder
            outputs `loc`, `log_scale` shaped like an example); K > 1 for a
            mixture of K (outputs `logits`, `loc`, `log_scale`, each with a
            last axis of K).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.likelihoods import DiscretizedLogistic
        >>> params = {"loc": ops.zeros((1,)), "log_scale": ops.zeros((1,))}
        >>> p = DiscretizedLogistic().distribution(params, event_ndims=0)
        >>> values = np.arange(256, dtype="float32")[:, None]
        >>> round(float(np.exp(ops.convert_to_numpy(p.log_prob(values))).sum()), 5)
        1.0

    Reference:
        Salimans et al., PixelCNN++, ICLR 2017.
    """

    pixel_scale = float(NUM_BINS - 1)
    input_rescaling = (2.0 / (NUM_BINS - 1), -1.0)

    def __init__(self, num_components=1):
        self.num_components = check_positive_int(num_components, "num_components")

    @property
    def param_names(self):
        names = ("loc", "log_scale")
        return names if self.num_components == 1 else ("logits", *names)

    def param_shapes(self, data_shape):
        extra = () if self.num_components == 1 else (self.num_components,)
        return [(*data_shape, *extra)] * self.num_params

    def distribution(self, params, event_ndims):
        return distributions.DiscretizedLogistic(
            params["loc"], params["log_scale"], logits=params.get("logits"),
            event_ndims=event_ndims,
        )

    def check_data(self, x, name, expected_shape=None):
        return check_pixels(x, name, NUM_BINS, expected_shape, "a discretized logistic likelihood")

    def get_config(self):
        return {"num_components": self.num_components}
