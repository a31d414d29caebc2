"""Aggressive inference-network training (He et al., 2019), on any backend.

Posterior collapse starts early: the decoder improves faster than the encoder
can follow, so q(z|x) lags behind the true posterior and the KL term pushes it
onto the prior. He et al. let the encoder catch up: before every decoder update
the encoder alone takes up to `max_inner_steps` steps, until its loss stops
improving; the aggressive phase ends once the mutual information I(x; z)
under q stops rising from one epoch to the next, and plain joint training
follows.

Updating only the encoder or only the decoder goes through
`keras_vi.training.SubsetTrainer`: Keras' own compiled `train_on_batch` on a
model whose trainable variables are one network's, on every backend. The
model's `aggressive_done` variable records that the phase ran, so it is saved
with the model and a reloaded model trains jointly.

Reference:
    He, Spokoyny, Neubig and Berg-Kirkpatrick, Lagging Inference Networks and
    Posterior Collapse in Variational Autoencoders, ICLR 2019, Algorithm 1.
"""

import os

import keras
import numpy as np

from keras_vi.metrics.diagnostics import mutual_information
from keras_vi.training import SubsetTrainer

_PhaseTrainer = SubsetTrainer  # the name this module used before SubsetTrainer was public


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
        current += encoder_trainer.step(batch)["loss"]
        if step % check_every == 0:
            current /= check_every
            if current >= previous:
                return step
            previous, current = current, 0.0
    return max_inner_steps


def fit_aggressive(model, x, epochs, batch_size, validation_x, max_inner_steps, seed, verbose):
    """Runs aggressive epochs; returns (epochs run, their per-epoch logs)."""
    rng = np.random.default_rng(seed)
    encoder_trainer = SubsetTrainer(model, [model.encoder], name="encoder_trainer")
    decoder_trainer = SubsetTrainer(model, [model.decoder], name="decoder_trainer")
    for trainer in (encoder_trainer, decoder_trainer):
        trainer.compile(optimizer=_fresh_optimizer(model.optimizer))
        with model.strategy_scope():  # built before the step is traced, as in ZooModel.fit
            trainer.optimizer.build(trainer.trainable_variables)
    history = []
    best_mi = -np.inf
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        steps, inner_steps = [], []
        for start in range(0, len(x), batch_size):
            batch = x[order[start : start + batch_size]]
            inner_steps.append(
                encoder_catch_up(encoder_trainer, x, rng, batch_size, max_inner_steps)
            )
            steps.append(decoder_trainer.step(batch))
        mi = mutual_information(model, validation_x, seed=seed + epoch)
        logs = {
            # the decoder steps' loss and terms (`kl`, ...), as a joint epoch logs them
            **{name: float(np.mean([step[name] for step in steps])) for name in steps[0]},
            "mutual_information": mi,
            "encoder_steps": float(np.mean(inner_steps)),
        }
        history.append(logs)
        if not np.isfinite(logs["loss"]):  # the mean of the steps' losses: finite iff every one is
            raise FloatingPointError(f"The training loss is not finite in aggressive epoch {epoch + 1}.")
        if verbose:
            kl = f" - kl: {logs['kl']:.4f}" if "kl" in logs else ""
            print(
                f"Aggressive epoch {epoch + 1}/{epochs} - loss: {logs['loss']:.4f}{kl} - "
                f"mutual_information: {mi:.4f} - encoder steps per batch: "
                f"{logs['encoder_steps']:.1f}"
            )
        if mi <= best_mi:
            break  # I(x; z) stopped rising: the encoder has caught up
        best_mi = mi
    return len(history), history


def fit_aggressive_then_jointly(model, x, y, joint_fit, **kwargs):
    """Aggressive epochs, then `joint_fit` for the rest; one merged History.

    `joint_fit(x, y, **kwargs)` is the model's plain `fit`. Marks the model's
    `aggressive_done` variable, so the phase is not repeated by a later fit,
    nor after a reload.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(
            "`x` must be a NumPy array with aggressive=True (the encoder's "
            "inner loop draws random batches from it)."
        )
    epochs = kwargs.pop("epochs", 1)
    batch_size = kwargs.get("batch_size") or 32
    validation = kwargs.get("validation_data")
    validation_x = validation if isinstance(validation, np.ndarray) else x[:1000]
    if not model.built:
        model.build(x.shape)
    model.build_optimizer()  # saved with the model even if no joint step runs
    done, logs = fit_aggressive(
        model, x.astype(np.float32), epochs, batch_size, validation_x,
        model.max_inner_steps, seed=model.seed or 0, verbose=kwargs.get("verbose", 1),
    )
    model.aggressive_done.assign(1.0)
    history = joint_fit(x, y, epochs=epochs, initial_epoch=done, **kwargs) if done < epochs \
        else keras.callbacks.History()
    joint = getattr(history, "history", {}) or {}
    history.history = {
        **{"aggressive_" + name: [entry[name] for entry in logs] for name in logs[0]},
        **joint,
    }
    return history


def restore_backup_early(model, callbacks):
    """Loads a BackupAndRestore checkpoint before the aggressive phase would start.

    The aggressive phase runs outside `fit`, before the callbacks restore
    anything; a resumed fit whose checkpoint says the phase is done
    (`aggressive_done`) must not run it again.
    """
    for callback in callbacks or ():
        path = getattr(callback, "_weights_path", None)
        if isinstance(callback, keras.callbacks.BackupAndRestore) and path and os.path.exists(path):
            model.build_optimizer()
            model.load_weights(path)


def fit_with_aggressive_phase(model, x, y, joint_fit, **kwargs):
    """`fit` of a model with aggressive=True: the aggressive phase first, unless it already ran.

    A `BackupAndRestore` checkpoint in the callbacks is loaded first, so a
    resumed fit knows whether the phase is done (`aggressive_done`).
    """
    restore_backup_early(model, kwargs.get("callbacks"))
    if float(keras.ops.convert_to_numpy(model.aggressive_done)) == 0.0:
        return fit_aggressive_then_jointly(model, x, y, joint_fit, **kwargs)
    return joint_fit(x, y, **kwargs)
