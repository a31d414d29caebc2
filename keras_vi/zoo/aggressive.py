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

With a `keras.callbacks.BackupAndRestore` among `fit`'s callbacks, every
aggressive epoch leaves a checkpoint in its directory (the model's variables,
both phase optimizers, the NumPy generator's state, I(x; z)'s best and the
epochs' logs): a fit interrupted in the phase and run again resumes it at the
next epoch and ends with the uninterrupted fit's weights.

Reference:
    He, Spokoyny, Neubig and Berg-Kirkpatrick, Lagging Inference Networks and
    Posterior Collapse in Variational Autoencoders, ICLR 2019, Algorithm 1.
"""

import json
import os
import shutil
import time

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


class PhaseCheckpoint:
    """The aggressive phase's state after an epoch, in a BackupAndRestore directory.

    `state.json` names the epoch's files and is replaced last, so an
    interruption while saving leaves the previous epoch's checkpoint whole.
    """

    def __init__(self, backup_dir):
        self.directory = os.path.join(backup_dir, "aggressive_phase")
        self.state_path = os.path.join(self.directory, "state.json")

    def exists(self):
        return os.path.exists(self.state_path)

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    @staticmethod
    def _optimizer_variables(trainers):
        return [v for trainer in trainers for v in trainer.optimizer.variables]

    def save(self, model, trainers, state):
        os.makedirs(self.directory, exist_ok=True)
        old = os.listdir(self.directory)
        name = f"epoch_{len(state['history'])}"
        stem = os.path.join(self.directory, name)
        model.save_weights(stem + ".weights.h5")
        np.savez(stem + ".optimizers.npz",
                 *[keras.ops.convert_to_numpy(v) for v in self._optimizer_variables(trainers)])
        with open(self.state_path + ".tmp", "w") as f:
            json.dump({**state, "files": stem}, f)
        os.replace(self.state_path + ".tmp", self.state_path)
        for file in old:  # the previous epoch's files, now that state.json names this epoch's
            if file.startswith("epoch_") and not file.startswith(name + "."):
                os.remove(os.path.join(self.directory, file))

    def restore(self, model, trainers):
        """Loads the saved variables into `model` and `trainers`; returns the saved state."""
        state = self.state()
        model.load_weights(state["files"] + ".weights.h5")
        variables = self._optimizer_variables(trainers)
        with np.load(state["files"] + ".optimizers.npz") as saved:
            if len(saved.files) != len(variables):
                raise ValueError(
                    f"The aggressive-phase checkpoint in {self.directory} holds {len(saved.files)} "
                    f"optimizer variables, this model's phase has {len(variables)}: it is not this model's."
                )
            for i, variable in enumerate(variables):
                variable.assign(saved[f"arr_{i}"])
        return state


def fit_aggressive(model, x, epochs, batch_size, validation_x, max_inner_steps, seed, verbose,
                   checkpoint=None):
    """Runs aggressive epochs; returns (epochs run, their per-epoch logs).

    With `checkpoint` (a `PhaseCheckpoint`), resumes from it if it holds a
    state, and saves one after every epoch.
    """
    rng = np.random.default_rng(seed)
    encoder_trainer = SubsetTrainer(model, [model.encoder], name="encoder_trainer")
    decoder_trainer = SubsetTrainer(model, [model.decoder], name="decoder_trainer")
    trainers = (encoder_trainer, decoder_trainer)
    for trainer in trainers:
        trainer.compile(optimizer=_fresh_optimizer(model.optimizer))
        with model.strategy_scope():  # built before the step is traced, as in ZooModel.fit
            trainer.optimizer.build(trainer.trainable_variables)
    history, best_mi, finished = [], -np.inf, False
    if checkpoint is not None and checkpoint.exists():
        state = checkpoint.restore(model, trainers)
        history, best_mi, finished = state["history"], state["best_mi"], state["finished"]
        rng.bit_generator.state = state["rng"]
    while not finished and len(history) < epochs:
        epoch, start = len(history), time.perf_counter()
        order = rng.permutation(len(x))
        steps, inner_steps = [], []
        for begin in range(0, len(x), batch_size):
            batch = x[order[begin : begin + batch_size]]
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
            "seconds": time.perf_counter() - start,
        }
        history.append(logs)
        if not np.isfinite(logs["loss"]):  # the mean of the steps' losses: finite iff every one is
            raise FloatingPointError(f"The training loss is not finite in aggressive epoch {epoch + 1}.")
        if verbose:
            kl = f" - kl: {logs['kl']:.4f}" if "kl" in logs else ""
            print(
                f"Aggressive epoch {epoch + 1}/{epochs} - loss: {logs['loss']:.4f}{kl} - "
                f"mutual_information: {mi:.4f} - encoder steps per batch: "
                f"{logs['encoder_steps']:.1f} - {logs['seconds']:.0f} s"
            )
        finished = mi <= best_mi  # I(x; z) stopped rising: the encoder has caught up
        best_mi = max(best_mi, mi)
        if checkpoint is not None:
            checkpoint.save(model, trainers, {
                "history": history, "best_mi": best_mi, "finished": bool(finished),
                "rng": rng.bit_generator.state})
    return len(history), history


def _merged(logs, history):
    """`history` (a History) with the aggressive epochs' `logs` first, as `aggressive_<name>`."""
    joint = getattr(history, "history", {}) or {}
    history.history = {
        **{"aggressive_" + name: [entry[name] for entry in logs] for name in logs[0]},
        **joint,
    }
    return history


def fit_aggressive_then_jointly(model, x, y, joint_fit, backup=None, **kwargs):
    """Aggressive epochs, then `joint_fit` for the rest; one merged History.

    `joint_fit(x, y, **kwargs)` is the model's plain `fit`. Marks the model's
    `aggressive_done` variable, so the phase is not repeated by a later fit,
    nor after a reload. `backup`, a `BackupAndRestore` callback, keeps the
    phase's checkpoints in its directory.
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
        checkpoint=None if backup is None else PhaseCheckpoint(backup.backup_dir),
    )
    model.aggressive_done.assign(1.0)
    if done < epochs:
        return _merged(logs, joint_fit(x, y, epochs=epochs, initial_epoch=done, **kwargs))
    if backup is not None and backup.delete_checkpoint and os.path.exists(backup.backup_dir):
        shutil.rmtree(backup.backup_dir)  # the fit ended in the phase: as Keras' callback at train end
    return _merged(logs, keras.callbacks.History())


def fit_with_aggressive_phase(model, x, y, joint_fit, **kwargs):
    """`fit` of a model with aggressive=True: the aggressive phase first, unless it already ran.

    The aggressive phase runs outside Keras' epoch loop, before the callbacks
    restore anything. So a `BackupAndRestore` checkpoint in the callbacks is
    loaded first: a fit resumed after the phase knows it is done
    (`aggressive_done`) and does not run it again, and its History still
    starts with the phase's epochs (kept with the phase's checkpoint).
    """
    backup = next((c for c in kwargs.get("callbacks") or ()
                   if isinstance(c, keras.callbacks.BackupAndRestore)), None)
    if backup is not None and os.path.exists(backup._weights_path):
        model.build_optimizer()
        model.load_weights(backup._weights_path)
    if float(keras.ops.convert_to_numpy(model.aggressive_done)) == 0.0:
        return fit_aggressive_then_jointly(model, x, y, joint_fit, backup=backup, **kwargs)
    phase = None if backup is None else PhaseCheckpoint(backup.backup_dir)
    logs = phase.state()["history"] if phase is not None and phase.exists() else None
    history = joint_fit(x, y, **kwargs)  # removes the backup directory when it ends
    return history if logs is None else _merged(logs, history)
