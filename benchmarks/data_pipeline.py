"""What feeding `fit` costs: the same VAE epoch from each data pipeline.

    KERAS_BACKEND=jax python -m benchmarks.data_pipeline [--epochs 6]

Trains keras_vi's default conv VAE (latent 10) on the 1437 training digits, batch 64,
fed as (a) a NumPy array (one fixed binarization), (b) `keras_vi.datasets.Batches`
(a `keras.utils.PyDataset`, a new binarization per epoch, in the training thread),
(c) the same `Batches` with 2 worker threads, and (d) the same batches as a
`tf.data.Dataset`. The first epoch (compilation) is left out; prints the median epoch
seconds and examples/s as one JSON line per pipeline.
"""

import argparse
import json

import keras
import numpy as np

import keras_vi
from benchmarks.timing import EpochTimes


def time_fit(data, epochs, **fit_kwargs):
    keras.utils.set_random_seed(0)
    model = keras_vi.zoo.VAE(latent_dim=10, seed=0)
    timer = EpochTimes()
    model.fit(data, epochs=epochs, verbose=0, callbacks=[timer], **fit_kwargs)
    return float(np.median(timer.times[1:]))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args(argv)
    x = keras_vi.datasets.load("digits")
    pipelines = {
        "numpy": lambda: (keras_vi.datasets.load("digits", binarize="static"), {"batch_size": 64}),
        "batches": lambda: (keras_vi.datasets.Batches(x, batch_size=64, shuffle=True, binarize=True), {}),
        "batches_2_workers": lambda: (
            keras_vi.datasets.Batches(x, batch_size=64, shuffle=True, binarize=True, workers=2), {}),
    }
    if keras_vi.utils.tensorflow_installed():
        pipelines["tf_data"] = lambda: (keras_vi.datasets.load(
            "digits", binarize="dynamic", batch_size=64, shuffle=True, as_tf_dataset=True), {})
    for name, make in pipelines.items():
        data, fit_kwargs = make()
        seconds = time_fit(data, args.epochs, **fit_kwargs)
        print(json.dumps({"backend": keras.backend.backend(), "pipeline": name,
                          "epoch_seconds": round(seconds, 3),
                          "examples_per_s": round(len(x) / seconds)}), flush=True)


if __name__ == "__main__":
    main()
