"""What `ZooModel.fit` uses beside the model: the first batch of any input, and two callbacks."""

import keras
import numpy as np


def as_array(x, name):
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged lists and the like
        raise ValueError(f"`{name}` must be an array of numbers, got {type(x).__name__}: {e}") from None


def is_array(x):
    return isinstance(x, (np.ndarray, dict)) or hasattr(x, "__array__")


def first_batch(x, name):
    """NumPy `x` itself, a dict of arrays itself, or a dataset's first batch (inputs only)."""
    if x is None:
        raise ValueError(f"`{name}` is required.")
    if is_array(x):
        return x
    if isinstance(x, (list, tuple)):
        if not x:
            raise ValueError(f"`{name}` is empty.")
        return x[0]
    try:
        batch = next(iter(x))
    except TypeError:
        raise ValueError(
            f"`{name}` must be a NumPy array, a tf.data.Dataset, a PyTorch DataLoader "
            f"or a keras.utils.PyDataset, got {type(x).__name__}."
        ) from None
    except StopIteration:
        raise ValueError(f"`{name}` yields no batch.") from None
    if isinstance(batch, (list, tuple)):
        batch = batch[0]
    return batch


class AlignBatchesEpoch(keras.callbacks.Callback):
    """A fit that starts at epoch e > 0 (resumed, or `initial_epoch`) advances `Batches` by e.

    As if the e epochs before had run on it: a resumed fit then reads the
    batches the uninterrupted one read in the same epochs.
    """

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def on_train_begin(self, logs=None):
        self._first = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._first and epoch > 0:
            self.batches.epoch = self.batches.epoch + epoch
        self._first = False


class RaiseOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training with an error when an epoch's loss is NaN or infinite."""

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            raise FloatingPointError(
                f"The training loss is {loss} after epoch {epoch + 1}: check the "
                "data (NaN, range) and lower the learning rate."
            )
