"""A decoder's last convolution: Keras' `conv` against the shifted-sum way, on this backend.

    KERAS_BACKEND=jax python -m benchmarks.conv_head [--batch-size 128] [--repeats 5]

`layers.ShiftedSumConv2D(method=...)` (3x3, stride 1, "same") at the shape of keras_vi's
default image decoders' last layer (batch 128): 28x28x32 -> 1 filter (the conv VAE's and the
VQ-VAE's Bernoulli head), then the same input with 2, 3, 4 and 8 filters (where
`method="auto"` switches: 3x3 x filters against the 32 input channels), and a 14x14x64 input.
Times one compiled forward and backward pass (the gradients of the input, kernel and bias of
sum(y²)), as `benchmarks.conv_transpose` does: `jax.jit` on JAX, a `tf.function` on
TensorFlow, eager on PyTorch; the median of `--repeats` timings of 10 passes each, after a
pass that compiles. The ratio is conv / shifted_sum (above 1: the shifted-sum way is faster).
Prints one JSON line per case.
"""

import json

import keras
import numpy as np

from benchmarks.conv_transpose import parse_arguments, seconds_per_pass
from keras_vi.layers import ShiftedSumConv2D

# (name, input (height, width, channels), filters)
CASES = [
    ("vae_conv head", (28, 28, 32), 1),
    ("2 filters", (28, 28, 32), 2),
    ("3 filters", (28, 28, 32), 3),
    ("4 filters", (28, 28, 32), 4),
    ("8 filters", (28, 28, 32), 8),
    ("14x14x64 input", (14, 14, 64), 1),
]


def main(argv=None):
    args = parse_arguments(argv)
    rng = np.random.default_rng(0)
    for name, shape, filters in CASES:
        x = rng.normal(size=(args.batch_size, *shape)).astype("float32")
        ms = {}
        for method in ("conv", "shifted_sum"):
            layer = ShiftedSumConv2D(filters, 3, padding="same", method=method)
            layer.build(x.shape)
            ms[method] = 1000 * seconds_per_pass(layer, x, args.repeats)
        auto = ShiftedSumConv2D(filters, 3, padding="same").resolved_method(shape[-1])
        print(json.dumps({"backend": keras.backend.backend(), "case": name, "input": list(shape),
                          "filters": filters, "kernel_size": 3, "batch_size": args.batch_size,
                          "conv_ms": round(ms["conv"], 2), "shifted_sum_ms": round(ms["shifted_sum"], 2),
                          "ratio": round(ms["conv"] / ms["shifted_sum"], 2), "auto": auto}), flush=True)


if __name__ == "__main__":
    main()
