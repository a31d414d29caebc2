"""RealNVP: the flow's log-det against autodiff, the 8-bit bound against quadrature, I/O."""

import os

import keras
import numpy as np
import pytest
from keras import ops

from conftest import to_numpy
from keras_vi import estimators, layers, zoo
from keras_vi.testing import log_abs_det_jacobian, randomize_weights

BYTES = np.random.default_rng(0).integers(0, 256, size=(8, 4, 4)).astype("uint8")


def _flow(dequantization="uniform", data=BYTES, **kwargs):
    kwargs = {"num_scales": 3, "num_steps": 1, "filters": 4, "seed": 0, **kwargs}
    flow = zoo.RealNVP(dequantization=dequantization, **kwargs)
    flow(data)  # builds, and initializes ActNorm on the data
    randomize_weights(flow, scale=0.3)
    return flow


@pytest.fixture(scope="module")
def flow():
    """One randomized uniform-dequantization flow for the tests that only read it."""
    return _flow()


def test_log_det_of_the_whole_flow_matches_the_autodiff_jacobian(flow):
    v = (BYTES[:2] + 0.5) / 256.0
    z, log_det = flow.to_base(v)
    assert tuple(z.shape) == (2, 16)
    for i in range(2):
        def to_base(flat):
            with keras.StatelessScope():
                return ops.reshape(flow.to_base(ops.reshape(flat, (1, 4, 4)))[0], (-1,))

        expected = log_abs_det_jacobian(to_base, v[i].reshape(-1).astype("float32"))
        np.testing.assert_allclose(to_numpy(log_det)[i], expected, rtol=1e-4, atol=1e-2)


def test_base_map_inverts_and_codes_decode_to_their_images():
    flow = _flow(data=np.tile(BYTES[..., None], (1, 1, 1, 2)))  # colour: (4, 4, 2)
    v = np.random.default_rng(1).uniform(0.01, 0.99, size=(3, 4, 4, 2)).astype("float32")
    np.testing.assert_allclose(to_numpy(flow.from_base(flow.to_base(v)[0])), v, atol=1e-4)
    images = np.tile(BYTES[..., None], (1, 1, 1, 2))
    np.testing.assert_array_equal(to_numpy(flow.decode(flow.encode(images))), images)


@pytest.mark.parametrize("dequantization", ["uniform", "variational"])
def test_importance_weighted_bound_converges_to_the_quadrature_likelihood(dequantization):
    # Two-pixel images: P(x) = integral of p(v) over the cell of x, by a 64x64
    # midpoint rule, is the exact discrete likelihood to compare L_k with. (In
    # the cells of 0 and 255 the logit's log-det is too sharp for the rule.)
    x = np.array([[[3, 250]], [[100, 37]]], "uint8")
    flow = _flow(dequantization, data=np.tile(x, (4, 1, 1)), num_scales=1, num_steps=2)
    if dequantization == "variational":
        randomize_weights(flow.dequantizer, scale=0.2, seed=1)  # a proposal far from uniform
        log_q = to_numpy(flow.dequantizer(np.tile(x, (50, 1, 1)))[1])
        assert np.abs(log_q).max() > 1.0
    grid = (np.arange(64) + 0.5) / 64.0
    offsets = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 1, 2)
    for image, estimate in zip(x, estimators.log_likelihood(flow, x, num_samples=4000, seed=0).log_likelihood):
        log_p = to_numpy(flow.log_prob_continuous(((image + offsets) / 256.0).astype("float32")))
        exact = np.logaddexp.reduce(log_p.astype(np.float64)) - np.log(len(log_p)) - 2 * np.log(256.0)
        assert abs(estimate - exact) < 0.03, (estimate, exact)


def test_evaluation_summary_of_a_flow_has_the_likelihood_part_only(flow):
    summary = estimators.evaluation_summary(flow, BYTES, num_samples=2, seed=0)
    assert summary["num_samples"] == 2 and "elbo" not in summary and "active_units" not in summary
    assert abs(summary["bits_per_dim"] - summary["nll_nats"] / (16 * np.log(2.0))) < 1e-9


def test_samples_are_seeded_8_bit_images(flow):
    a, b = to_numpy(flow.sample(5, seed=3)), to_numpy(flow.sample(5, seed=3))
    assert a.shape == (5, 4, 4) and a.dtype == np.int32 and a.min() >= 0 and a.max() <= 255
    np.testing.assert_array_equal(a, b)


def test_reload_gives_equal_log_likelihoods(tmp_path):
    flow = _flow("variational")
    flow.compile()
    flow.fit(BYTES, epochs=1, batch_size=8, verbose=0)
    path = os.path.join(tmp_path, "flow.keras")
    flow.save(path)
    reloaded = keras.saving.load_model(path)
    expected = estimators.log_likelihood(flow, BYTES, num_samples=4, seed=0).log_likelihood
    np.testing.assert_allclose(
        estimators.log_likelihood(reloaded, BYTES, num_samples=4, seed=0).log_likelihood, expected, atol=1e-4
    )


@pytest.mark.parametrize("bad,match", [
    (BYTES / 255.0, "whole numbers"), (BYTES.astype("int32") * 2, r"\[0, 255\]"),
    (np.zeros((8, 4, 5), "uint8"), "shape"),
])
def test_fit_rejects_data_that_is_not_8_bit_images(flow, bad, match):
    with pytest.raises(ValueError, match=match):
        flow.fit(bad, epochs=1, verbose=0)


def test_bad_arguments_and_shapes_raise(flow):
    with pytest.raises(ValueError, match="divisible by 4"):
        zoo.RealNVP(num_scales=3)(np.zeros((2, 6, 6), "uint8"))
    with pytest.raises(ValueError, match="`dequantization` must be one of"):
        zoo.RealNVP(dequantization="gaussian")
    with pytest.raises(ValueError, match="`num_steps`"):
        zoo.RealNVP(num_steps=0)
    with pytest.raises(ValueError, match="`proposal`"):
        estimators.log_likelihood(flow, BYTES, num_samples=2, proposal="prior")


def test_training_lowers_bits_per_dim_on_digits(digits):
    x = np.round(digits * 255).astype("uint8")
    flow = zoo.RealNVP(dequantization="variational", num_scales=2, num_steps=2, filters=16, seed=0)
    flow.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = flow.fit(x, epochs=8, batch_size=16, verbose=0).history["bits_per_dim"]
    assert np.all(np.isfinite(history)) and history[-1] < history[0] - 0.5, history
    assert isinstance(flow.dequantizer, layers.VariationalDequantization)


def test_a_dequantizer_layer_is_saved_in_the_config():
    flow = zoo.RealNVP(dequantization=layers.VariationalDequantization(filters=3, num_couplings=1),
                       num_scales=1, num_steps=1, filters=4)
    config = flow.get_config()
    assert config["dequantization"]["config"]["filters"] == 3
    restored = zoo.RealNVP.from_config(config)
    assert restored.dequantizer.filters == 3 and restored.get_config() == config
