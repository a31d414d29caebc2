"""Aggressive inference-network training (He et al., 2019), on any backend.

Posterior collapse starts early: the decoder improves faster than the encoder
can follow, so q(z|x) lags behind the true posterior and the KL term pushes it
onto the prior. He et al. let the encoder catch up: before every decoder update
the encoder alone takes up to `max_inner_steps` steps, until its loss stops
improving; the aggressive phase ends once the mutual information I(x; z)
under q stops rising from one epoch to the next, and plain joint training
follows.

Every epoch, aggressive or joint, runs in `keras_vi.training.fit_alternating`,
so it reaches History and the callbacks as a `fit` epoch does. Each step is
Keras' own compiled `train_on_batch` of a `keras_vi.training.SubsetTrainer`:
the encoder alone, the decoder alone (each with its own optimizer, a fresh
copy of the model's, as in He et al.'s code), or the whole model (the model's
optimizer). The phase's state is variables of the model (`aggressive_done`,
`aggressive_mutual_information`, `alternating_epoch`, the phase's optimizers),
so a `keras.callbacks.BackupAndRestore` checkpoint resumes an interrupted fit,
in the phase or after it, exactly; the batches and the encoder's random
batches are functions of (seed, epoch).

Reference:
    He, Spokoyny, Neubig and Berg-Kirkpatrick, Lagging Inference Networks and
    Posterior Collapse in Variational Autoencoders, ICLR 2019, Algorithm 1.
"""

import time

import keras
import numpy as np

from keras_vi.datasets.batches import Batches
from keras_vi.metrics.diagnostics import mutual_information
from keras_vi.training import SubsetTrainer, check_fit_arguments, fit_alternating


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


def _phase_optimizer(model, name):
    """A fresh copy of the model's optimizer, kept as the model's attribute `name` (saved with it)."""
    optimizer = model.optimizer.__class__.from_config(model.optimizer.get_config())
    setattr(model, name, optimizer)
    return optimizer


def _read(variable):
    return float(keras.ops.convert_to_numpy(variable))


def fit_aggressive(model, x, y=None, epochs=1, batch_size=None, verbose="auto", callbacks=None,
                   validation_data=None, shuffle=True, initial_epoch=0, **kwargs):
    """`fit` of a latent variable model with aggressive=True whose phase has not ended.

    Aggressive epochs until I(x; z) on `validation_data` (else the first
    1,000 training examples) stops rising, then joint epochs, all in one
    `fit_alternating` loop. Each epoch logs the step's terms (`loss`, `kl`,
    ...), `mutual_information`, `aggressive` (1.0 or 0.0), `encoder_steps`
    (the mean encoder steps per decoder step; 0 in joint epochs) and
    `seconds`.
    """
    del y  # labels play no part in the objective
    check_fit_arguments(kwargs, "aggressive=True")
    if not isinstance(x, np.ndarray):
        raise ValueError(
            "`x` must be a NumPy array with aggressive=True (the encoder's "
            "inner loop draws random batches from it)."
        )
    x = x.astype(np.float32)
    batch_size = batch_size or 32
    seed = model.seed or 0
    batches = Batches(x, batch_size=batch_size, shuffle=shuffle, seed=seed)
    validation_x = validation_data if isinstance(validation_data, np.ndarray) else x[:1000]
    with model.strategy_scope():  # the trainers run under the model's tf.distribute strategy
        trainers = {
            "encoder": SubsetTrainer(model, [model.encoder], name="encoder_trainer"),
            "decoder": SubsetTrainer(model, [model.decoder], name="decoder_trainer"),
            "joint": SubsetTrainer(model, [model], name="joint_trainer"),
        }
        for part in ("encoder", "decoder"):
            trainers[part].compile(optimizer=_phase_optimizer(model, f"{part}_optimizer"))
        trainers["joint"].compile(optimizer=model.optimizer)
        for trainer in trainers.values():  # built before the step is traced, as in ZooModel.fit
            if not trainer.optimizer.built:
                trainer.optimizer.build(trainer.trainable_variables)

    def run_epoch(epoch):
        start = time.perf_counter()
        batches.epoch = epoch
        aggressive = _read(model.aggressive_done) == 0.0
        rng = np.random.default_rng([seed, epoch])
        inner_steps = []

        def aggressive_step(batch):
            inner_steps.append(encoder_catch_up(trainers["encoder"], x, rng, batch_size,
                                                model.max_inner_steps))
            return trainers["decoder"].step(batch)

        for index in range(len(batches)):
            batch = batches[index]
            yield (lambda b=batch: aggressive_step(b)) if aggressive else (
                lambda b=batch: trainers["joint"].step(b))
        mi = mutual_information(model, validation_x, seed=seed + epoch)
        if aggressive:
            if mi <= _read(model.aggressive_mutual_information):  # the encoder has caught up
                model.aggressive_done.assign(1.0)
            model.aggressive_mutual_information.assign(mi)
        return {
            "mutual_information": mi,
            "aggressive": float(aggressive),
            "encoder_steps": float(np.mean(inner_steps)) if inner_steps else 0.0,
            "seconds": time.perf_counter() - start,
        }

    return fit_alternating(model, run_epoch, epochs, len(batches), callbacks=callbacks, verbose=verbose,
                           initial_epoch=initial_epoch, validation_data=validation_data,
                           batch_size=batch_size)
