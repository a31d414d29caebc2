"""Minimal repro for docs/upstream/keras_random_xla_threefry.md: a `keras.random.normal` draw inside
an XLA-compiled function on TensorFlow's CPU backend. Run: KERAS_BACKEND=tensorflow python THIS."""

import time

import keras
import tensorflow as tf

SHAPE = (50, 128, 32)  # an IWAE k=50 step's noise at batch 128, latent 32
seed = keras.random.SeedGenerator(0)


def timed(fn, repeats=20):
    fn()  # compiles
    start = time.perf_counter()
    for _ in range(repeats):
        fn().numpy()
    return (time.perf_counter() - start) / repeats * 1000


draws = {
    "keras.random.normal, jit_compile=True": tf.function(lambda: keras.random.normal(SHAPE, seed=seed),
                                                         jit_compile=True),
    "keras.random.normal, no XLA": tf.function(lambda: keras.random.normal(SHAPE, seed=seed)),
    "tf.random.stateless_normal(alg='philox'), jit_compile=True": tf.function(
        lambda: tf.random.stateless_normal(SHAPE, seed=[0, 0], alg="philox"), jit_compile=True),
}
for name, fn in draws.items():
    print(f"{name}: {timed(fn):.2f} ms")
