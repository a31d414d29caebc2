"""The BetaVAE score (Higgins et al., 2017)."""

import numpy as np

from keras_vi.metrics.disentanglement.codes import check_ground_truth_data, codes_of
from keras_vi.utils import check_positive_int, check_random_state


def _beta_vae_points(data, representation_function, num_points, batch_size, rng):
    features, labels = [], []
    for _ in range(num_points):
        index = rng.randint(data.num_factors)  # the factor held fixed in each pair
        first = data.sample_factors(batch_size, rng)
        second = data.sample_factors(batch_size, rng)
        second[:, index] = first[:, index]
        observations = np.concatenate([
            data.sample_observations_from_factors(first, rng),
            data.sample_observations_from_factors(second, rng),
        ])
        codes = codes_of(representation_function, observations)
        features.append(np.mean(np.abs(codes[:batch_size] - codes[batch_size:]), axis=0))
        labels.append(index)
    return np.stack(features), np.asarray(labels)


def beta_vae_score(ground_truth_data, representation_function, random_state,
                   batch_size=64, num_train=10000, num_eval=5000):
    """BetaVAE score: how well a linear classifier names the factor held fixed.

    Each point is `batch_size` pairs of observations that share one factor,
    chosen uniformly; its feature is the mean absolute difference of the
    pairs' codes, its label the shared factor. A logistic regression is fit
    on `num_train` points and scored on `num_eval` more.

    Returns:
        {"train_accuracy", "eval_accuracy"}; chance is 1 / num_factors.

    Reference: Higgins et al., beta-VAE, ICLR 2017.
    """
    from sklearn.linear_model import LogisticRegression

    check_ground_truth_data(ground_truth_data)
    rng = check_random_state(random_state)
    batch_size = check_positive_int(batch_size, "batch_size")
    num_train = check_positive_int(num_train, "num_train")
    num_eval = check_positive_int(num_eval, "num_eval")
    x_train, y_train = _beta_vae_points(ground_truth_data, representation_function, num_train, batch_size, rng)
    x_eval, y_eval = _beta_vae_points(ground_truth_data, representation_function, num_eval, batch_size, rng)
    model = LogisticRegression(random_state=rng.randint(2**31 - 1), max_iter=1000)
    model.fit(x_train, y_train)
    return {
        "train_accuracy": float(np.mean(model.predict(x_train) == y_train)),
        "eval_accuracy": float(np.mean(model.predict(x_eval) == y_eval)),
    }
