"""The FactorVAE score (Kim and Mnih, 2018)."""

import numpy as np

from keras_vi.metrics.disentanglement.codes import (
    check_ground_truth_data,
    codes_of,
    factors_and_codes,
)
from keras_vi.utils import check_positive_int, check_random_state


def _factor_vae_votes(data, representation_function, num_points, batch_size, rng,
                      global_variances, active):
    votes = np.zeros((data.num_factors, int(np.sum(active))), dtype=np.int64)
    for _ in range(num_points):
        index = rng.randint(data.num_factors)
        factors = data.sample_factors(batch_size, rng)
        factors[:, index] = factors[0, index]  # one factor fixed across the batch
        codes = codes_of(representation_function, data.sample_observations_from_factors(factors, rng))
        local_variances = np.var(codes, axis=0, ddof=1)
        votes[index, np.argmin(local_variances[active] / global_variances[active])] += 1
    return votes


def factor_vae_score(ground_truth_data, representation_function, random_state,
                     batch_size=64, num_train=10000, num_eval=5000,
                     num_variance_estimate=10000, prune_threshold=0.05):
    """FactorVAE score: a majority-vote classifier on the least-varying code.

    Codes are divided by their standard deviation over
    `num_variance_estimate` observations; dimensions whose standard deviation
    is below `prune_threshold` (collapsed) are dropped. Each point fixes one
    factor over `batch_size` observations and votes for the pair (factor,
    code of smallest normalized variance); each code predicts its most-voted
    factor, and the accuracy is the share of votes so predicted.

    Returns:
        {"train_accuracy", "eval_accuracy", "num_active_dims"}; all 0 when no
        dimension is active.

    Reference: Kim and Mnih, Disentangling by Factorising, ICML 2018.
    """
    check_ground_truth_data(ground_truth_data)
    rng = check_random_state(random_state)
    batch_size = check_positive_int(batch_size, "batch_size")
    if batch_size < 2:
        raise ValueError(f"`batch_size` must be >= 2 (a variance per batch), got {batch_size}.")
    num_train = check_positive_int(num_train, "num_train")
    num_eval = check_positive_int(num_eval, "num_eval")
    num_variance_estimate = check_positive_int(num_variance_estimate, "num_variance_estimate")
    codes, _ = factors_and_codes(ground_truth_data, representation_function, num_variance_estimate, rng)
    global_variances = np.var(codes, axis=0, ddof=1)
    active = np.sqrt(global_variances) >= prune_threshold
    if not np.any(active):
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}
    args = (batch_size, rng, global_variances, active)
    train_votes = _factor_vae_votes(ground_truth_data, representation_function, num_train, *args)
    eval_votes = _factor_vae_votes(ground_truth_data, representation_function, num_eval, *args)
    classifier = np.argmax(train_votes, axis=0)  # each code's factor
    columns = np.arange(train_votes.shape[1])
    return {
        "train_accuracy": float(np.sum(train_votes[classifier, columns]) / np.sum(train_votes)),
        "eval_accuracy": float(np.sum(eval_votes[classifier, columns]) / np.sum(eval_votes)),
        "num_active_dims": int(np.sum(active)),
    }
