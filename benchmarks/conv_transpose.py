"""Transposed convolutions: Keras' `conv_transpose` against the sub-pixel way, on this backend.

    KERAS_BACKEND=jax python -m benchmarks.conv_transpose [--batch-size 128] [--repeats 5]

`layers.SubPixelConv2DTranspose(method=...)` at the shapes of keras_vi's default
decoders (batch 128): the conv VAE's two kernel-3 stride-2 layers on 28x28 images
(7x7x64 -> 14x14x64, 14x14x64 -> 28x28x32) and the VQ-VAE's kernel-4 stride-2 layers,
then the VQ-VAE's last one with 4, 8 and 16 filters (where `method="auto"` switches).
Times one compiled forward and backward pass (the gradients of the input, kernel and
bias of sum(y²)): `jax.jit` on JAX, a `tf.function` on TensorFlow, eager on PyTorch;
the median of `--repeats` timings of 10 passes each, after a pass that compiles. The
ratio is transpose / sub_pixel (above 1: the sub-pixel way is faster). Prints one JSON
line per case; `method="auto"` (keras_vi/layers/sub_pixel_conv2d_transpose.py) takes
the faster one per backend.
"""

import argparse
import json
import time

import keras
import numpy as np

from keras_vi.layers import SubPixelConv2DTranspose

# (name, input (height, width, channels), filters, kernel size)
CASES = [
    ("vae_conv decoder 1", (7, 7, 64), 64, 3),
    ("vae_conv decoder 2", (14, 14, 64), 32, 3),
    ("vq_vae decoder 1", (7, 7, 64), 32, 4),
    ("vq_vae decoder 2", (14, 14, 32), 1, 4),
    # where "auto" switches on JAX: the same input with more filters
    ("4 filters", (14, 14, 32), 4, 4),
    ("8 filters", (14, 14, 32), 8, 4),
    ("16 filters", (14, 14, 32), 16, 4),
]


def pass_function(layer, x):
    """A function running one forward and backward pass of `layer` on `x`."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        def loss(weights, x):
            return (layer.stateless_call(weights, [], x)[0] ** 2).sum()

        step = jax.jit(jax.grad(loss, argnums=(0, 1)))
        weights, x = [v.value for v in layer.trainable_variables], jax.numpy.asarray(x)
        return lambda: jax.block_until_ready(step(weights, x))
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(layer(x) ** 2)
            return tape.gradient(loss, [x, *layer.trainable_variables])

        return lambda: [g.numpy() for g in step()]
    import torch

    x = torch.tensor(x, requires_grad=True)

    def step():
        layer.zero_grad()
        (layer(x) ** 2).sum().backward()

    return step


def seconds_per_pass(layer, x, repeats):
    run = pass_function(layer, x)
    run()  # compiles
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10):
            run()
        timings.append((time.perf_counter() - start) / 10)
    return float(np.median(timings))


def parse_arguments(argv=None):
    """--batch-size and --repeats, for this benchmark and `benchmarks.conv_head`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    rng = np.random.default_rng(0)
    for name, shape, filters, kernel_size in CASES:
        x = rng.normal(size=(args.batch_size, *shape)).astype("float32")
        ms = {}
        for method in ("transpose", "sub_pixel"):
            layer = SubPixelConv2DTranspose(filters, kernel_size, strides=2, padding="same", method=method)
            layer.build(x.shape)
            ms[method] = 1000 * seconds_per_pass(layer, x, args.repeats)
        print(json.dumps({"backend": keras.backend.backend(), "case": name, "input": list(shape),
                          "filters": filters, "kernel_size": kernel_size, "batch_size": args.batch_size,
                          "transpose_ms": round(ms["transpose"], 2), "sub_pixel_ms": round(ms["sub_pixel"], 2),
                          "ratio": round(ms["transpose"] / ms["sub_pixel"], 2)}), flush=True)


if __name__ == "__main__":
    main()
