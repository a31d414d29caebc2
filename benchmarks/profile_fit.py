"""Where a training step spends its time: cProfile of an epoch of keras_vi's `fit`
(the second, as benchmarks.case times it) and of the hand-written loop, on the
vae_mlp case, in milliseconds per step.

    KERAS_BACKEND=torch python -m benchmarks.profile_fit --steps 200
    KERAS_BACKEND=tensorflow python -m benchmarks.profile_fit --json   # for run.py
    KERAS_BACKEND=torch python -m benchmarks.profile_fit --top 25      # raw pstats too

The parts are read from cProfile's cumulative times: on PyTorch the model's
forward (`call`), the loss and metrics (`compute_loss`), autograd's backward and
the optimizer update; on TensorFlow and JAX the compiled step (the call into the
runtime) against everything around it. "the rest" is Python outside those
parts: Keras' loop, data iteration, callbacks. cProfile slows Python-heavy code
more than compiled code, so the parts are larger than in RESULTS.md's timings;
their proportions are what this explains.
"""

import argparse
import cProfile
import io
import json
import pstats

import keras

from benchmarks import handwritten
from benchmarks.case import BATCH, build, data
from keras_vi import _random

# (part, how to read it): ("ct"|"tt", file suffix, function name)
PARTS = {
    "torch": {
        "keras_vi": [
            ("forward (the model's call)", ("ct", "keras_vi/zoo/latent_variable_model.py", "call")),
            ("of which torch.matmul kernels", ("tt", "~", "<built-in method torch.matmul>")),
            ("loss and metrics (compute_loss)", ("ct", "keras_vi/zoo/latent_variable_model.py", "compute_loss")),
            ("backward (autograd)", ("tt", "~", "<method 'run_backward' of 'torch._C._EngineBase' objects>")),
            ("optimizer update (Adam.apply: Keras' update)", ("ct", "keras/src/optimizers/base_optimizer.py", "apply")),
        ],
        "handwritten": [
            ("forward and loss", ("ct", "benchmarks/handwritten.py", "loss")),
            ("backward (autograd)", ("tt", "~", "<method 'run_backward' of 'torch._C._EngineBase' objects>")),
            ("optimizer update (torch.optim.Adam)", ("ct", "torch/optim/adam.py", "step")),
        ],
    },
    "tensorflow": {
        name: [("the compiled step (graph execution)",
                ("tt", "~", "<built-in method tensorflow.python._pywrap_tfe.TFE_Py_Execute>"))]
        for name in ("keras_vi", "handwritten")
    },
}


def _read(stats, how):
    kind, suffix, func = how
    values = [row[3 if kind == "ct" else 2] for (path, _, name), row in stats.items()
              if path.endswith(suffix) and name == func]
    return max(values, default=0.0)  # one entry per function; max guards recursion


def _profile(fn):
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    return pstats.Stats(profiler)


class _ProfileSecondEpoch(keras.callbacks.Callback):
    """Profiles the second epoch of a `fit` call, as benchmarks.case times it."""

    def __init__(self):
        super().__init__()
        self.profiler = cProfile.Profile()

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            self.profiler.enable()

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            float(logs["loss"])
            self.profiler.disable()


def breakdown(steps=200, data_dir="../shared/data"):
    """{"keras_vi": [(part, ms per step)], "handwritten": [...]} for this backend."""
    backend = keras.backend.backend()
    x = data(BATCH * steps, data_dir)
    model, params = build(None)
    step, _ = handwritten.make_step(backend, params, None)

    def loop():
        handwritten.run_steps(step, x, steps, BATCH)

    loop()  # warm-up: compilation, caches
    callback = _ProfileSecondEpoch()
    model.fit(x, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, callbacks=[callback])
    profiles = {"keras_vi": pstats.Stats(callback.profiler), "handwritten": _profile(loop)}
    result = {}
    for name, stats in profiles.items():
        total = stats.total_tt
        parts = [(part, _read(stats.stats, how)) for part, how in PARTS.get(backend, {}).get(name, [])]
        counted = sum(t for part, t in parts if not part.startswith("of which"))
        rows = [("total", total), *parts, ("the rest (Python around the step)", total - counted)]
        result[name] = [(part, 1000 * t / steps) for part, t in rows]
    return result, profiles


def tf_noise_ms(shape=(50, BATCH, 32), repeats=200):
    """ms per draw of the IWAE k=50 step's noise inside a `tf.function`:
    Keras' seeded `keras.random.normal` with and without XLA (ThreeFry under
    XLA, Philox without), keras_vi's (Philox in both), `tf.random.normal` with
    XLA (what the hand-written XLA step uses). TensorFlow only."""
    import time

    import tensorflow as tf

    seed = keras.random.SeedGenerator(0)
    draws = {
        "keras.random.normal, XLA": (lambda: keras.random.normal(shape, seed=seed), True),
        "keras.random.normal, no XLA": (lambda: keras.random.normal(shape, seed=seed), False),
        "keras_vi (Philox), XLA": (lambda: _random.normal(shape, seed=seed), True),
        "keras_vi (Philox), no XLA": (lambda: _random.normal(shape, seed=seed), False),
        "tf.random.normal, XLA": (lambda: tf.random.normal(shape), True),
    }
    result = {}
    for name, (draw, xla) in draws.items():
        fn = tf.function(lambda draw=draw: tf.reduce_sum(draw()), jit_compile=xla)
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            value = fn()
        float(value)
        result[name] = 1000 * (time.perf_counter() - start) / repeats
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--top", type=int, default=0, help="also print the raw pstats, top N")
    parser.add_argument("--json", action="store_true", help="one JSON line for benchmarks.run")
    parser.add_argument("--data-dir", default="../shared/data")
    args = parser.parse_args()
    result, profiles = breakdown(args.steps, args.data_dir)
    noise = tf_noise_ms() if keras.backend.backend() == "tensorflow" else None
    if args.json:
        print(json.dumps({"backend": keras.backend.backend(), "case": "vae_mlp",
                          "steps": args.steps, **result, "noise_ms": noise}))
        return
    if noise:
        print("noise of the IWAE k=50 step, (50, 128, 32), ms per draw:", noise)
    for name, rows in result.items():
        print(f"{name} ({keras.backend.backend()}, ms per step under cProfile):")
        for part, ms in rows:
            print(f"  {part:45s} {ms:8.3f}")
        if args.top:
            out = io.StringIO()
            profiles[name].stream = out
            profiles[name].sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
