"""A Keras callback that records the seconds of each epoch (the benchmarks' timer)."""

import time

import keras


class EpochTimes(keras.callbacks.Callback):
    """`times`: seconds of each epoch of the fit, in order."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)
