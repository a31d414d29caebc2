"""The two-level hierarchical VAE of Tomczak and Welling (2018), section 3.2."""

import copy
import types

import keras
from keras import layers, ops

from keras_vi import priors
from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Normal
from keras_vi.layers import Sampling
from keras_vi.objectives import ELBO, Bundle
from keras_vi.utils import check_positive_int
from keras_vi.zoo import networks
from keras_vi.zoo.latent_variable_model import LatentVariableModel


def _split(z, dim1):
    return z[..., :dim1], z[..., dim1:]


def _gaussian_net(net, lead_ndim, *inputs):
    """(mean, log_var) of a network's Gaussian, for inputs with `lead_ndim` leading axes."""
    lead = ops.shape(inputs[0])[:lead_ndim]
    flat = [ops.reshape(t, (-1, *t.shape[lead_ndim:])) for t in inputs]
    mean, log_var = net(flat if len(flat) > 1 else flat[0])
    return ops.reshape(mean, (*lead, mean.shape[-1])), ops.reshape(log_var, (*lead, log_var.shape[-1]))


class TwoLevelPosterior:
    """q(z1, z2 | x) = q(z2|x) q(z1|x, z2) at the draws z2 it was made for, z = [z1, z2].

    `log_prob(z)` is only defined for those draws (the z of the same step), which is how
    the objectives use a posterior.
    """

    def __init__(self, top, bottom, dim1):
        self.top, self.bottom, self.dim1 = top, bottom, dim1

    def log_prob(self, z):
        z1, z2 = _split(z, self.dim1)
        return self.bottom.log_prob(z1) + self.top.log_prob(z2)


class TwoLevelPrior(priors.Prior):
    """p(z1, z2) = p(z2) p(z1|z2), z = [z1, z2]: a prior part on z2 and a conditional Gaussian.

    `top` is any prior over z2 (a VampPrior binds to the model's q(z2|x));
    `conditional` is the model's network z2 -> [mean, log_var] of p(z1|z2).
    """

    def __init__(self, top, conditional, dim1, **kwargs):
        super().__init__(**kwargs)
        self.top, self.conditional, self.dim1 = top, conditional, dim1

    def bind(self, model):
        self.top.bind(types.SimpleNamespace(
            latent_dim=model.latent_dims[1], encoder=model.encoder,
            data_shape=model.data_shape, likelihood=model.likelihood))
        super().bind(model)

    @property
    def noise_dim(self):
        return self.dim1 + self.top.noise_dim

    def log_prob(self, z):
        z = ops.convert_to_tensor(z, dtype=self.compute_dtype)
        z1, z2 = _split(z, self.dim1)
        mean, log_var = _gaussian_net(self.conditional, len(z2.shape) - 1, z2)
        return self.top.log_prob(z2) + Normal(mean, log_var).log_prob(z1)

    def sample_from_noise(self, noise):
        noise = ops.convert_to_tensor(noise, dtype=self.compute_dtype)
        z2 = self.top.sample_from_noise(noise[:, self.dim1:])
        mean, log_var = self.conditional(z2)
        return ops.concatenate([mean + ops.exp(0.5 * log_var) * noise[:, : self.dim1], z2], axis=-1)

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {**super().get_config(), "top": priors.serialize(self.top),
                "conditional": serialize(self.conditional), "dim1": self.dim1}

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        config["top"] = priors.get(config["top"])
        config["conditional"] = keras.saving.deserialize_keras_object(config["conditional"])
        return cls(**config)


def build_bottom_encoder(data_shape, dim1, dim2, hidden_units):
    """q(z1 | x, z2): [x, z2] -> [mean, log_var], an MLP on each input, then on both."""
    x = keras.Input(data_shape, name="x")
    z2 = keras.Input((dim2,), name="z2")
    hx = layers.Flatten()(x) if len(data_shape) > 1 else x
    hx = layers.Dense(hidden_units[0], activation="relu")(hx)
    hz = layers.Dense(hidden_units[0], activation="relu")(z2)
    h = layers.Concatenate()([hx, hz])
    for units in hidden_units[1:]:
        h = layers.Dense(units, activation="relu")(h)
    outputs = [layers.Dense(dim1, name="mean")(h), layers.Dense(dim1, name="log_var")(h)]
    return keras.Model([x, z2], outputs, name="bottom_encoder")


def build_conditional_prior(dim1, dim2, hidden_units):
    """p(z1 | z2): z2 -> [mean, log_var], an MLP."""
    z2 = keras.Input((dim2,), name="z2")
    h = z2
    for units in hidden_units:
        h = layers.Dense(units, activation="relu")(h)
    outputs = [layers.Dense(dim1, name="mean")(h), layers.Dense(dim1, name="log_var")(h)]
    return keras.Model(z2, outputs, name="conditional_prior")


