"""How a VAE's training cost grows with the batch, the latent size and the image size.

    KERAS_BACKEND=torch python -m benchmarks.growth --arch mlp --batch-size 256 --latent-dim 32
    KERAS_BACKEND=jax python -m benchmarks.growth --arch conv --image-size 56 --batch-size 64

One measurement per process (so its peak memory is its own): keras_vi's VAE with the
default networks (`--arch mlp`: 784-512-256 on flattened 28x28 images; `--arch conv`:
the conv net on `--image-size` square images), compiled with `optimizer="auto"`, `fit`
on random binary data of MNIST's mean (0.13) for 1 + `--repeats` epochs of `--steps`
steps; the throughput is the median epoch after the first (which compiles). Peak
memory is the process' peak resident set (`ru_maxrss`, CPU), with the resident set
before the model was built for reference: the growth between the two is what the
model, its optimizer and its training step take. `benchmarks.run` runs the grid
(`GRID`) per backend and writes its table into RESULTS.md. Prints one JSON line.
"""

import argparse
import datetime
import json
import os
import resource
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402
from benchmarks.timing import EpochTimes  # noqa: E402

# (what grows, arch, batch sizes, latent sizes, image sizes): one measurement per combination
GRID = [
    ("batch size", "mlp", (32, 64, 128, 256, 512, 1024), (32,), (28,)),
    ("latent size", "mlp", (128,), (2, 8, 32, 128, 512), (28,)),
    ("image size", "conv", (64,), (32,), (14, 28, 56)),
]


def grid_flags():
    """(what grows, flags) for every measurement of `GRID`."""
    for grows, arch, batches, latents, sizes in GRID:
        for batch in batches:
            for latent in latents:
                for size in sizes:
                    yield grows, ["--arch", arch, "--batch-size", str(batch), "--latent-dim", str(latent),
                                  "--image-size", str(size)]


def measure(args):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = args.image_size
    shape = (size * size,) if args.arch == "mlp" else (size, size)
    rng = np.random.default_rng(0)
    x = (rng.uniform(size=(args.batch_size * args.steps, *shape)) < 0.13).astype("float32")
    keras.utils.set_random_seed(0)
    hidden_units = (512, 256) if args.arch == "mlp" else (256,)
    model = keras_vi.zoo.VAE(latent_dim=args.latent_dim, hidden_units=hidden_units, seed=0)
    model.compile()

    timer = EpochTimes()
    history = model.fit(x, batch_size=args.batch_size, epochs=1 + args.repeats, shuffle=False, verbose=0,
                        callbacks=[timer])
    steady = timer.times[1:]
    examples = args.batch_size * args.steps
    return {
        "date": datetime.date.today().isoformat(), "backend": keras.backend.backend(), "arch": args.arch,
        "batch_size": args.batch_size, "latent_dim": args.latent_dim, "image_size": size, "steps": args.steps,
        "parameters": int(sum(np.prod(v.shape) for v in model.trainable_variables)),
        "examples_per_s": examples / statistics.median(steady),
        "examples_per_s_min_max": [examples / max(steady), examples / min(steady)],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
        "finite": bool(np.isfinite(history.history["loss"]).all()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", choices=("mlp", "conv"), default="mlp")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--steps", type=int, default=0, help="steps per epoch (0: 20 for mlp, 8 for conv)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    args.steps = args.steps or (20 if args.arch == "mlp" else 8)
    result = measure(args)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
