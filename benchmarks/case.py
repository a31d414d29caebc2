"""One benchmark case on the backend of this process; prints one JSON line.

    KERAS_BACKEND=jax python -m benchmarks.case train --case vae_mlp --steps 50 --repeats 5
    KERAS_BACKEND=jax python -m benchmarks.case loglik --num-samples 5000
"""

import argparse
import json
import os
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402
from benchmarks import handwritten  # noqa: E402

BATCH = 128
LATENT = 32
CASES = {"vae_mlp": None, "iwae_k50_mlp": 50}


def data(num_examples, data_dir):
    """Binarized MNIST test images as vectors; random binary data without them."""
    try:
        x = keras_vi.datasets.load("mnist", split="test", data_dir=data_dir, binarize="static",
                                   flatten=True)
    except (FileNotFoundError, ValueError):
        x = (np.random.default_rng(0).uniform(size=(10000, 784)) < 0.13).astype("float32")
    return np.resize(x, (num_examples, 784)).astype("float32")


def build(k, jit_compile="auto"):
    keras.utils.set_random_seed(0)
    if k is None:
        model = keras_vi.zoo.VAE(latent_dim=LATENT, hidden_units=(512, 256), seed=0)
    else:
        model = keras_vi.zoo.IWAE(latent_dim=LATENT, num_samples=k, hidden_units=(512, 256), seed=0)
    model.build((None, 784))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    params = [np.asarray(w, np.float32) for w in model.encoder.get_weights() + model.decoder.get_weights()]
    return model, params


def keras_vi_loss_at(model, x, eps):
    """keras_vi's training loss for given noise, through the model's own code path."""
    mean, log_var = model.encode(x)
    z = mean[None] + keras.ops.exp(0.5 * log_var)[None] * keras.ops.convert_to_tensor(eps)
    outputs = {"mean": mean, "log_var": log_var, "z": z, **model.decoder_params(z)}
    return float(keras.ops.convert_to_numpy(keras.ops.mean(model.loss_terms_per_example(x, outputs)["loss"])))


def train_case(args):
    backend = keras.backend.backend()
    k = CASES[args.case]
    x = data(BATCH * args.steps, args.data_dir)
    jit_compile = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    model, params = build(k, jit_compile)
    step, loss_at = handwritten.make_step(backend, params, k)

    eps = np.random.default_rng(1).normal(size=(k or 1, BATCH, LATENT)).astype("float32")
    losses = {
        "keras_vi": keras_vi_loss_at(model, x[:BATCH], eps),
        "handwritten": loss_at(x[:BATCH], eps),
        "numpy_float64": handwritten.loss_numpy(params, x[:BATCH].astype(np.float64), eps, k),
    }
    ref = losses["numpy_float64"]
    same_work = all(abs(v - ref) <= 1e-4 * abs(ref) for v in losses.values())

    def time_keras_vi():
        start = time.perf_counter()
        model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        return time.perf_counter() - start

    def time_handwritten():
        start = time.perf_counter()
        for i in range(args.steps):
            loss = step(x[i * BATCH : (i + 1) * BATCH])
        float(np.asarray(keras.ops.convert_to_numpy(loss) if backend != "torch" else loss.numpy()))
        return time.perf_counter() - start

    for fn in (time_keras_vi, time_handwritten):  # warm-up: compilation, caches
        fn()
    times = {"keras_vi": [], "handwritten": []}
    for _ in range(args.repeats):  # interleaved, so drifts hit both alike
        times["keras_vi"].append(time_keras_vi())
        times["handwritten"].append(time_handwritten())
    examples = BATCH * args.steps
    result = {"backend": backend, "case": args.case, "steps": args.steps, "repeats": args.repeats,
              "jit_compile": args.jit_compile,
              "step0_loss": losses, "same_work": same_work}
    for name, ts in times.items():
        result[name] = {
            "median_examples_per_s": examples / statistics.median(ts),
            "min_examples_per_s": examples / max(ts),
            "max_examples_per_s": examples / min(ts),
        }
    result["time_ratio_keras_vi_over_handwritten"] = (
        statistics.median(times["keras_vi"]) / statistics.median(times["handwritten"]))
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
    loglik = sub.add_parser("loglik")
    loglik.add_argument("--num-samples", type=int, default=5000)
    loglik.add_argument("--num-examples", type=int, default=100)
    for p in (train, loglik):
        p.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
    args = parser.parse_args()
    (train_case if args.mode == "train" else loglik_case)(args)


if __name__ == "__main__":
    main()
