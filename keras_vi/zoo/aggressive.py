"""Aggressive inference-network training (He et al., 2019), on any backend.

Posterior collapse starts early: the decoder improves faster than the encoder
can follow, so q(z|x) lags behind the true posterior and the KL term pushes it
onto the prior. He et al. let the encoder catch up: before every decoder update
the encoder alone takes up to `max_inner_steps` steps, until its loss stops
improving; the aggressive phase ends once the mutual information I(x; z)
under q stops rising from one epoch to the next, and plain joint training
follows.

Updating only the encoder or only the decoder is done without a
backend-specific training step: a `_PhaseTrainer` is a Keras model around the
same latent variable model whose *trainable* variables are one network's,
every other variable counting as non-trainable state. Keras' own compiled
`train_on_batch` then computes gradients for, and updates, that network only,
on TensorFlow, JAX and PyTorch alike.

Reference:
    He, Spokoyny, Neubig and Berg-Kirkpatrick, Lagging Inference Networks and
    Posterior Collapse in Variational Autoencoders, ICLR 2019, Algorithm 1.
"""

import keras
import numpy as np

from keras_vi.metrics.diagnostics import mutual_information


class _PhaseTrainer(keras.Model):
    """Trains the variables of `networks` inside `model`; the rest is state."""

    def __init__(self, model, networks, **kwargs):
        kwargs.setdefault("name", "phase_trainer")  # TF scopes reject a leading "_"
        super().__init__(**kwargs)
        self.model = model
        self._selected = {id(v) for net in networks for v in net.trainable_variables}

    @property
    def trainable_variables(self):
        return [v for v in self.model.trainable_variables if id(v) in self._selected]

    @property
    def non_trainable_variables(self):
        return [v for v in self.model.variables if id(v) not in self._selected]

    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables

    def call(self, x, training=False):
        return self.model(x, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return self.model.compute_loss(x, y, y_pred, sample_weight, training)


def _fresh_optimizer(optimizer):
    return optimizer.__class__.from_config(optimizer.get_config())


def encoder_catch_up(encoder_trainer, x, rng, batch_size, max_inner_steps, check_every=10):
    """Encoder-only steps on random batches until the loss stops improving.

    He et al.'s rule: every `check_every` steps, compare the mean loss of those
    steps with the previous `check_every`; stop when it no longer falls, or
    after `max_inner_steps`. Returns the number of steps taken.
    """
    previous, current = np.inf, 0.0
    for step in range(1, max_inner_steps + 1):
        batch = x[rng.integers(0, len(x), size=min(batch_size, len(x)))]
        current += float(encoder_trainer.train_on_batch(batch))
        if step % check_every == 0:
            current /= check_every
            if current >= previous:
                return step
            previous, current = current, 0.0
    return max_inner_steps


def fit_aggressive(model, x, epochs, batch_size, validation_x, max_inner_steps, seed, verbose):
    """Runs aggressive epochs; returns (epochs run, their per-epoch logs)."""
    rng = np.random.default_rng(seed)
    encoder_trainer = _PhaseTrainer(model, [model.encoder], name="encoder_trainer")
    decoder_trainer = _PhaseTrainer(model, [model.decoder], name="decoder_trainer")
    encoder_trainer.compile(optimizer=_fresh_optimizer(model.optimizer))
    decoder_trainer.compile(optimizer=_fresh_optimizer(model.optimizer))
    history = []
    best_mi = -np.inf
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses, inner_steps = [], []
        for start in range(0, len(x), batch_size):
            batch = x[order[start : start + batch_size]]
            inner_steps.append(
                encoder_catch_up(encoder_trainer, x, rng, batch_size, max_inner_steps)
            )
            losses.append(float(decoder_trainer.train_on_batch(batch)))
        mi = mutual_information(model, validation_x, seed=seed + epoch)
        logs = {
            "loss": float(np.mean(losses)),
            "mutual_information": mi,
            "mean_encoder_steps": float(np.mean(inner_steps)),
        }
        history.append(logs)
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(f"The training loss is not finite in aggressive epoch {epoch + 1}.")
        if verbose:
            print(
                f"Aggressive epoch {epoch + 1}/{epochs} - loss: {logs['loss']:.4f} - "
                f"mutual_information: {mi:.4f} - encoder steps per batch: "
                f"{logs['mean_encoder_steps']:.1f}"
            )
        if mi <= best_mi:
            break  # I(x; z) stopped rising: the encoder has caught up
        best_mi = mi
    return len(history), history
