"""Codes of ground-truth data: the shared plumbing of the disentanglement metrics."""

import numpy as np

from keras_vi.utils import check_positive_int, check_random_state, to_numpy


def check_ground_truth_data(ground_truth_data):
    """Raises a TypeError unless the object has disentanglement_lib's ground-truth interface."""
    for attribute in ("num_factors", "factor_sizes", "sample_factors", "sample_observations_from_factors"):
        if not hasattr(ground_truth_data, attribute):
            raise TypeError(
                "`ground_truth_data` must have num_factors, factor_sizes, sample_factors and "
                f"sample_observations_from_factors (like keras_vi.datasets.DSprites); "
                f"{type(ground_truth_data).__name__} has no `{attribute}`."
            )


def codes_of(representation_function, observations):
    """The codes of `observations` as float64 (num, num_codes); a clear error if they are not."""
    if not callable(representation_function):
        raise TypeError(
            "`representation_function` must be callable (observations -> codes), "
            f"got {type(representation_function).__name__}."
        )
    codes = np.asarray(to_numpy(representation_function(observations)), dtype=np.float64)
    if codes.ndim != 2 or len(codes) != len(observations):
        raise ValueError(
            "`representation_function` must return one code vector per observation "
            f"(num, num_codes); got shape {codes.shape} for {len(observations)} observations."
        )
    if not np.all(np.isfinite(codes)):
        raise ValueError("`representation_function` returned NaN or infinite codes.")
    return codes


def representation(model, batch_size=256):
    """A `representation_function` of a latent variable model: its posterior mean.

    Args:
        model: a built model with `encode(x) -> (mean, log_var)`.
        batch_size: observations encoded per call.
    """
    batch_size = check_positive_int(batch_size, "batch_size")

    def function(observations):
        means = [to_numpy(model.encode(observations[i : i + batch_size])[0])
                 for i in range(0, len(observations), batch_size)]
        return np.concatenate(means)

    return function


def factors_and_codes(ground_truth_data, representation_function, num_points, random_state,
                      batch_size=100):
    """(codes (num_points, num_codes), factors (num_points, num_factors)) of uniform draws."""
    check_ground_truth_data(ground_truth_data)
    num_points = check_positive_int(num_points, "num_points")
    rng = check_random_state(random_state)
    codes, factors = [], []
    for start in range(0, num_points, batch_size):
        batch = ground_truth_data.sample_factors(min(batch_size, num_points - start), rng)
        observations = ground_truth_data.sample_observations_from_factors(batch, rng)
        codes.append(codes_of(representation_function, observations))
        factors.append(batch)
    return np.concatenate(codes), np.concatenate(factors)
