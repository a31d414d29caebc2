"""ARVAE training examples/s and pixel-by-pixel sampling images/s, on this process' backend.

    KERAS_BACKEND=torch python -m benchmarks.ar_vae [--data-dir ../shared/data] [--examples 512]

The model of the results card (`zoo/ar_vae/recipe.py`: latent_dim 32, a two-stack gated
PixelCNN decoder of 5 blocks and 32 filters) on 28x28 binarized images (the first MNIST
test images with --data-dir, else random bits of MNIST's mean), batch 64: examples/s of
`fit` (the median epoch after a first one that compiles), and images/s of `sample(n)`
(784 compiled predict steps, one per pixel; n = 16 and 64 by default, after a call that
compiles).
Prints one JSON line.
"""

import argparse
import json
import time

import keras
import numpy as np

import keras_vi
from benchmarks.timing import EpochTimes


def report_lines(rows):
    """RESULTS.md's section from `benchmarks.run`'s rows of this case."""
    lines = ["", "## Autoregressive-decoder VAE: training and pixel-by-pixel sampling", "",
             "`benchmarks/ar_vae.py`: the ARVAE card's model (latent 32, a gated PixelCNN decoder), "
             "batch 64; `fit` examples/s (median epoch after the first) and `sample(16)`, one compiled "
             "predict step per pixel.", "",
             "| backend | image | parameters | train examples/s | sample(16) images/s | ms per pixel step |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['image_size']}x{r['image_size']} | {r['parameters']:,} | "
                     f"{r['train_examples_per_s']:,.0f} | {r['sample_16_images_per_s']} | "
                     f"{r['sample_16_ms_per_pixel_step']} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--examples", type=int, default=512, help="examples per timed epoch")
    parser.add_argument("--epochs", type=int, default=3, help="epochs, the first untimed")
    parser.add_argument("--decoder-layers", type=int, default=5)
    parser.add_argument("--image-size", type=int, default=28, help="crop the images to this size")
    parser.add_argument("--sample-sizes", type=int, nargs="+", default=[16, 64], help="n of sample(n)")
    args = parser.parse_args(argv)
    if args.data_dir:
        x = keras_vi.datasets.load("mnist", split="test", data_dir=args.data_dir, binarize="static")
    else:
        x = (np.random.default_rng(0).uniform(size=(args.examples, 28, 28)) < 0.13).astype("float32")
    x = x[: args.examples, : args.image_size, : args.image_size]
    keras.utils.set_random_seed(0)
    model = keras_vi.zoo.ARVAE(latent_dim=32, decoder_layers=args.decoder_layers, decoder_filters=32, seed=0)
    timer = EpochTimes()
    model.fit(x, epochs=args.epochs, batch_size=64, verbose=0, callbacks=[timer])
    train_seconds = float(np.median(timer.times[1:]))
    result = {"backend": keras.backend.backend(), "image_size": args.image_size,
              "parameters": int(model.count_params()),
              "train_examples_per_s": round(len(x) / train_seconds, 1)}
    model.sample(2, seed=0)  # compiles the predict step
    for n in args.sample_sizes:
        start = time.perf_counter()
        model.sample(n, seed=0)
        seconds = time.perf_counter() - start
        result[f"sample_{n}_images_per_s"] = round(n / seconds, 2)
        result[f"sample_{n}_ms_per_pixel_step"] = round(1000 * seconds / args.image_size ** 2, 1)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
