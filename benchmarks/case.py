"""One benchmark case on the backend of this process; prints one JSON line.

    KERAS_BACKEND=jax python -m benchmarks.case train --case vae_mlp --steps 50 --repeats 5
    KERAS_BACKEND=jax python -m benchmarks.case loglik --num-samples 5000
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402
from benchmarks import handwritten, plain_keras  # noqa: E402

BATCH = 128
LATENT = 32
# case -> (IWAE's k or None for the VAE, architecture in benchmarks/handwritten.py)
CASES = {"vae_mlp": (None, "mlp"), "iwae_k50_mlp": (50, "mlp"), "vae_conv": (None, "conv")}


def data(num_examples, data_dir):
    """Binarized MNIST test images as vectors (N, 784).

    Without the MNIST files in `data_dir`, random binary data of MNIST's mean
    (0.13), with a warning on stderr: the timings do not depend on the values.
    """
    try:
        x = keras_vi.datasets.load("mnist", split="test", data_dir=data_dir, binarize="static",
                                   flatten=True)
    except (FileNotFoundError, ValueError) as error:
        print(f"benchmarks: MNIST not loaded from {data_dir!r} ({error}); timing on random "
              "binary data", file=sys.stderr)
        x = (np.random.default_rng(0).uniform(size=(10000, 784)) < 0.13).astype("float32")
    return np.resize(x, (num_examples, 784)).astype("float32")


def build(k, jit_compile="auto", arch="mlp"):
    """keras_vi's model for a case (default networks) and its weights as NumPy."""
    keras.utils.set_random_seed(0)
    hidden_units = (512, 256) if arch == "mlp" else (256,)
    if k is None:
        model = keras_vi.zoo.VAE(latent_dim=LATENT, hidden_units=hidden_units, seed=0)
    else:
        model = keras_vi.zoo.IWAE(latent_dim=LATENT, num_samples=k, hidden_units=hidden_units, seed=0)
    model.build((None, 784) if arch == "mlp" else (None, 28, 28))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    params = [np.asarray(w, np.float32) for w in model.encoder.get_weights() + model.decoder.get_weights()]
    return model, params


def keras_vi_loss_at(model, x, eps):
    """keras_vi's training loss for given noise, through the model's own code path."""
    mean, log_var = model.encode(x)
    z = mean[None] + keras.ops.exp(0.5 * log_var)[None] * keras.ops.convert_to_tensor(eps)
    outputs = {"mean": mean, "log_var": log_var, "z": z}
    return float(keras.ops.convert_to_numpy(keras.ops.mean(model.loss_terms_per_example(x, outputs)["loss"])))


def plain_loss_at(plain, x, eps):
    """The plain Keras model's training loss for given noise."""
    mean, log_var = plain.encoder(keras.ops.convert_to_tensor(x))
    return float(keras.ops.convert_to_numpy(plain.loss_for_noise(
        keras.ops.convert_to_tensor(x), mean, log_var, keras.ops.convert_to_tensor(eps))))


