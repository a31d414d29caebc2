"""The base latent variable model: prior, encoder, decoder and a portable loss."""

import copy

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Bernoulli, Normal
from keras_vi.layers import Sampling
from keras_vi.objectives import ELBO, IWAEBound, kl_normal_standard_normal
from keras_vi.utils import (
    check_choice,
    check_data,
    check_positive_int,
    sum_of_losses,
)
from keras_vi.zoo import networks
from keras_vi.zoo.aggressive import fit_aggressive

LIKELIHOODS = ("bernoulli", "gaussian")


@keras_vi_export("keras_vi.zoo.LatentVariableModel")
class LatentVariableModel(keras.Model):
    """p(z) = N(0, I), a decoder p(x|z), an encoder q(z|x) and an objective.

    The training logic lives in `compute_loss`, which uses `keras.ops` only, so
    `fit`, `evaluate` and `predict` run unchanged on TensorFlow, JAX and
    PyTorch. `call` draws `num_samples` latents per example with a `Sampling`
    layer and returns everything the objective needs; the objective (an `ELBO`
    or an `IWAEBound`) turns that into per-example terms. The zoo models
    (`VAE`, `BetaVAE`, `IWAE`) only choose the objective.

    With no `encoder`/`decoder`, defaults are built from the first batch's
    shape: an MLP for vectors, a small conv net for images (H, W) or
    (H, W, C). `fit` compiles with Adam(1e-3) when the model is not compiled.

    Args:
        latent_dim: size of z (>= 1).
        objective: an `ELBO` or `IWAEBound` instance.
        encoder: optional Keras model x -> [mean, log_var].
        decoder: optional Keras model z -> logits (Bernoulli) or
            [mean, log_var] (Gaussian), each shaped like one example.
        likelihood: `"bernoulli"` (data in [0, 1]) or `"gaussian"`.
        num_samples: latent draws per example in training (IWAE's k).
        seed: int or None, the seed of the sampling noise.
        hidden_units: widths of the default networks' hidden layers (the MLP's
            layers; the conv net uses the last one for its dense layer).
        aggressive: if True, `fit` starts with aggressive inference-network
            training (He et al., 2019; see `keras_vi.zoo.aggressive`): before
            each decoder step the encoder alone trains until its loss stops
            falling, for as long as I(x; z) keeps rising from epoch to epoch;
            the remaining epochs train jointly. Needs NumPy `x`; Keras
            callbacks run in the joint epochs only.
        max_inner_steps: the most encoder steps per decoder step (100).
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Call arguments:
        x: a batch of data.
        training: Python bool.

    Returns (of `call`):
        A dict: `mean`, `log_var` (batch, latent_dim) of q(z|x); `z`
        (num_samples, batch, latent_dim); and the decoder's parameters for each
        z: `logits` (Bernoulli) or `x_mean`, `x_log_var` (Gaussian), shaped
        (num_samples, batch, *data_shape).
    """

    def __init__(
        self,
        latent_dim,
        objective,
        encoder=None,
        decoder=None,
        likelihood="bernoulli",
        num_samples=1,
        seed=None,
        hidden_units=(512, 256),
        aggressive=False,
        max_inner_steps=100,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.num_samples = check_positive_int(num_samples, "num_samples")
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        if not isinstance(objective, (ELBO, IWAEBound)):
            raise ValueError(
                "`objective` must be a keras_vi.objectives.ELBO or IWAEBound, "
                f"got {type(objective).__name__}."
            )
        if isinstance(objective, IWAEBound) and objective.num_samples != self.num_samples:
            raise ValueError(
                "`num_samples` must equal the IWAEBound's num_samples "
                f"({objective.num_samples}), got {self.num_samples}."
            )
        for name, net in (("encoder", encoder), ("decoder", decoder)):
            if net is not None and not isinstance(net, keras.layers.Layer):
                raise ValueError(
                    f"`{name}` must be a Keras model or layer, got {type(net).__name__}."
                )
        self.objective = objective
        self.encoder = encoder
        self.decoder = decoder
        self.seed = seed
        hidden_units = list(hidden_units) if isinstance(hidden_units, (list, tuple)) else None
        if not hidden_units or any(
            isinstance(u, bool) or not isinstance(u, int) or u < 1 for u in hidden_units
        ):
            raise ValueError(
                f"`hidden_units` must be a non-empty list of positive ints, got {hidden_units!r}."
            )
        self.hidden_units = tuple(hidden_units)  # a tuple: Keras would track a list
        if not isinstance(aggressive, bool):
            raise ValueError(f"`aggressive` must be True or False, got {aggressive!r}.")
        self.aggressive = aggressive
        self.max_inner_steps = check_positive_int(max_inner_steps, "max_inner_steps")
        self.data_shape = None
        self._aggressive_done = False
        self.sampling = Sampling(seed=seed, num_samples=self.num_samples, name="sampling")
        self.prior_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1
        )
        # The KL weight used by the loss lives in a variable, so a schedule
        # (KL annealing) can change it between compiled steps on any backend.
        self.kl_weight = keras.Variable(
            getattr(objective, "beta", 1.0),
            trainable=False,
            dtype="float32",
            name="kl_weight",
        )
        self.loss_terms = ["reconstruction", "kl", "elbo"]
        if isinstance(objective, IWAEBound):
            self.loss_terms.append("iwae_bound")
        self.trackers = {
            term: keras.metrics.Mean(name=term) for term in self.loss_terms
        }

    # Building -----------------------------------------------------------------

    def build(self, input_shape):
        self.data_shape = networks._check_data_shape(input_shape[1:])
        if self.encoder is None:
            self.encoder = networks.build_encoder(
                self.data_shape, self.latent_dim, hidden_units=self.hidden_units
            )
        if self.decoder is None:
            self.decoder = networks.build_decoder(
                self.data_shape, self.latent_dim, self.likelihood, hidden_units=self.hidden_units
            )
        for net, shape in (
            (self.encoder, (None, *self.data_shape)),
            (self.decoder, (None, self.latent_dim)),
        ):
            if not net.built:
                net.build(shape)
        self.built = True

    def _check_shape(self, x, name="x"):
        shape = tuple(x.shape)
        if self.data_shape is not None and shape[1:] != self.data_shape:
            raise ValueError(
                f"`{name}` must have shape (batch, "
                f"{', '.join(map(str, self.data_shape))}) (rank "
                f"{len(self.data_shape) + 1}), got shape {shape}."
            )

    # The generative and inference networks -----------------------------------

    def encode(self, x, training=False):
        """Returns (mean, log_var) of q(z|x)."""
        x = ops.convert_to_tensor(x, dtype=self.compute_dtype)
        self._check_shape(x)
        mean, log_var = self.encoder(x, training=training)
        return mean, log_var

    def decoder_params(self, z, training=False):
        """Decoder parameters for z of shape (..., latent_dim), as a dict."""
        z = ops.convert_to_tensor(z, dtype=self.compute_dtype)
        if z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"`z` must have last axis latent_dim={self.latent_dim}, got shape "
                f"{tuple(z.shape)}."
            )
        lead = ops.shape(z)[:-1]
        out = self.decoder(ops.reshape(z, (-1, self.latent_dim)), training=training)
        out = out if isinstance(out, (list, tuple)) else [out]
        expected = 1 if self.likelihood == "bernoulli" else 2
        if len(out) != expected:
            raise ValueError(
                f"The decoder must return {expected} tensor(s) for "
                f"likelihood={self.likelihood!r}, got {len(out)}."
            )
        out = [ops.reshape(o, (*lead, *self.data_shape)) for o in out]
        if self.likelihood == "bernoulli":
            return {"logits": out[0]}
        return {"x_mean": out[0], "x_log_var": out[1]}

    def likelihood_distribution(self, params):
        """p(x|z) as a distribution object from `decoder_params`' output."""
        event_ndims = len(self.data_shape)
        if self.likelihood == "bernoulli":
            return Bernoulli(params["logits"], event_ndims=event_ndims)
        return Normal(params["x_mean"], params["x_log_var"], event_ndims=event_ndims)

    def decode(self, z):
        """Returns the mean of p(x|z) (pixel probabilities for Bernoulli)."""
        return self.likelihood_distribution(self.decoder_params(z)).mean()

    def reconstruct(self, x):
        """Decodes the posterior mean of each example: decode(E_q[z])."""
        mean, _ = self.encode(x)
        return self.decode(mean)

    def sample(self, num_samples, seed=None):
        """Draws `num_samples` z ~ p(z) and returns the decoded means.

        Args:
            num_samples: how many samples (>= 1).
            seed: int for a reproducible draw, or None for the model's own
                seed generator (a new draw each call).
        """
        num_samples = check_positive_int(num_samples, "num_samples")
        if not self.built:
            raise ValueError("The model must be built (call fit or the model) before `sample`.")
        seed = self.prior_seed_generator if seed is None else seed
        z = keras.random.normal((num_samples, self.latent_dim), seed=seed)
        return self.decode(z)

    # Training -----------------------------------------------------------------

    def call(self, x, training=False):
        x = ops.cast(x, self.compute_dtype)
        mean, log_var = self.encode(x, training=training)
        z = self.sampling([mean, log_var])
        return {"mean": mean, "log_var": log_var, "z": z, **self.decoder_params(z, training)}

    def loss_terms_per_example(self, x, outputs):
        """The objective's per-example terms for a batch and `call`'s outputs."""
        x = ops.cast(x, self.compute_dtype)
        mean, log_var, z = outputs["mean"], outputs["log_var"], outputs["z"]
        log_px_z = self.likelihood_distribution(outputs).log_prob(x[None])  # (k, B)
        kl_per_dim = kl_normal_standard_normal(mean, log_var, per_dimension=True)
        reconstruction = ops.mean(log_px_z, axis=0)
        kl = ops.sum(kl_per_dim, axis=-1)
        if isinstance(self.objective, ELBO):
            return self.objective(reconstruction, kl_per_dim, beta=self.kl_weight)
        log_pz, log_qz_x = self._log_prior_and_posterior(z, mean, log_var)
        terms = self.objective(log_px_z, log_pz, log_qz_x)
        return {
            **terms,
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": reconstruction - kl,
        }

    @staticmethod
    def _log_prior_and_posterior(z, mean, log_var):
        """log p(z) under N(0, I) and log q(z|x), for z of shape (k, batch, d)."""
        log_pz = Normal(ops.zeros_like(mean), ops.zeros_like(mean)).log_prob(z)
        return log_pz, Normal(mean, log_var).log_prob(z)

    def log_weights(self, x, num_samples, proposal="posterior", seed=None):
        """Log importance weights of `num_samples` draws per example: (k, batch).

        `proposal="posterior"`: z ~ q(z|x), log w = log p(x|z) + log p(z) -
        log q(z|x). `proposal="prior"`: z ~ p(z), log w = log p(x|z).
        `keras_vi.estimators.log_likelihood` averages them in chunks.
        """
        check_choice(proposal, "proposal", ("posterior", "prior"))
        x = ops.cast(x, self.compute_dtype)
        mean, log_var = self.encode(x)
        if proposal == "prior":
            mean, log_var = ops.zeros_like(mean), ops.zeros_like(log_var)
        z = Normal(mean, log_var).sample(seed=seed, num_samples=num_samples)
        log_px_z = self.likelihood_distribution(self.decoder_params(z)).log_prob(x[None])
        if proposal == "prior":
            return log_px_z
        log_pz, log_qz_x = self._log_prior_and_posterior(z, mean, log_var)
        return log_px_z + log_pz - log_qz_x

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del y  # labels, if the data has them, play no part in the objective
        terms = self.loss_terms_per_example(x, y_pred)
        for term, tracker in self.trackers.items():
            tracker.update_state(terms[term], sample_weight=sample_weight)
        if sample_weight is None:
            loss = ops.mean(terms["loss"])
        else:
            w = ops.cast(ops.reshape(sample_weight, (-1,)), terms["loss"].dtype)
            loss = ops.sum(w * terms["loss"]) / ops.maximum(ops.sum(w), 1e-12)
        if self.losses:  # from `add_loss` in custom encoder or decoder layers
            loss = loss + sum_of_losses(self.losses)
        return loss

    # User-facing training entry points ----------------------------------------

    def _ensure_compiled(self):
        if not self.compiled:
            self.compile(optimizer=keras.optimizers.Adam(1e-3))

    def _check_first_batch(self, x, name):
        """Eager checks of the data: shape, NaN and the Bernoulli range.

        NumPy arrays are checked whole; for a dataset or a loader the first
        batch is checked (the rest would cost a full pass before training).
        """
        if x is None:
            raise ValueError(f"`{name}` is required.")
        batch = x
        if not isinstance(x, np.ndarray) and not hasattr(x, "__array__"):
            if isinstance(x, (list, tuple)) and len(x):
                batch = x[0]
            else:
                try:
                    batch = next(iter(x))
                except TypeError:
                    raise ValueError(
                        f"`{name}` must be a NumPy array, a tf.data.Dataset, a "
                        "PyTorch DataLoader or a keras.utils.PyDataset, got "
                        f"{type(x).__name__}."
                    ) from None
                if isinstance(batch, dict):
                    raise ValueError(f"`{name}` must yield tensors, not dicts.")
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
        batch = ops.convert_to_numpy(batch) if not isinstance(batch, np.ndarray) else batch
        check_data(
            batch,
            name,
            expected_shape=self.data_shape,
            unit_interval=self.likelihood == "bernoulli",
        )

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after eager checks of `x`; compiles if needed.

        Raises:
            ValueError: `x` has the wrong rank or shape, holds NaN or inf, or
                lies outside [0, 1] with a Bernoulli likelihood.
            FloatingPointError: the training loss became NaN or infinite.
        """
        self._check_first_batch(x, "x")
        self._ensure_compiled()
        if not isinstance(x, np.ndarray) and not hasattr(x, "__array__"):
            # datasets and loaders shuffle themselves; Keras warns otherwise
            kwargs.setdefault("shuffle", False)
        callbacks = list(kwargs.pop("callbacks", None) or []) + [_RaiseOnNonFiniteLoss()]
        if self.aggressive and not self._aggressive_done:
            return self._fit_aggressive_then_jointly(x, y, callbacks, **kwargs)
        return super().fit(x, y, callbacks=callbacks, **kwargs)

    def _fit_aggressive_then_jointly(self, x, y, callbacks, **kwargs):
        if not isinstance(x, np.ndarray):
            raise ValueError(
                "`x` must be a NumPy array with aggressive=True (the encoder's "
                "inner loop draws random batches from it)."
            )
        epochs = kwargs.pop("epochs", 1)
        batch_size = kwargs.get("batch_size") or 32
        validation = kwargs.get("validation_data")
        validation_x = validation if isinstance(validation, np.ndarray) else x[:1000]
        if not self.built:
            self.build(x.shape)
        done, logs = fit_aggressive(
            self, x.astype(np.float32), epochs, batch_size, validation_x,
            self.max_inner_steps, seed=self.seed or 0, verbose=kwargs.get("verbose", 1),
        )
        self._aggressive_done = True
        history = super().fit(
            x, y, callbacks=callbacks, epochs=epochs, initial_epoch=done, **kwargs
        ) if done < epochs else keras.callbacks.History()
        joint = getattr(history, "history", {}) or {}
        history.history = {
            "aggressive_loss": [entry["loss"] for entry in logs],
            "aggressive_mutual_information": [entry["mutual_information"] for entry in logs],
            "aggressive_encoder_steps": [entry["mean_encoder_steps"] for entry in logs],
            **joint,
        }
        return history

    def evaluate(self, x=None, y=None, **kwargs):
        """`keras.Model.evaluate`, after the same eager checks as `fit`."""
        self._check_first_batch(x, "x")
        self._ensure_compiled()
        return super().evaluate(x, y, **kwargs)

    # Export and serialization -------------------------------------------------

    def export(self, filepath, format="tf_saved_model", verbose=True, **kwargs):
        """Writes a TF SavedModel with `encode`, `decode`, `sample`, `serve`.

        Endpoints (float32): `encode(x)` -> {"mean", "log_var"};
        `decode(z)` -> mean of p(x|z); `sample(noise)` -> images decoded from
        noise ~ N(0, I) of shape (n, latent_dim); `serve(x)` -> reconstructions.
        Works on the TensorFlow and JAX backends; other formats go to
        `keras.Model.export`.
        """
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose, **kwargs)
        if keras.backend.backend() not in ("tensorflow", "jax"):
            raise ValueError(
                "SavedModel export needs the TensorFlow or JAX backend, got "
                f"{keras.backend.backend()!r}. Save with model.save('model.keras'), "
                "then load it under KERAS_BACKEND=tensorflow with "
                "keras.saving.load_model('model.keras') and call .export(path)."
            )
        if not self.built:
            raise ValueError("The model must be built (call fit or the model) before `export`.")
        archive = keras.export.ExportArchive()
        archive.track(self)
        x_spec = [keras.InputSpec(shape=(None, *self.data_shape), dtype="float32")]
        z_spec = [keras.InputSpec(shape=(None, self.latent_dim), dtype="float32")]

        def encode(x):
            mean, log_var = self.encode(x)
            return {"mean": mean, "log_var": log_var}

        archive.add_endpoint("encode", encode, input_signature=x_spec)
        archive.add_endpoint("decode", self.decode, input_signature=z_spec)
        def sample(noise):
            # The prior is N(0, I): z is the standard normal noise itself.
            return self.decode(noise)

        archive.add_endpoint("sample", sample, input_signature=z_spec)
        archive.add_endpoint("serve", self.reconstruct, input_signature=x_spec)
        archive.write_out(filepath, verbose=verbose)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "objective": keras.saving.serialize_keras_object(self.objective),
                "encoder": keras.saving.serialize_keras_object(self.encoder)
                if self.encoder is not None
                else None,
                "decoder": keras.saving.serialize_keras_object(self.decoder)
                if self.decoder is not None
                else None,
                "likelihood": self.likelihood,
                "num_samples": self.num_samples,
                "seed": self.seed,
                "hidden_units": list(self.hidden_units),
                "aggressive": self.aggressive,
                "max_inner_steps": self.max_inner_steps,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        # deserialize_keras_object consumes nested configs: work on a copy.
        config = copy.deepcopy(config)
        for key in ("objective", "encoder", "decoder"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


class _RaiseOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training with an error when an epoch's loss is NaN or infinite."""

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            raise FloatingPointError(
                f"The training loss is {loss} after epoch {epoch + 1}: check the "
                "data (NaN, range) and lower the learning rate."
            )
