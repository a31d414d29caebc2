"""Training a subset of a model's variables through Keras' own compiled steps."""

import keras
from keras import ops

from keras_vi._replicas import num_data_parallel_devices, share_of_global_mean
from keras_vi.api_export import keras_vi_export


@keras_vi_export("keras_vi.training.SubsetTrainer")
class SubsetTrainer(keras.Model):
    """A Keras model around `model` whose trainable variables are a chosen subset.

    Every other variable of `model` counts as non-trainable state, so Keras'
    own `train_on_batch` / `fit` computes gradients for, and updates, the
    chosen layers only, on TensorFlow, JAX and PyTorch alike: no
    backend-specific training step. Aggressive inference-network training
    (encoder only, then decoder only) and an adversary with its own optimizer
    (FactorVAE's discriminator) are both such trainers.

    Args:
        model: the model whose variables are trained.
        layers: the layers whose trainable variables are the subset.
        loss: None for `model.compute_loss`; else a callable
            `(x, y, y_pred, sample_weight) -> scalar loss`.
        forward: None for `model(x, training=...)`; else a callable
            `(x, training) -> y_pred`.
        trackers: the metrics the loss updates, reported by `train_on_batch`
            and kept in the compiled step's state (on JAX, a metric outside
            the state would not see its updates); None for the model's
            `loss_metrics` (a latent variable model's loss terms), if any.
        **kwargs: base `keras.Model` arguments (`name`).

    Examples:
        >>> import numpy as np, keras, keras_vi
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8)).astype("float32")
        >>> vae = keras_vi.zoo.VAE(latent_dim=2)
        >>> vae.build(x.shape)
        >>> trainer = keras_vi.training.SubsetTrainer(vae, [vae.encoder])
        >>> trainer.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> logs = trainer.train_on_batch(x, return_dict=True)  # the decoder's weights do not move
    """

    def __init__(self, model, layers, loss=None, forward=None, trackers=None, **kwargs):
        kwargs.setdefault("name", "subset_trainer")  # TF scopes reject a leading "_"
        super().__init__(**kwargs)
        if not layers:
            raise ValueError("`layers` must name at least one layer to train.")
        self.model = model
        self._selected = {id(v) for layer in layers for v in layer.trainable_variables}
        self._loss = loss
        self._forward = forward
        if trackers is None:
            trackers = getattr(model, "loss_metrics", None)
            if trackers is None:
                trackers = getattr(model, "trackers", {}).values()
        self._trackers = list(trackers)

    @property
    def metrics(self):
        own = super().metrics
        seen = {id(m) for m in own}
        return own + [m for m in self._trackers if id(m) not in seen]

    @property
    def trainable_variables(self):
        # From all of the model's variables, in their order: the model may
        # hide some from its own `trainable_variables` (FactorVAE's
        # discriminator, which this class trains separately).
        return [v for v in self.model.variables if id(v) in self._selected]

    @property
    def non_trainable_variables(self):
        return [v for v in self.model.variables if id(v) not in self._selected]

    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables

    def call(self, x, training=False):
        if self._forward is not None:
            return self._forward(x, training)
        return self.model(x, training=training)

    def step(self, x):
        """One training step on batch `x`; returns the logs (a dict of floats).

        `train_on_batch`, except under a tf.distribute strategy with several
        replicas: there Keras' `train_on_batch` hands every replica the whole
        batch, so the step goes through `fit`, which splits the batch across
        the replicas as one device's step would see it.
        """
        if num_data_parallel_devices(self) > 1 and keras.backend.backend() == "tensorflow":
            size = int(ops.shape(x)[0])
            history = self.fit(x, batch_size=size, epochs=1, shuffle=False, verbose=0).history
            return {name: float(values[-1]) for name, values in history.items()}
        return self.train_on_batch(x, return_dict=True)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self._loss is not None:
            # as a zoo model's: under tf.distribute, each replica's share of the global mean
            return share_of_global_mean(self._loss(x, y, y_pred, sample_weight), x)
        return self.model.compute_loss(x, y, y_pred, sample_weight, training)  # its share already
