"""Test helpers shared by keras_vi's suite and by users' own layers."""

from keras_vi.testing.conformance import (
    check_config_round_trip,
    run_deterministic_layer_test,
    run_layer_test,
    run_model_test,
)
from keras_vi.testing.flows import jacobian, log_abs_det_jacobian, randomize_weights, run_bijector_test
from keras_vi.testing.linear_gaussian import LinearGaussianOracle

__all__ = ["LinearGaussianOracle", "check_config_round_trip", "jacobian", "log_abs_det_jacobian",
           "randomize_weights", "run_bijector_test", "run_deterministic_layer_test", "run_layer_test",
           "run_model_test"]
