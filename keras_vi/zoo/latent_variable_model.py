"""The base latent variable model: prior, encoder, decoder, likelihood and objective as parts."""

import copy

import keras
import numpy as np
from keras import ops

from keras_vi import layers, likelihoods, priors
from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Normal
from keras_vi.metrics.term_means import TermMeans
from keras_vi.objectives import Bundle, check_objective
from keras_vi.utils import check_choice, check_data, check_non_negative_float, check_positive_int, sum_of_losses
from keras_vi.zoo import networks
from keras_vi.zoo.aggressive import fit_aggressive
from keras_vi.zoo.base import ZooModel
from keras_vi.zoo.export import export_saved_model


@keras_vi_export("keras_vi.zoo.LatentVariableModel")
class LatentVariableModel(ZooModel):
    """A prior p(z), a decoder p(x|z), an encoder q(z|x) and an objective.

    Each is a part: the likelihood (`keras_vi.likelihoods`) says what the
    decoder outputs and what data fits, the prior (`keras_vi.priors`) gives
    log p(z), samples and the KL, and the objective (`keras_vi.objectives`)
    turns one `Bundle` of them into per-example terms. The model asks its
    parts and never checks their type, so a new part needs no change here.
    The loss lives in `compute_loss` (keras.ops only): `fit`, `evaluate`
    and `predict` run unchanged on TensorFlow, JAX and PyTorch.

    With no `encoder`/`decoder`, defaults are built from the first batch's
    shape: an MLP for vectors, a small conv net for images (H, W) or
    (H, W, C).

    Args:
        latent_dim: size of z (>= 1).
        objective: a `keras_vi.objectives.Objective` (`ELBO`, `IWAEBound`);
            its `num_samples` is the number of z drawn per example.
        encoder: optional Keras model x -> [mean, log_var].
        decoder: optional Keras model z -> the likelihood's parameters (one
            tensor per `likelihood.param_names`, each shaped like one example).
        likelihood: a `keras_vi.likelihoods.Likelihood` or its name:
            `"bernoulli"` (data in [0, 1]), `"gaussian"`,
            `"discretized_logistic"` (integer pixels 0..255).
        prior: a `keras_vi.priors.Prior` or its name (`"standard_normal"`).
        beta: β, the KL weight of the objective (>= 0). It is held once, by
            the model: `kl_weight`, the variable the compiled loss reads,
            starts at β, and a schedule (`callbacks.KLAnnealing`) moves
            `kl_weight` toward it; the objective holds no copy.
        seed: int or None: the sampling noise in training, and `sample`.
        hidden_units: widths of the default networks' hidden layers.
        aggressive: if True, `fit` starts with aggressive inference-network
            training (He et al., 2019; `keras_vi.zoo.aggressive`) and trains
            jointly once the phase ends; the model's `aggressive_done`
            variable records that it ended, also across save and load. Every
            epoch, aggressive or joint, reaches History and `fit`'s callbacks
            (`keras_vi.training.fit_alternating`); `x` must be a NumPy array.
        max_inner_steps: the most encoder steps per decoder step (100).
        dequantization: None, or for 8-bit data a shortcut:
            `likelihood=L, dequantization=D` is
            `likelihood=likelihoods.Dequantized(L, D)` (`"uniform"`,
            `"variational"` or a `keras_vi.layers.Dequantizer`), whose
            log p(x|z) is the bound log p(v|z) - log q(u|x) - D log 256 on the
            discrete log P(x); the config holds the `Dequantized` likelihood.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Returns (of `call`):
        A dict: `mean`, `log_var` (batch, latent_dim) of q(z|x); `z`
        (num_samples, batch, latent_dim). `compute_loss` asks `log_px_z`,
        the one hook for p(x|z), for log p(x|z) of those draws.
    """

    def __init__(self, latent_dim, objective, encoder=None, decoder=None,
                 likelihood="bernoulli", prior="standard_normal", beta=1.0, seed=None,
                 hidden_units=(512, 256), aggressive=False, max_inner_steps=100,
                 dequantization=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        check_objective(objective)
        networks.check_networks(encoder=encoder, decoder=decoder)
        self.likelihood = likelihoods.get(likelihood)
        if dequantization is not None:  # the shortcut, turned into the part once
            self.likelihood = likelihoods.Dequantized(self.likelihood, dequantization, seed=seed)
        self.likelihood_layers = list(self.likelihood.layers)  # tracked: their weights are the model's
        self.prior = priors.get(prior)
        objective.check_prior(self.prior)
        self.objective = objective
        self.encoder, self.decoder = encoder, decoder
        self.hidden_units = networks.check_hidden_units(hidden_units)
        if not isinstance(aggressive, bool):
            raise ValueError(f"`aggressive` must be True or False, got {aggressive!r}.")
        self.aggressive = aggressive
        self.max_inner_steps = check_positive_int(max_inner_steps, "max_inner_steps")
        self.sampling = layers.Sampling(seed=seed, num_samples=objective.num_samples, name="sampling")
        self.beta = check_non_negative_float(beta, "beta")
        # Variables, so a schedule can change them between compiled steps on
        # any backend, and so they are saved with the model.
        self.kl_weight = keras.Variable(self.beta, trainable=False, dtype="float32", name="kl_weight")
        self.aggressive_done = keras.Variable(0.0, trainable=False, dtype="float32", name="aggressive_done")
        # I(x; z) after the last aggressive epoch: the phase ends when it stops rising
        self.aggressive_mutual_information = keras.Variable(
            -np.inf, trainable=False, dtype="float32", name="aggressive_mutual_information")
        # epochs run by an alternating fit (`keras_vi.training.fit_alternating`): where it resumes
        self.alternating_epoch = keras.Variable(0, trainable=False, dtype="int32", name="alternating_epoch")
        # The objective's terms as one metric (one update and one division a
        # step for all of them); `trackers` holds a subclass's further Means.
        self.term_means = (TermMeans(objective.metric_names, name="terms")
                           if objective.metric_names else None)
        self.trackers = {}

    @property
    def loss_metrics(self):
        """The metrics `compute_loss` updates: the objective's terms, then `trackers`."""
        return [m for m in (self.term_means, *self.trackers.values()) if m is not None]

    @property
    def num_samples(self):
        """Draws of z per example in training (the objective's)."""
        return self.objective.num_samples

    def build(self, input_shape):
        self.data_shape = networks.check_data_shape(input_shape[1:])
        if self.encoder is None:
            self.encoder = networks.build_encoder(
                self.data_shape, self.latent_dim, hidden_units=self.hidden_units,
                input_rescaling=self.likelihood.input_rescaling,
            )
        if self.decoder is None:
            self.decoder = networks.build_decoder(
                self.data_shape, self.latent_dim, self.likelihood.param_shapes(self.data_shape),
                hidden_units=self.hidden_units,
            )
        for net, shape in ((self.encoder, (None, *self.data_shape)), (self.decoder, (None, self.latent_dim))):
            if not net.built:
                net.build(shape)
        for layer in self.likelihood_layers:
            if not layer.built:
                layer.build((None, *self.data_shape))
        self.prior.bind(self)
        self.built = True

    def validate_batch(self, batch, name):
        self.likelihood.check_data(batch, name, expected_shape=self.data_shape)

    # The generative and inference networks -----------------------------------

    def encode(self, x, training=False):
        """Returns (mean, log_var) of q(z|x)."""
        self.check_eager(x)
        x = ops.convert_to_tensor(x, dtype=self.variable_dtype)
        self._check_shape(x)
        mean, log_var = self.encoder(x, training=training)
        # q(z|x), the noise and every loss term in float32 under mixed precision
        return ops.cast(mean, self.variable_dtype), ops.cast(log_var, self.variable_dtype)

    def decoder_params(self, z, training=False):
        """Decoder outputs for z of shape (..., latent_dim), keyed by `likelihood.param_names`."""
        z = self.check_z(z)
        lead = ops.shape(z)[:-1]
        out = self.decoder(ops.reshape(z, (-1, self.latent_dim)), training=training)
        out = out if isinstance(out, (list, tuple)) else [out]
        names = self.likelihood.param_names
        if len(out) != len(names):
            raise ValueError(
                f"The decoder must return {len(names)} tensor(s) ({', '.join(names)}) for "
                f"likelihood {self.likelihood!r}, got {len(out)}."
            )
        shapes = self.likelihood.param_shapes(self.data_shape)
        return {n: ops.reshape(ops.cast(o, self.variable_dtype), (*lead, *s))
                for n, o, s in zip(names, out, shapes)}

    def check_z(self, z):
        """z as a tensor of the variable dtype; a ValueError naming `z` if its last axis is
        not latent_dim, or (NumPy input) if it is not finite."""
        if not (isinstance(z, keras.KerasTensor) or ops.is_tensor(z)):
            check_data(np.asarray(z) if not isinstance(z, np.ndarray) else z, "z")
        z = ops.convert_to_tensor(z, dtype=self.variable_dtype)
        if z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"`z` must have last axis latent_dim={self.latent_dim}, got shape {tuple(z.shape)}."
            )
        return z

    def likelihood_distribution(self, params):
        """p(x|z) as a distribution object from `decoder_params`' output."""
        return self.likelihood.distribution(params, event_ndims=len(self.data_shape))

    def decode(self, z):
        """Returns the mean of p(x|z) (pixel probabilities for Bernoulli)."""
        return self.likelihood_distribution(self.decoder_params(z)).mean()

    def reconstruct(self, x):
        """Decodes the posterior mean of each example: decode(E_q[z])."""
        mean, _ = self.encode(x)
        return self.decode(mean)

    def generate(self, n, seed):
        """z ~ p(z) from the model's prior, decoded to the mean of p(x|z)."""
        return self.decode(self.prior.sample(n, seed=seed))

    # Training -----------------------------------------------------------------

    def call(self, x, training=False):
        x = ops.cast(x, self.variable_dtype)
        mean, log_var = self.encode(x, training=training)
        z = self.sampling.draw(mean, log_var)  # both float32 (`encode`)
        return {"mean": mean, "log_var": log_var, "z": z}

    def log_px_z(self, z, x, training=False, seed=None):
        """log p(x|z) for draws z (k, batch, latent_dim) of data x (batch, ...): (k, batch).

        The one hook for p(x|z): here the decoder's parameters for each z and
        the likelihood's `log_prob` (which, for a `Dequantized` likelihood,
        draws u with each z, using `seed`); a model with another decoder
        (`ARVAE`'s autoregressive one) overrides only this.
        """
        params = self.decoder_params(z, training)
        return self.likelihood.log_prob(params, ops.cast(x, self.variable_dtype), len(self.data_shape),
                                        seed=seed)

    def bundle(self, x, outputs, training=False):
        """The objective's `Bundle` for a batch and `call`'s outputs."""
        return Bundle(
            x=ops.cast(x, self.variable_dtype),
            posterior=Normal(outputs["mean"], outputs["log_var"]),
            z=outputs["z"],
            log_px_z=self.log_px_z(outputs["z"], x, training),
            prior=self.prior,
            kl_weight=self.kl_weight,
        )

    def loss_terms_per_example(self, x, outputs, training=False):
        """The objective's per-example terms for a batch and `call`'s outputs."""
        return self.objective(self.bundle(x, outputs, training))

    def log_weights(self, x, num_samples, proposal="posterior", seed=None):
        """Log importance weights of `num_samples` draws of z per example: (k, batch).

        `proposal="posterior"`: z ~ q(z|x), log w = log p(x|z) + log p(z) -
        log q(z|x). `proposal="prior"`: z ~ p(z) (the model's prior), log w =
        log p(x|z). `keras_vi.estimators.log_likelihood` averages them in chunks.
        """
        check_choice(proposal, "proposal", ("posterior", "prior"))
        x = ops.cast(x, self.variable_dtype)
        mean, log_var = self.encode(x)
        if proposal == "prior":
            batch = ops.shape(x)[0]
            z = ops.reshape(self.prior.sample(num_samples * batch, seed=seed),
                            (num_samples, batch, self.latent_dim))
        else:
            z = Normal(mean, log_var).sample(seed=seed, num_samples=num_samples)
        log_px_z = self.log_px_z(z, x, seed=seed)
        if proposal == "prior":
            return log_px_z
        return log_px_z + self.prior.log_prob(z) - Normal(mean, log_var).log_prob(z)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        del y  # labels, if the data has them, play no part in the objective
        terms = self.loss_terms_per_example(x, y_pred, training)
        if self.term_means is not None:
            self.term_means.update_state(terms, sample_weight=sample_weight)
        for term, tracker in self.trackers.items():
            tracker.update_state(terms[term], sample_weight=sample_weight)
        loss = self.weighted_loss(terms["loss"], sample_weight)
        if self.losses:  # from `add_loss` in custom encoder or decoder layers
            loss = loss + sum_of_losses(self.losses)
        return self.replica_loss(loss, x)

    def after_fit(self, history, batch):
        # posterior collapse is never silent (`metrics.PosteriorCollapseWarning`)
        from keras_vi.metrics import warn_if_collapsed  # metrics import the zoo

        kl = history.history.get("kl") if history is not None else None
        warn_if_collapsed(self, batch, training_kl=kl[-1] if kl else None, stacklevel=4)

    def _fit(self, x, y, **kwargs):
        # A fit resumed from a checkpoint starts here too: the alternating loop
        # loads it and continues, in the aggressive phase or after it.
        if self.aggressive and float(ops.convert_to_numpy(self.aggressive_done)) == 0.0:
            return fit_aggressive(self, x, y, **kwargs)
        return super()._fit(x, y, **kwargs)

    # Export and serialization -------------------------------------------------

    def export(self, filepath, format="tf_saved_model", verbose=True, **kwargs):
        """A TF SavedModel with `encode`, `decode`, `sample`, `serve` (see `zoo.export`)."""
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose, **kwargs)
        export_saved_model(self, filepath, verbose=verbose)

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "objective": serialize(self.objective),
            "encoder": None if self.encoder is None else serialize(self.encoder),
            "decoder": None if self.decoder is None else serialize(self.decoder),
            "likelihood": likelihoods.serialize(self.likelihood),
            "prior": priors.serialize(self.prior),
            "beta": self.beta,
            "hidden_units": list(self.hidden_units),
            "aggressive": self.aggressive,
            "max_inner_steps": self.max_inner_steps,
            "dequantization": None,  # a shortcut: the likelihood holds the dequantizer
        }

    @classmethod
    def from_config(cls, config):
        # deserialize_keras_object consumes nested configs: work on a copy.
        config = copy.deepcopy(config)
        for key in ("objective", "encoder", "decoder"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
