"""Batches of NumPy data for `fit` on any backend, with dynamic binarization."""

import math

import keras
import numpy as np

from keras_vi.utils import check_positive_int


class Batches(keras.utils.PyDataset):
    """A `keras.utils.PyDataset` of (x[, y]) batches: no TensorFlow needed.

    Each pass over the data (an epoch of `fit`, or a full iteration) may
    reshuffle and, with `binarize=True`, draws a new Bernoulli binarization of
    the pixel probabilities (dynamic binarization, Salakhutdinov and Murray,
    2008). Every draw is a function of (seed, epoch, batch index), so a run
    is reproducible and a batch can be read twice with the same values. A
    zoo model's `fit` that starts at epoch e > 0 (resumed by
    `keras.callbacks.BackupAndRestore`, or `initial_epoch`) advances `epoch`
    by e, as if those epochs had run, so a resumed run sees the batches the
    uninterrupted one saw.

    Args:
        x: NumPy array, one example per row.
        y: optional labels (N,), returned as the second element of each batch.
        batch_size: examples per batch; the last batch may be shorter.
        shuffle: a new order each epoch.
        drop_remainder: leave out the last batch if it is shorter (every
            batch then has `batch_size` examples; with fewer examples than
            that, the one batch holds them all).
        binarize: draw 0/1 pixels with probability x (x in [0, 1]).
        seed: int, the seed of the order and the draws.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.datasets import Batches
        >>> batches = Batches(np.full((10, 2), 0.5, "float32"), batch_size=4, binarize=True)
        >>> [len(b) for b in batches]
        [4, 4, 2]
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=False, binarize=False, seed=0, drop_remainder=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y
        if y is not None and len(y) != len(x):
            raise ValueError(f"`y` must have one label per example: {len(y)} labels, {len(x)} examples.")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle, self.binarize, self.seed = shuffle, binarize, seed
        self.drop_remainder = bool(drop_remainder)
        self._epoch = 0
        self._order = None

    @property
    def epoch(self):
        """The pass over the data the next batches belong to (counts from 0).

        Setting it (a resumed `fit` does) gives that epoch's order and draws.
        """
        return self._epoch

    @epoch.setter
    def epoch(self, value):
        self._epoch = check_positive_int(value + 1, "epoch") - 1
        self._order = None

    def __len__(self):
        if self.drop_remainder:
            return max(1, len(self.x) // self.batch_size)
        return math.ceil(len(self.x) / self.batch_size)

    def order(self):
        """The example order of the current epoch."""
        if self._order is None:
            rng = np.random.default_rng([self.seed, self.epoch])
            self._order = rng.permutation(len(self.x)) if self.shuffle else np.arange(len(self.x))
        return self._order

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        rows = self.order()[index * self.batch_size : (index + 1) * self.batch_size]
        x = self.x[rows]
        if self.binarize:
            rng = np.random.default_rng([self.seed, self.epoch, index, 1])
            x = (rng.uniform(size=x.shape) < x).astype(np.float32)
        return x if self.y is None else (x, self.y[rows])

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()  # a full pass is an epoch, also outside `fit`

    def on_epoch_end(self):
        self.epoch = self.epoch + 1
