"""FactorVAE: a VAE with a discriminator that estimates, and penalizes, total correlation."""

import keras
import numpy as np
from keras import ops

from keras_vi import _random
from keras_vi._replicas import gather_across_replicas
from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Normal
from keras_vi.objectives import ELBO
from keras_vi.datasets.batches import Batches
from keras_vi.training import SubsetTrainer, check_fit_arguments, fit_alternating
from keras_vi.utils import check_non_negative_float
from keras_vi.zoo import networks
from keras_vi.zoo.latent_variable_model import LatentVariableModel


def permute_dimensions(z, seed):
    """Each column of z (batch, d) shuffled by its own random permutation: a draw of prod_d q(z_d)."""
    keys = _random.uniform(ops.shape(z), seed=seed)
    return ops.take_along_axis(z, ops.argsort(keys, axis=0), axis=0)


@keras_vi_export("keras_vi.zoo.FactorVAE")
class FactorVAE(LatentVariableModel):
    """ELBO - γ TC, with TC = KL(q(z) || prod_d q(z_d)) estimated by a discriminator.

    A discriminator D tells codes z ~ q(z) (drawn through the encoder) from
    codes whose dimensions were shuffled independently across a batch
    (draws of prod_d q(z_d)). Its logit estimates log q(z) / prod_d q(z_d)
    (the density-ratio trick), so TC ~ E_q[logit(z)]; the VAE's loss is
    -(ELBO - γ TC). Training alternates, as in Kim and Mnih's Algorithm 2:
    a VAE step on one batch (the discriminator fixed), then a discriminator
    step on two batches (its own optimizer, codes fixed) — both Keras'
    compiled `train_on_batch` of a `keras_vi.training.SubsetTrainer`, so the
    same code runs on every backend. `fit` takes NumPy arrays or a sized
    batch sequence (a `keras.utils.PyDataset`, e.g. `DSprites.batches`) and
    calls the usual callbacks (`KLAnnealing`, `History`, progress bar).

    Logs `total_correlation` (the discriminator's estimate) and
    `discriminator_loss` besides the ELBO's terms.

    Args:
        latent_dim: size of z (>= 2: a single dimension has no correlation).
        gamma: γ >= 0, the weight of the total correlation (35 for dSprites
            in Kim and Mnih).
        discriminator_units: widths of D's hidden layers (6 x 1000 in the
            paper), leaky ReLU (0.2).
        discriminator_learning_rate: D's Adam step (1e-4; betas 0.5, 0.9).
        **kwargs: `encoder`, `decoder`, `likelihood`, `prior`, `beta`, `seed`,
            ...: see `LatentVariableModel`.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import FactorVAE
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> model = FactorVAE(latent_dim=4, discriminator_units=[32])
        >>> sorted(model.fit(x, epochs=1, verbose=0).history)
        ['discriminator_loss', 'elbo', 'kl', 'loss', 'reconstruction', 'total_correlation']

    Reference:
        Kim and Mnih, Disentangling by Factorising, ICML 2018.
    """


    def __init__(self, latent_dim, gamma=35.0, discriminator_units=(1000,) * 6,
                 discriminator_learning_rate=1e-4, **kwargs):
        super().__init__(latent_dim, objective=ELBO(), **kwargs)
        if self.latent_dim < 2:
            raise ValueError(f"`latent_dim` must be >= 2 for a FactorVAE, got {latent_dim}.")
        self.gamma = check_non_negative_float(gamma, "gamma")
        self.discriminator_units = networks.check_hidden_units(discriminator_units, "discriminator_units")
        self.discriminator_learning_rate = check_non_negative_float(
            discriminator_learning_rate, "discriminator_learning_rate")
        self.discriminator = None  # built with the model, after its encoder and decoder
        self.trackers["total_correlation"] = keras.metrics.Mean(name="total_correlation")
        self.discriminator_optimizer = None

    def build(self, input_shape):
        super().build(input_shape)
        if self.discriminator is None:
            stack = [keras.Input((self.latent_dim,))]
            for units in self.discriminator_units:
                stack += [keras.layers.Dense(units), keras.layers.LeakyReLU(0.2)]
            self.discriminator = keras.Sequential(stack + [keras.layers.Dense(1)], name="discriminator")

    @property
    def trainable_variables(self):
        """The VAE's variables: the discriminator has its own trainer."""
        if self.discriminator is None:
            return super().trainable_variables
        exclude = {id(v) for v in self.discriminator.trainable_variables}
        return [v for v in super().trainable_variables if id(v) not in exclude]

    trainable_weights = trainable_variables

    def tc_logits(self, z):
        """D's logit log q(z) / prod_d q(z_d) for codes z (..., latent_dim): (...)."""
        lead = ops.shape(z)[:-1]
        logits = self.discriminator(ops.reshape(z, (-1, self.latent_dim)))
        return ops.reshape(ops.cast(logits, self.variable_dtype), lead)

    def loss_terms_per_example(self, x, outputs, training=False):
        terms = dict(super().loss_terms_per_example(x, outputs, training))
        tc = ops.mean(self.tc_logits(outputs["z"]), axis=0)
        terms["total_correlation"] = tc
        terms["loss"] = terms["loss"] + ops.cast(self.gamma, tc.dtype) * tc
        return terms

    # The discriminator's step ---------------------------------------------------

    def _discriminator_forward(self, x, training):
        """x: two batches stacked (2M, ...) -> logits of [z ~ q(z); permuted z]."""
        mean, log_var = self.encode(ops.cast(x, self.variable_dtype))
        z = ops.stop_gradient(Normal(mean, log_var).sample(seed=self.seed_generator))
        # under tf.distribute the two stacked batches are split across replicas:
        # every replica scores the whole (gathered) pair, as one device does
        z = gather_across_replicas(z)
        half = ops.shape(z)[0] // 2
        joint, shuffled = z[:half], permute_dimensions(z[half:], self.seed_generator)
        logits = self.discriminator(ops.concatenate([joint, shuffled], axis=0), training=training)[:, 0]
        return ops.cast(logits, self.variable_dtype)

    def _discriminator_loss(self, x, y, logits, sample_weight):
        # Cross-entropy with label 1 for joint codes, 0 for permuted ones.
        half = ops.shape(logits)[0] // 2
        loss = 0.5 * (ops.mean(ops.softplus(-logits[:half])) + ops.mean(ops.softplus(logits[half:])))
        return loss

    def make_trainers(self):
        """(VAE trainer, discriminator trainer): the two alternating compiled steps.

        The first updates the VAE's variables with the model's optimizer
        (the discriminator held); the second, on two batches stacked, updates
        only the discriminator with its own Adam (codes held).
        """
        if not self.built:
            raise ValueError("The model must be built (call it or fit) before `make_trainers`.")
        self._ensure_compiled()
        self.build_optimizer()
        # The model's own trainable variables are the VAE's (its property
        # leaves the discriminator out), so the model's optimizer fits them.
        vae_step = SubsetTrainer(self, [self], name="vae_trainer")
        vae_step.compile(optimizer=self.optimizer)
        d_step = SubsetTrainer(self, [self.discriminator], loss=self._discriminator_loss,
                               forward=self._discriminator_forward, trackers=(),
                               name="discriminator_trainer")
        if self.discriminator_optimizer is None:  # kept across fits, like the model's
            self.discriminator_optimizer = keras.optimizers.Adam(
                self.discriminator_learning_rate, beta_1=0.5, beta_2=0.9)
        d_step.compile(optimizer=self.discriminator_optimizer)
        if not self.discriminator_optimizer.built:  # so a checkpoint's state loads into it
            self.discriminator_optimizer.build(self.discriminator.trainable_variables)
        return vae_step, d_step

    def _fit(self, x, y=None, epochs=1, batch_size=None, verbose="auto", callbacks=None,
             validation_data=None, shuffle=True, initial_epoch=0, **kwargs):
        del y  # labels play no part in the objective
        check_fit_arguments(kwargs, "FactorVAE")
        if isinstance(x, np.ndarray):
            # every batch full: the discriminator's step splits two stacked batches in half
            batches = Batches(x, batch_size=batch_size or 32, shuffle=shuffle, seed=self.seed or 0,
                              drop_remainder=True)
        elif hasattr(x, "__len__") and hasattr(x, "__getitem__"):
            batches = x
        else:
            raise ValueError(
                "`x` must be a NumPy array or a sized batch sequence (keras.utils.PyDataset) for "
                f"FactorVAE's alternating steps, got {type(x).__name__}."
            )
        with self.strategy_scope():  # the trainers run under the model's tf.distribute strategy
            vae_step, d_step = self.make_trainers()

        def run_epoch(epoch):
            if isinstance(x, np.ndarray):
                batches.epoch = epoch
            # each VAE batch's partner: another batch of the epoch, for the permuted codes
            n = len(batches)
            others = (np.arange(n) + np.random.default_rng([self.seed or 0, epoch, 2]).integers(1, n)) % n \
                if n > 1 else np.zeros(1, int)
            for i in range(n):
                yield lambda i=i: self._alternating_step(vae_step, d_step, batches[i], batches[int(others[i])])
            if not isinstance(x, np.ndarray) and hasattr(batches, "on_epoch_end"):
                batches.on_epoch_end()
            return {}

        return fit_alternating(self, run_epoch, epochs, len(batches), callbacks=callbacks, verbose=verbose,
                               initial_epoch=initial_epoch, validation_data=validation_data,
                               batch_size=batch_size)

    @staticmethod
    def _alternating_step(vae_step, d_step, batch, other):
        """A VAE step on `batch`, then a discriminator step on `batch` and `other`: their logs."""
        batch, other = _inputs(batch), _inputs(other)
        values = vae_step.step(batch)
        values["discriminator_loss"] = d_step.step(np.concatenate([batch, other]))["loss"]
        return values

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return {
            **config,
            "gamma": self.gamma,
            "discriminator_units": list(self.discriminator_units),
            "discriminator_learning_rate": self.discriminator_learning_rate,
        }


def _inputs(batch):
    return batch[0] if isinstance(batch, tuple) else batch
