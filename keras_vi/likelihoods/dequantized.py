"""A continuous likelihood put on dequantized 8-bit data: a bound on the discrete log P(x)."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.likelihoods.base import Likelihood


@keras_vi_export("keras_vi.likelihoods.Dequantized")
class Dequantized(Likelihood):
    """log P(x|z) >= E_q(u|x)[log p(v|z) - log q(u|x)] - D log 256, v = (x + u) / 256.

    A density `base` (`Gaussian`) on dequantized data bounds the probability
    of integer pixels x in {0..255} (Theis et al., 2016; Ho et al., 2019):
    `log_prob` draws u ~ q(u|x) from `dequantizer` once for each draw of z and
    returns the single-sample bound, so every objective and estimator of a
    latent variable model (ELBO, IWAE, `estimators.log_likelihood`) bounds the
    discrete log P(x). The data are the integer images (`check_data`), the
    default encoders see them rescaled to the cell centres, and `distribution`
    is the base's p(v|z) (`decode` and `sample` give its means in [0, 1)).

    Args:
        base: a continuous `Likelihood` or its name (`"gaussian"`).
        dequantizer: a `keras_vi.layers.Dequantizer` or its name
            (`"uniform"`, `"variational"`).
        seed: int or None: the seed of a dequantizer made from its name.

    Examples:
        >>> from keras_vi import likelihoods, zoo
        >>> likelihood = likelihoods.Dequantized("gaussian", "variational", seed=0)
        >>> model = zoo.VAE(latent_dim=2, likelihood=likelihood)

    Reference:
        Ho, Chen, Srinivas, Duan and Abbeel, Flow++, ICML 2019, Section 3.1.
    """

    def __init__(self, base, dequantizer, seed=None):
        from keras_vi import layers, likelihoods

        self.base = likelihoods.get(base)
        if not self.base.continuous:
            raise ValueError(
                "`base` must be a continuous likelihood (a density on [0, 1), e.g. 'gaussian'), "
                f"got {self.base!r}."
            )
        self.dequantizer = layers.get_dequantizer(dequantizer, seed)
        self._dequantizer_argument = dequantizer  # a name is written back as the name
        self.seed = seed

    @property
    def param_names(self):
        return self.base.param_names

    @property
    def input_rescaling(self):
        return self.dequantizer.input_rescaling

    @property
    def pixel_scale(self):
        return self.base.pixel_scale

    @property
    def layers(self):
        return [self.dequantizer]

    def param_shapes(self, data_shape):
        return self.base.param_shapes(data_shape)

    def distribution(self, params, event_ndims):
        """The base's p(v|z) on dequantized data."""
        return self.base.distribution(params, event_ndims)

    def log_prob(self, params, x, event_ndims, seed=None):
        lead = ops.shape(params[self.param_names[0]])[:-event_ndims]  # (k, batch)
        data_shape = tuple(x.shape[1:])
        repeated = ops.broadcast_to(ops.convert_to_tensor(x), (*lead, *data_shape))
        v, log_q = self.dequantizer(ops.reshape(repeated, (-1, *data_shape)), seed=seed)
        v, log_q = ops.reshape(v, ops.shape(repeated)), ops.reshape(log_q, lead)
        log_p = self.base.distribution(params, event_ndims).log_prob(v)
        return log_p - log_q + self.dequantizer.log_bin_volume(data_shape)

    def check_data(self, x, name, expected_shape=None):
        return self.dequantizer.check_data(x, name, expected_shape=expected_shape)

    def get_config(self):
        from keras_vi import layers, likelihoods

        return {"base": likelihoods.serialize(self.base),
                "dequantizer": layers.serialize_dequantization(self._dequantizer_argument, self.dequantizer),
                "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "dequantizer": keras.saving.deserialize_keras_object(config["dequantizer"])
                      if isinstance(config["dequantizer"], dict) else config["dequantizer"]})
