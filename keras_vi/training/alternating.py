"""One epoch loop for alternating training, driving Keras' callbacks through public API."""

import math

import keras

from keras_vi.api_export import keras_vi_export


@keras_vi_export("keras_vi.training.fit_alternating")
def fit_alternating(model, run_epoch, epochs, steps_per_epoch, callbacks=None, verbose="auto",
                    initial_epoch=0, validation_data=None, batch_size=None):
    """Runs `epochs` epochs of `run_epoch`, calling Keras' callbacks as `keras.Model.fit` does.

    Training that alternates between several compiled steps (aggressive
    inference-network training: encoder steps, then a decoder step; FactorVAE:
    a VAE step, then a discriminator step) cannot be one `fit`: each step is a
    `keras_vi.training.SubsetTrainer`. This loop gives such training what `fit`
    gives: a `keras.callbacks.CallbackList` with History and the progress bar,
    every epoch and batch hook (`BackupAndRestore`, `KLAnnealing`,
    `EarlyStopping`, ...), `model.stop_training`, validation, and a
    FloatingPointError on a non-finite loss.

    Resume: `model.alternating_epoch`, a variable saved with the model's
    weights, counts the epochs run. It is set to `initial_epoch`, then the
    callbacks' `on_train_begin` runs (a `BackupAndRestore` checkpoint, if any,
    restores every variable, this one included), and the loop starts at its
    value: an interrupted fit run again continues after its last checkpoint.

    Args:
        model: the model the callbacks see; it has an int `alternating_epoch`
            variable, and the variables of every step's optimizer are
            attributes of it (so `save_weights` keeps them).
        run_epoch: `run_epoch(epoch)`, a generator that yields one callable
            per step (calling it runs the step and returns its logs, a dict
            of floats with a `loss`) and may return further logs for the
            epoch when it ends (a diagnostic computed once per epoch).
        epochs: the index of the last epoch, as `fit`'s `epochs`.
        steps_per_epoch: for the progress bar.
        callbacks, verbose, initial_epoch, validation_data, batch_size: as
            `keras.Model.fit`'s; `validation_data` goes to `model.evaluate`.

    Returns:
        The `keras.callbacks.History`. Each epoch logs the mean of its steps'
        logs (as `fit` does), then the epoch's own logs, then `val_*`.
    """
    callbacks = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose not in (0, "0"), model=model,
        verbose=1 if verbose == "auto" else verbose, epochs=epochs, steps=steps_per_epoch,
    )
    model.stop_training = False
    model.alternating_epoch.assign(initial_epoch)
    callbacks.on_train_begin()  # a BackupAndRestore checkpoint is loaded here
    logs = {}
    for epoch in range(int(keras.ops.convert_to_numpy(model.alternating_epoch)), epochs):
        callbacks.on_epoch_begin(epoch)
        steps, sums, logs, extra, step = run_epoch(epoch), {}, {}, {}, 0
        while not model.stop_training:
            try:
                run_step = next(steps)
            except StopIteration as end:
                extra = end.value or {}
                break
            callbacks.on_train_batch_begin(step)
            values = run_step()
            if not math.isfinite(values["loss"]):
                raise FloatingPointError(
                    f"The training loss is {values['loss']} in epoch {epoch + 1}, step {step + 1}: "
                    "check the data (NaN, range) and lower the learning rate.")
            for name, value in values.items():
                sums[name] = sums.get(name, 0.0) + float(value)
            step += 1
            logs = {name: total / step for name, total in sums.items()}  # running means, as `fit`'s
            callbacks.on_train_batch_end(step - 1, logs)
        logs = {**logs, **extra}
        if validation_data is not None:
            val = model.evaluate(validation_data, batch_size=batch_size, verbose=0, return_dict=True)
            logs = {**logs, **{"val_" + name: value for name, value in val.items()}}
        model.alternating_epoch.assign(epoch + 1)  # before the callbacks save a checkpoint
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    return model.history


def check_fit_arguments(kwargs, owner):
    """A ValueError naming the `fit` arguments in `kwargs` that an alternating `fit` does not take."""
    defaults = {"validation_split": 0.0, "validation_freq": 1}
    unsupported = sorted(k for k, v in kwargs.items() if v is not None and v != defaults.get(k))
    if unsupported:
        raise ValueError(
            f"{owner}'s alternating `fit` does not take {', '.join(unsupported)} (it takes x, "
            "epochs, batch_size, verbose, callbacks, validation_data, shuffle, initial_epoch)."
        )
