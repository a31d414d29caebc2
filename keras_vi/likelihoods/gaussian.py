"""Gaussian pixels with a learned (or fixed) log-variance."""

import math

from keras import ops

from keras_vi import distributions
from keras_vi.api_export import keras_vi_export
from keras_vi.likelihoods.base import Likelihood


@keras_vi_export("keras_vi.likelihoods.Gaussian")
class Gaussian(Likelihood):
    """p(x|z) = N(x; mean, diag(exp(log_var))) for real-valued data.

    Args:
        log_var: None (the default) for a per-pixel log-variance output by the
            decoder (outputs `x_mean`, `x_log_var`); a number for a fixed
            log-variance (the decoder outputs `x_mean` only; 0.0 makes the
            loss a squared error plus a constant).

    Examples:
        >>> from keras import ops
        >>> from keras_vi.likelihoods import Gaussian
        >>> p = Gaussian(log_var=0.0).distribution({"x_mean": ops.zeros((1, 2))}, event_ndims=1)
        >>> round(float(ops.convert_to_numpy(p.log_prob(ops.zeros((1, 2))))[0]), 4)
        -1.8379
    """

    continuous = True

    def __init__(self, log_var=None):
        if log_var is not None:
            if isinstance(log_var, bool) or not isinstance(log_var, (int, float)) or not math.isfinite(log_var):
                raise ValueError(f"`log_var` must be None or a finite number, got {log_var!r}.")
            log_var = float(log_var)
        self.log_var = log_var

    @property
    def param_names(self):
        return ("x_mean", "x_log_var") if self.log_var is None else ("x_mean",)

    def distribution(self, params, event_ndims):
        mean = params["x_mean"]
        log_var = params["x_log_var"] if self.log_var is None else ops.full_like(mean, self.log_var)
        return distributions.Normal(mean, log_var, event_ndims=event_ndims)

    def get_config(self):
        return {"log_var": self.log_var}
