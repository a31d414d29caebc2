"""The first `fit` of a fresh model, its optimizer built before or inside the traced step.

    KERAS_BACKEND=tensorflow python -m benchmarks.first_fit [--repeats 5] [--model vae] [--image-size 28]

A model's first `fit` pays for tracing and compiling its step. On TensorFlow, Keras'
`fit` builds the optimizer inside the traced step, and TensorFlow traces a function
again when its first trace created variables, so the step is traced twice. keras_vi's
`ZooModel.fit` builds the optimizer first, as Keras itself does on JAX and PyTorch.
This times, for fresh models of one zoo class on 128 binarized 28x28 images (batch 32,
one epoch, so the set-up dominates), `model.fit` as it is (`optimizer built first`) and
with `ZooModel.build_optimizer` made a no-op on the instance (`optimizer built in the
step`, Keras' way); nothing else differs. The two alternate, after one warm-up fit of
another model, each timing on a fresh model; prints medians and ranges as one JSON line.
"""

import argparse
import json
import time

import keras
import numpy as np

from keras_vi import zoo

MODELS = {
    "vae": lambda: zoo.VAE(latent_dim=16, seed=0),
    "iwae": lambda: zoo.IWAE(latent_dim=16, num_samples=5, seed=0),
    "vae_mlp": lambda: zoo.VAE(latent_dim=16, hidden_units=(256, 128), seed=0),
}


def first_fit_seconds(make, x, optimizer_first):
    """Seconds of one first `fit` (one epoch, batch 32) of a fresh model."""
    model = make()
    if not optimizer_first:
        model.build_optimizer = lambda: None  # Keras' fit then builds it in the traced step
    start = time.perf_counter()
    model.fit(x, epochs=1, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    if int(keras.ops.convert_to_numpy(model.optimizer.iterations)) != len(x) // 32:
        raise RuntimeError("the fit did not run its steps")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODELS), default="vae")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--image-size", type=int, default=28)
    args = parser.parse_args(argv)
    x = (np.random.default_rng(0).uniform(size=(128, args.image_size, args.image_size)) > 0.5).astype("float32")
    first_fit_seconds(lambda: zoo.VAE(latent_dim=2, seed=1), x, True)  # the process's one-time costs
    times = {"optimizer built first": [], "optimizer built in the step": []}
    for _ in range(args.repeats):
        for name in times:
            times[name].append(first_fit_seconds(MODELS[args.model], x, name == "optimizer built first"))
            keras.backend.clear_session()
    result = {"backend": keras.backend.backend(), "model": args.model, "repeats": args.repeats,
              "first_fit_s": {name: {"median": float(np.median(t)), "min": min(t), "max": max(t)}
                              for name, t in times.items()}}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
