"""The mutual information gap (Chen et al., 2018) and its discrete information measures."""

import numpy as np

from keras_vi.metrics.disentanglement.codes import factors_and_codes
from keras_vi.utils import check_positive_int


def histogram_discretize(codes, num_bins=20):
    """Each code dimension cut into `num_bins` equal-width bins over its range: int (num, d)."""
    num_bins = check_positive_int(num_bins, "num_bins")
    discretized = np.zeros(codes.shape, dtype=np.int64)
    for i in range(codes.shape[1]):
        edges = np.histogram(codes[:, i], num_bins)[1][:-1]
        discretized[:, i] = np.digitize(codes[:, i], edges)
    return discretized


def discrete_mutual_information(codes, factors):
    """I(code_i; factor_j) in nats for discrete codes and factors: (d, num_factors)."""
    from sklearn.metrics import mutual_info_score

    return np.array([[mutual_info_score(factors[:, j], codes[:, i]) for j in range(factors.shape[1])]
                     for i in range(codes.shape[1])])


def discrete_entropy(factors):
    """H(factor_j) in nats of each column: (num_factors,)."""
    from sklearn.metrics import mutual_info_score

    return np.array([mutual_info_score(factors[:, j], factors[:, j]) for j in range(factors.shape[1])])


def mig(ground_truth_data, representation_function, random_state, num_train=10000, num_bins=20,
        batch_size=16):
    """Mutual information gap: per factor, the gap between its two most informative codes.

    Codes are discretized into `num_bins` histogram bins; for each factor,
    (I(code_a; factor) - I(code_b; factor)) / H(factor) for its top two codes
    a, b, averaged over factors.

    Returns:
        {"discrete_mig"} in [0, 1].

    Reference: Chen, Li, Grosse and Duvenaud, Isolating Sources of
    Disentanglement in VAEs, NeurIPS 2018.
    """
    codes, factors = factors_and_codes(ground_truth_data, representation_function, num_train,
                                       random_state, batch_size=batch_size)
    if codes.shape[1] < 2:
        raise ValueError(f"MIG needs at least 2 code dimensions, got {codes.shape[1]}.")
    information = discrete_mutual_information(histogram_discretize(codes, num_bins), factors)
    entropy = discrete_entropy(factors)
    top = np.sort(information, axis=0)[::-1]
    return {"discrete_mig": float(np.mean((top[0] - top[1]) / entropy))}
