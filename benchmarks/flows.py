"""RealNVP's training speed per dequantizer, and the memory of its k = 64 likelihood estimate.

    KERAS_BACKEND=jax python -m benchmarks.flows [--data-dir ../shared/data] [--examples 1024]

The flow of the results card (`zoo/real_nvp/recipe.sh`: 3 scales, 4 steps, 64 filters)
on 28x28 8-bit images (the first MNIST test images with --data-dir, else random bytes),
batch 64: examples/s of `fit` per dequantizer (the median epoch after a first one that
compiles), and the peak growth of the process' resident memory during
`estimators.log_likelihood(flow, x[:100], num_samples=64)` (sampled every 5 ms from
/proc/self/statm), with its seconds. Prints one JSON line per measurement.
"""

import argparse
import json
import os
import threading
import time

import keras
import numpy as np

import keras_vi
from benchmarks.timing import EpochTimes

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class _PeakMemory:
    """The peak resident memory above the level at entry, sampled in a thread."""

    def __enter__(self):
        self.base = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())
        self.growth_mb = (self.peak - self.base) / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--examples", type=int, default=1024, help="examples per timed epoch")
    parser.add_argument("--epochs", type=int, default=3, help="epochs, the first untimed")
    args = parser.parse_args(argv)
    if args.data_dir:
        x = keras_vi.datasets.load("mnist", split="test", data_dir=args.data_dir, scale=False)[: args.examples]
    else:
        x = np.random.default_rng(0).integers(0, 256, size=(args.examples, 28, 28)).astype("uint8")
    for dequantization in ("uniform", "variational"):
        keras.utils.set_random_seed(0)
        flow = keras_vi.zoo.RealNVP(dequantization=dequantization, num_scales=3, num_steps=4, filters=64, seed=0)
        timer = EpochTimes()
        flow.fit(x, epochs=args.epochs, batch_size=64, verbose=0, callbacks=[timer])
        seconds = float(np.median(timer.times[1:]))
        keras_vi.estimators.log_likelihood(flow, x[:100], num_samples=3, batch_size=100)  # compiles one chunk
        start = time.perf_counter()
        with _PeakMemory() as memory:
            keras_vi.estimators.log_likelihood(flow, x[:100], num_samples=64, batch_size=100)
        print(json.dumps({
            "backend": keras.backend.backend(), "dequantization": dequantization,
            "parameters": int(flow.count_params()), "train_examples_per_s": round(len(x) / seconds, 1),
            "log_likelihood_k64_peak_memory_mb": round(memory.growth_mb, 1),
            "log_likelihood_k64_seconds_per_100_images": round(time.perf_counter() - start, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