def train_case(args):
    backend = keras.backend.backend()
    k, arch = CASES[args.case]
    x = data(BATCH * args.steps, args.data_dir)  # (N, 784): the hand-written step's input
    x_keras_vi = x if arch == "mlp" else x.reshape(-1, 28, 28)  # images for the conv VAE
    jit_compile = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    model, params = build(k, jit_compile, arch)
    plain = plain_keras.from_keras_vi(model, jit_compile)  # the same networks and weights, no keras_vi
    step, loss_at = handwritten.make_step(backend, params, k, arch)
    # The baseline is the faster hand-written step: on TensorFlow both the XLA
    # step and the plain graph are timed (XLA loses on CPU convolutions).
    handwritten_steps = {"handwritten": step}
    if backend == "tensorflow":
        handwritten_steps = {
            "handwritten_xla": step,
            "handwritten_no_xla": handwritten.make_step(backend, params, k, arch, xla=False)[0],
        }

    eps = np.random.default_rng(1).normal(size=(k or 1, BATCH, LATENT)).astype("float32")
    losses = {
        "keras_vi": keras_vi_loss_at(model, x_keras_vi[:BATCH], eps),
        "plain_keras": plain_loss_at(plain, x_keras_vi[:BATCH], eps),
        "handwritten": loss_at(x[:BATCH], eps),
        "numpy_float64": handwritten.loss_numpy(params, x[:BATCH], eps, k, arch),
    }
    ref = losses["numpy_float64"]
    same_work = all(abs(v - ref) <= 1e-4 * abs(ref) for v in losses.values())

    def seconds_of(step, inputs):
        start = time.perf_counter()
        handwritten.run_steps(step, inputs, args.steps, BATCH)
        return time.perf_counter() - start

    # keras_vi and the plain Keras model are timed per epoch of `fit` (what a long
    # training run sees: fit's one-time set-up, such as converting the arrays, is left
    # out), one epoch each in turn (the first of the two alternating), then the
    # hand-written loops: the timings interleave.
    # `--loop train_on_batch` times Keras' `train_on_batch` on NumPy batches instead.
    times = {"keras_vi": [], "plain_keras": [], **{name: [] for name in handwritten_steps}}

    class Timer(keras.callbacks.Callback):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # the epoch's work is done
            times[self.name].append(time.perf_counter() - self.start)

    pair = (("keras_vi", model), ("plain_keras", plain))
    for repeat in range(1 + args.repeats):
        # ABBA order: which of the two runs first alternates, so neither gains
        # from its place after the hand-written loops
        for name, net in (pair if repeat % 2 == 0 else pair[::-1]):
            if args.loop == "fit":
                net.fit(x_keras_vi, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                        callbacks=[Timer(name)])
            else:
                times[name].append(seconds_of(
                    lambda batch, net=net: net.train_on_batch(batch, return_dict=True)["loss"], x_keras_vi))
        for name, hand_step in handwritten_steps.items():
            times[name].append(seconds_of(hand_step, x))
    times = {name: ts[1:] for name, ts in times.items()}  # the first epoch warms up
    examples = BATCH * args.steps
    baseline = min(handwritten_steps, key=lambda name: statistics.median(times[name]))
    result = {"backend": backend, "case": args.case, "steps": args.steps, "repeats": args.repeats,
              "jit_compile": args.jit_compile, "loop": args.loop, "handwritten_variant": baseline,
              "step0_loss": losses, "same_work": same_work}
    for name, ts in times.items():
        result[name] = {
            "median_examples_per_s": examples / statistics.median(ts),
            "min_examples_per_s": examples / max(ts),
            "max_examples_per_s": examples / min(ts),
            "seconds": ts,
        }
    result["handwritten"] = result[baseline]  # the faster variant is the baseline
    result["time_ratio_keras_vi_over_handwritten"] = (
        statistics.median(times["keras_vi"]) / statistics.median(times[baseline]))
    result["time_ratio_keras_vi_over_plain_keras"] = (
        statistics.median(times["keras_vi"]) / statistics.median(times["plain_keras"]))
    print(json.dumps(result))


def loglik_case(args):
    x = data(args.num_examples, args.data_dir)
    model, _ = build(None)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    keras_vi.estimators.log_likelihood(model, x, num_samples=args.num_samples, seed=0)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "backend": keras.backend.backend(), "case": "log_likelihood", "num_samples": args.num_samples,
        "num_examples": args.num_examples, "seconds": seconds,
        "samples_per_s": args.num_examples * args.num_samples / seconds,
        "peak_rss_mb": peak / 1024, "rss_before_mb": before / 1024,
    }))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    train = sub.add_parser("train")
    train.add_argument("--case", choices=sorted(CASES), required=True)
    train.add_argument("--steps", type=int, default=50)
    train.add_argument("--repeats", type=int, default=5)
    train.add_argument("--jit-compile", choices=("auto", "true", "false"), default="auto",
                       help="keras_vi's compile(jit_compile=...); the hand-written step is compiled")
    train.add_argument("--loop", choices=("fit", "train_on_batch"), default="fit",
                       help="how keras_vi trains: `fit` epochs or a `train_on_batch` loop")
    loglik = sub.add_parser("loglik")
    loglik.add_argument("--num-samples", type=int, default=5000)
    loglik.add_argument("--num-examples", type=int, default=100)
    for p in (train, loglik):
        p.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
    args = parser.parse_args()
    (train_case if args.mode == "train" else loglik_case)(args)


if __name__ == "__main__":
    main()
