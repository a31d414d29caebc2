"""keras_vi._random: keras.random's draws, by Philox on TensorFlow with XLA or without."""

import keras
import numpy as np
import pytest

from keras_vi import _random
from tests.conftest import BACKEND, to_numpy

DRAWS = {
    "normal": lambda module, seed: module.normal((64, 3), seed=seed),
    "uniform": lambda module, seed: module.uniform((64, 3), minval=0.25, maxval=0.75, dtype="float64", seed=seed),
}


@pytest.mark.parametrize("draw", DRAWS)
@pytest.mark.parametrize("seed", [3, 2**31 + 5, "generator"])
def test_outside_xla_the_draws_are_keras_random_s(draw, seed):
    if seed == "generator":  # two generators in the same state, each advanced twice
        mine, theirs = keras.random.SeedGenerator(7), keras.random.SeedGenerator(7)
    else:
        mine = theirs = seed
    for _ in range(2):
        np.testing.assert_array_equal(to_numpy(DRAWS[draw](_random, mine)), to_numpy(DRAWS[draw](keras.random, theirs)))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="XLA's random algorithm is TensorFlow's question")
def test_under_xla_the_draws_are_philox_s_and_distributed_as_asked():
    import tensorflow as tf

    @tf.function(jit_compile=True)
    def draws(generator):
        return _random.normal((20000,), mean=1.0, stddev=2.0, seed=generator), _random.uniform(
            (20000,), minval=-1.0, maxval=3.0, seed=generator)

    normal, uniform = (x.numpy() for x in draws(keras.random.SeedGenerator(0)))
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05  # s.e. 0.014 and 0.010
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.04  # s.e. 0.008

    def asks_the_device_for_its_algorithm(function):  # auto_select does (ThreeFry under XLA); Philox does not
        graph = function.get_concrete_function(keras.random.SeedGenerator(0)).graph.as_graph_def()
        return any(node.op == "StatelessRandomGetKeyCounter" for node in graph.node)

    assert not asks_the_device_for_its_algorithm(draws)
    assert asks_the_device_for_its_algorithm(tf.function(lambda g: keras.random.normal((3,), seed=g), jit_compile=True))


def test_a_bad_seed_gets_keras_random_s_error():
    with pytest.raises(ValueError, match="seed"):
        _random.normal((2,), seed="three")
