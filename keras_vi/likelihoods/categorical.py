"""Categorical pixels: a softmax over the values of each pixel (binary, or 8-bit)."""

from keras_vi import distributions
from keras_vi.api_export import keras_vi_export
from keras_vi.likelihoods.base import Likelihood
from keras_vi.utils import check_pixels, check_positive_int


@keras_vi_export("keras_vi.likelihoods.Categorical")
class Categorical(Likelihood):
    """p(x|z) = prod_i Categorical(x_i; softmax(logits_i)); x_i in {0, ..., K - 1}.

    The decoder outputs one tensor of logits shaped like an example with a
    last axis of K = `num_classes`. With K = 2 this is a Bernoulli likelihood
    over binary pixels; with K = 256 the 256-way softmax of PixelRNN over
    8-bit pixels. Data must be whole numbers in [0, K - 1] (integer or float
    arrays); the default encoders rescale them to [0, 1] first. `zoo.ARVAE`
    computes these logits autoregressively.

    Args:
        num_classes: K, the number of values a pixel takes (>= 2; 256 by
            default, for 8-bit pixels).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.likelihoods import Categorical
        >>> p = Categorical(4).distribution({"logits": ops.zeros((1, 3, 4))}, event_ndims=1)
        >>> round(float(ops.convert_to_numpy(p.log_prob(np.array([[0, 1, 3]])))[0]), 4)  # 3 log(1/4)
        -4.1589
    """

    def __init__(self, num_classes=256):
        self.num_classes = check_positive_int(num_classes, "num_classes")
        if self.num_classes < 2:
            raise ValueError(f"`num_classes` must be >= 2, got {num_classes}.")

    param_names = ("logits",)

    @property
    def pixel_scale(self):
        return float(self.num_classes - 1)

    @property
    def input_rescaling(self):
        return (1.0 / (self.num_classes - 1), 0.0)

    def param_shapes(self, data_shape):
        return [(*data_shape, self.num_classes)]

    def distribution(self, params, event_ndims):
        return distributions.Categorical(params["logits"], event_ndims=event_ndims)

    def check_data(self, x, name, expected_shape=None):
        return check_pixels(x, name, self.num_classes, expected_shape,
                            f"a categorical likelihood with num_classes={self.num_classes}", hint=None)

    def get_config(self):
        return {"num_classes": self.num_classes}
