"""Are TensorFlow's `fit` epochs steady? A minimal repro in plain Keras (no keras_vi).

    KERAS_BACKEND=tensorflow python -m benchmarks.tf_fit_steadiness            # every variant
    KERAS_BACKEND=tensorflow python -m benchmarks.tf_fit_steadiness --variant fit_arrays

A Keras MLP autoencoder (784-512-256-32-256-512-784, ReLU, sigmoid cross-entropy,
Adam 1e-3; the size of keras_vi's default MLP VAE) on 12,800 random binary vectors,
batch 128, `--epochs` epochs of 100 steps, the seconds of each epoch from a callback.
Variants, each in a fresh process:

- `fit_arrays`: `model.fit(x, x)` on NumPy arrays (Keras builds the tf.data pipeline:
  shuffled indices, a parallel gather, prefetch);
- `fit_dataset`: `fit` on `tf.data.Dataset.from_tensor_slices((x, x)).batch(128)`,
  prefetched, no shuffling;
- `fit_dataset_private_thread`: the same with tf.data's own thread pool of one thread
  and its autotuner off;
- `train_on_batch`: a Python loop of `train_on_batch` over the same batches (no
  dataset, no iterator).

Prints one JSON line per variant: its epoch seconds and max/min (the first epoch, which
traces and compiles, is left out).
"""

import argparse
import json
import os
import subprocess
import sys
import time

VARIANTS = ("fit_arrays", "fit_dataset", "fit_dataset_private_thread", "train_on_batch")
BATCH, STEPS = 128, 100


def run(variant, epochs):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    from benchmarks.timing import EpochTimes

    assert keras.backend.backend() == "tensorflow", "run with KERAS_BACKEND=tensorflow"
    keras.utils.set_random_seed(0)
    x = (np.random.default_rng(0).uniform(size=(BATCH * STEPS, 784)) < 0.13).astype("float32")
    model = keras.Sequential([keras.Input((784,))] + [keras.layers.Dense(u, activation="relu")
                                                      for u in (512, 256, 32, 256, 512)]
                             + [keras.layers.Dense(784)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    timer = EpochTimes()  # a plain Keras callback (benchmarks/timing.py)
    seconds = timer.times
    if variant == "fit_arrays":
        model.fit(x, x, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[timer])
    elif variant.startswith("fit_dataset"):
        data = tf.data.Dataset.from_tensor_slices((x, x)).batch(BATCH)
        if variant == "fit_dataset_private_thread":
            options = tf.data.Options()
            options.threading.private_threadpool_size = 1
            options.autotune.enabled = False
            data = data.with_options(options)
        model.fit(data.prefetch(1), epochs=epochs, verbose=0, shuffle=False, callbacks=[timer])
    else:
        batches = [x[i:i + BATCH] for i in range(0, len(x), BATCH)]
        for _ in range(epochs):
            start = time.perf_counter()
            for batch in batches:
                model.train_on_batch(batch, batch)
            seconds.append(time.perf_counter() - start)
    timed = seconds[1:]
    return {"variant": variant, "epochs": len(timed), "steps_per_epoch": STEPS,
            "seconds": [round(s, 3) for s in timed], "median": round(float(np.median(timed)), 3),
            "max_over_min": round(max(timed) / min(timed), 2)}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=VARIANTS, default=None, help="one variant in this process")
    parser.add_argument("--epochs", type=int, default=9, help="epochs, the first untimed")
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(run(args.variant, args.epochs)), flush=True)
        return
    for variant in VARIANTS:
        result = subprocess.run([sys.executable, "-m", "benchmarks.tf_fit_steadiness", "--variant", variant,
                                 "--epochs", str(args.epochs)], capture_output=True, text=True,
                                env={**os.environ, "KERAS_BACKEND": "tensorflow"})
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
        print(result.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