@keras_vi_export("keras_vi.zoo.HierarchicalVAE")
class HierarchicalVAE(LatentVariableModel):
    """A VAE with two stochastic layers: p(z2) p(z1|z2) p(x|z1, z2), q(z2|x) q(z1|x, z2).

    The model of Tomczak and Welling (2018, section 3.2). Its latent code is
    z = [z1, z2] (`latent_dim` = d1 + d2): the decoder reads both, so `decode`,
    `sample` and the estimators work as for a VAE. The prior on z2 is any prior
    part (`"standard_normal"`, a `VampPrior` over the pseudo-inputs' q(z2|u), a
    `MixtureOfGaussians`); p(z1|z2) is a conditional Gaussian from a network.
    Trained on the ELBO, whose KL, log q(z1, z2|x) - log p(z1, z2), is
    estimated with the draws of z.

    Args:
        latent_dims: (d1, d2), the sizes of z1 and z2.
        beta: the KL weight (>= 0; 1.0 is the ELBO).
        num_samples: draws of z per example in training.
        encoder: optional network x -> [mean, log_var] of q(z2|x).
        bottom_encoder: optional network [x, z2] -> [mean, log_var] of q(z1|x, z2).
        conditional_prior: optional network z2 -> [mean, log_var] of p(z1|z2).
        decoder: optional network [z1, z2] (concatenated) -> the likelihood's parameters.
        **kwargs: `likelihood`, `prior` (on z2), `seed`, `hidden_units`: see
            `LatentVariableModel`.

    `encode(x)` gives q's means along its mean path: z2's mean, then z1's for
    it, as [z1, z2] (so `reconstruct` and `metrics.active_units` read both);
    `metrics.mutual_information` does not apply (`diagonal_posterior` is False).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import HierarchicalVAE
        >>> x = (np.random.default_rng(0).uniform(size=(32, 12)) > 0.5).astype("float32")
        >>> model = HierarchicalVAE(latent_dims=(3, 2), hidden_units=[16], seed=0)
        >>> history = model.fit(x, epochs=1, verbose=0)
        >>> tuple(model.log_weights(x[:4], num_samples=5).shape)
        (5, 4)

    Reference:
        Tomczak and Welling, VAE with a VampPrior, AISTATS 2018.
    """

    diagonal_posterior = False  # q(z1, z2|x) is not one diagonal Gaussian: no I(x; z) estimate

    def __init__(self, latent_dims=(40, 40), beta=1.0, num_samples=1, bottom_encoder=None,
                 conditional_prior=None, prior="standard_normal", **kwargs):
        if not isinstance(latent_dims, (list, tuple)) or len(latent_dims) != 2:
            raise ValueError(f"`latent_dims` must be (d1, d2), the sizes of z1 and z2, got {latent_dims!r}.")
        dims = tuple(check_positive_int(d, "latent_dims") for d in latent_dims)
        networks.check_networks(bottom_encoder=bottom_encoder, conditional_prior=conditional_prior)
        if kwargs.get("aggressive") or kwargs.get("dequantization") is not None:
            raise ValueError("HierarchicalVAE takes no `aggressive` or `dequantization`.")
        super().__init__(dims[0] + dims[1], objective=ELBO(num_samples=num_samples), beta=beta,
                         prior=prior, **kwargs)
        self.top_prior = self.prior  # the prior part on z2; `build` makes `prior` p(z1, z2)
        self.latent_dims = dims
        self.bottom_encoder, self.conditional_prior = bottom_encoder, conditional_prior
        self.bottom_sampling = Sampling(seed=None if self.seed is None else self.seed + 1,
                                        name="bottom_sampling")

    def build(self, input_shape):
        dim1, dim2 = self.latent_dims
        data_shape = networks.check_data_shape(input_shape[1:])
        if self.encoder is None:
            self.encoder = networks.build_encoder(data_shape, dim2, hidden_units=self.hidden_units,
                                                  input_rescaling=self.likelihood.input_rescaling)
        if self.decoder is None:  # before the networks below: the order a reloaded model has
            self.decoder = networks.build_decoder(
                data_shape, dim1 + dim2, self.likelihood.param_shapes(data_shape),
                hidden_units=self.hidden_units)
        if self.bottom_encoder is None:
            self.bottom_encoder = build_bottom_encoder(data_shape, dim1, dim2, self.hidden_units)
        if self.conditional_prior is None:
            self.conditional_prior = build_conditional_prior(dim1, dim2, self.hidden_units)
        for net, shape in ((self.encoder, (None, *data_shape)),
                           (self.bottom_encoder, [(None, *data_shape), (None, dim2)]),
                           (self.conditional_prior, (None, dim2))):
            if not net.built:
                net.build(shape)
        self.prior = TwoLevelPrior(self.top_prior, self.conditional_prior, dim1, name="two_level_prior")
        super().build(input_shape)

    def _top(self, x, training=False):
        mean, log_var = self.encoder(x, training=training)
        return ops.cast(mean, self.variable_dtype), ops.cast(log_var, self.variable_dtype)

    def _bottom(self, x, z2, training=False):
        """(mean, log_var) of q(z1|x, z2) for draws z2 (k, batch, d2) of a batch x."""
        k = ops.shape(z2)[0]
        x_k = ops.broadcast_to(x[None], (k, *ops.shape(x)))
        mean, log_var = _gaussian_net(lambda inputs: self.bottom_encoder(inputs, training=training), 2, x_k, z2)
        return ops.cast(mean, self.variable_dtype), ops.cast(log_var, self.variable_dtype)

    def encode(self, x, training=False):
        """(mean, log_var) of [z1, z2] along q's mean path: z2's, then z1's at z2's mean."""
        self.check_eager(x)
        x = ops.convert_to_tensor(x, dtype=self.variable_dtype)
        self._check_shape(x)
        mean2, log_var2 = self._top(x, training)
        mean1, log_var1 = self._bottom(x, mean2[None], training)
        return (ops.concatenate([mean1[0], mean2], axis=-1),
                ops.concatenate([log_var1[0], log_var2], axis=-1))

    def _draw(self, x, num_samples, training=False, seed=None):
        """z = [z1, z2] ~ q (num_samples, batch, d1 + d2), and q(z1|x, z2)'s (mean, log_var)."""
        mean2, log_var2 = self._top(x, training)
        if seed is None:  # training: the model's own noise
            z2 = self.sampling.draw(mean2, log_var2)
        else:
            z2 = Normal(mean2, log_var2).sample(seed=seed, num_samples=num_samples)
        mean1, log_var1 = self._bottom(x, z2, training)
        # batch first, as the noise of a replica's rows is drawn under tf.distribute
        bottom = Normal(ops.transpose(mean1, (1, 0, 2)), ops.transpose(log_var1, (1, 0, 2)))
        z1 = bottom.sample(seed=self.bottom_sampling.seed_generator if seed is None else seed)
        z = ops.concatenate([ops.transpose(z1, (1, 0, 2)), z2], axis=-1)
        return z, (mean2, log_var2, mean1, log_var1)

    def _posterior(self, mean2, log_var2, mean1, log_var1):
        return TwoLevelPosterior(Normal(mean2, log_var2), Normal(mean1, log_var1), self.latent_dims[0])

    def call(self, x, training=False):
        """`mean`, `log_var` of q(z2|x); `z` = [z1, z2] (k, batch, d1 + d2); `bottom_mean`,
        `bottom_log_var` of q(z1|x, z2) at those draws (k, batch, d1)."""
        x = ops.cast(x, self.variable_dtype)
        z, (mean2, log_var2, mean1, log_var1) = self._draw(x, self.num_samples, training)
        return {"mean": mean2, "log_var": log_var2, "z": z, "bottom_mean": mean1, "bottom_log_var": log_var1}

    def bundle(self, x, outputs, training=False):
        x = ops.cast(x, self.variable_dtype)
        posterior = self._posterior(outputs["mean"], outputs["log_var"], outputs["bottom_mean"],
                                    outputs["bottom_log_var"])
        return Bundle(x=x, posterior=posterior, z=outputs["z"],
                      log_px_z=self.log_px_z(outputs["z"], x, training), prior=self.prior,
                      kl_weight=self.kl_weight)

    def log_weights(self, x, num_samples, proposal="posterior", seed=None):
        if proposal != "posterior":
            return super().log_weights(x, num_samples, proposal=proposal, seed=seed)
        x = ops.cast(x, self.variable_dtype)
        if seed is None or isinstance(seed, int):  # two streams: z2's and z1's noise
            seed = keras.random.SeedGenerator(seed)
        z, params = self._draw(x, num_samples, seed=seed)
        return self.log_px_z(z, x, seed=seed) + self.prior.log_prob(z) - self._posterior(*params).log_prob(z)

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        config = super().get_config()
        for key in ("latent_dim", "objective", "aggressive", "max_inner_steps", "dequantization"):
            del config[key]
        return {
            **config,
            "latent_dims": list(self.latent_dims),
            "num_samples": self.num_samples,
            "prior": priors.serialize(self.top_prior),
            "bottom_encoder": None if self.bottom_encoder is None else serialize(self.bottom_encoder),
            "conditional_prior": None if self.conditional_prior is None else serialize(self.conditional_prior),
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes nested configs
        for key in ("encoder", "decoder", "bottom_encoder", "conditional_prior"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
