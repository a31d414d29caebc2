"""Disentanglement metrics on ground-truth data: BetaVAE, FactorVAE, MIG, DCI, SAP.

Each metric is a function `(ground_truth_data, representation_function,
random_state, **params) -> dict`, with disentanglement_lib's defaults and
result keys, so numbers compare with its study (Locatello et al., 2019):

- `ground_truth_data` has `num_factors`, `factor_sizes`,
  `sample_factors(num, random_state)` and
  `sample_observations_from_factors(factors, random_state)` (e.g.
  `keras_vi.datasets.DSprites`);
- `representation_function` maps a batch of observations to a NumPy array of
  codes (num, num_codes), usually the posterior mean (`representation(model)`);
- `random_state` is a `numpy.random.RandomState` (or an int seed).

scikit-learn fits the classifiers and computes the mutual information; the
metrics themselves are NumPy. Definitions follow the papers as implemented in
disentanglement_lib (google-research), read there and written anew here.
"""

import numpy as np
import scipy.stats

from keras_vi.utils import check_positive_int, check_random_state, to_numpy


def _check_data(ground_truth_data):
    for attribute in ("num_factors", "factor_sizes", "sample_factors", "sample_observations_from_factors"):
        if not hasattr(ground_truth_data, attribute):
            raise TypeError(
                "`ground_truth_data` must have num_factors, factor_sizes, sample_factors and "
                f"sample_observations_from_factors (like keras_vi.datasets.DSprites); "
                f"{type(ground_truth_data).__name__} has no `{attribute}`."
            )


def _codes(representation_function, observations):
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
    _check_data(ground_truth_data)
    num_points = check_positive_int(num_points, "num_points")
    rng = check_random_state(random_state)
    codes, factors = [], []
    for start in range(0, num_points, batch_size):
        batch = ground_truth_data.sample_factors(min(batch_size, num_points - start), rng)
        observations = ground_truth_data.sample_observations_from_factors(batch, rng)
        codes.append(_codes(representation_function, observations))
        factors.append(batch)
    return np.concatenate(codes), np.concatenate(factors)


# BetaVAE score (Higgins et al., 2017) ----------------------------------------------


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
        codes = _codes(representation_function, observations)
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

    _check_data(ground_truth_data)
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


# FactorVAE score (Kim and Mnih, 2018) -------------------------------------------------


def _factor_vae_votes(data, representation_function, num_points, batch_size, rng,
                      global_variances, active):
    votes = np.zeros((data.num_factors, int(np.sum(active))), dtype=np.int64)
    for _ in range(num_points):
        index = rng.randint(data.num_factors)
        factors = data.sample_factors(batch_size, rng)
        factors[:, index] = factors[0, index]  # one factor fixed across the batch
        codes = _codes(representation_function, data.sample_observations_from_factors(factors, rng))
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
    _check_data(ground_truth_data)
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


# Mutual information gap (Chen et al., 2018) ---------------------------------------


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


# DCI (Eastwood and Williams, 2018) --------------------------------------------------


def _importance_matrix(x_train, y_train, x_test, y_test, seed, num_estimators):
    from sklearn.ensemble import GradientBoostingClassifier

    importance = np.zeros((x_train.shape[1], y_train.shape[1]))
    train_accuracy, test_accuracy = [], []
    for j in range(y_train.shape[1]):
        model = GradientBoostingClassifier(n_estimators=num_estimators, random_state=seed)
        model.fit(x_train, y_train[:, j])
        importance[:, j] = np.abs(model.feature_importances_)
        train_accuracy.append(np.mean(model.predict(x_train) == y_train[:, j]))
        test_accuracy.append(np.mean(model.predict(x_test) == y_test[:, j]))
    return importance, float(np.mean(train_accuracy)), float(np.mean(test_accuracy))


def dci_from_importance(importance):
    """(disentanglement, completeness) of an importance matrix (codes x factors)."""
    importance = np.asarray(importance, dtype=np.float64)
    if importance.sum() == 0.0:
        importance = np.ones_like(importance)
    num_codes, num_factors = importance.shape
    # Per code: 1 - entropy of its importance over factors (base num_factors).
    per_code = 1.0 - scipy.stats.entropy(importance.T + 1e-11, base=num_factors)
    code_weight = importance.sum(axis=1) / importance.sum()
    # Per factor: 1 - entropy of its importance over codes (base num_codes).
    per_factor = 1.0 - scipy.stats.entropy(importance + 1e-11, base=num_codes)
    factor_weight = importance.sum(axis=0) / importance.sum()
    return float(np.sum(per_code * code_weight)), float(np.sum(per_factor * factor_weight))


def dci(ground_truth_data, representation_function, random_state, num_train=10000, num_test=5000,
        batch_size=16, num_estimators=100):
    """Disentanglement, completeness and informativeness from gradient-boosted trees.

    One `GradientBoostingClassifier` per factor predicts it from the codes
    (`num_estimators` boosting stages: scikit-learn's default 100, as in
    disentanglement_lib; a stage fits one tree per class, so 40-valued
    factors cost most); their feature importances form a (codes x factors)
    matrix. Disentanglement
    weighs each code's 1 - entropy over factors, completeness each factor's
    1 - entropy over codes; informativeness is the classifiers' accuracy.

    Returns:
        {"disentanglement", "completeness", "informativeness_train",
        "informativeness_test"}.

    Reference: Eastwood and Williams, A Framework for the Quantitative
    Evaluation of Disentangled Representations, ICLR 2018.
    """
    rng = check_random_state(random_state)
    x_train, y_train = factors_and_codes(ground_truth_data, representation_function, num_train, rng,
                                         batch_size=batch_size)
    x_test, y_test = factors_and_codes(ground_truth_data, representation_function,
                                       check_positive_int(num_test, "num_test"), rng, batch_size=batch_size)
    importance, train_accuracy, test_accuracy = _importance_matrix(
        x_train, y_train, x_test, y_test, seed=rng.randint(2**31 - 1),
        num_estimators=check_positive_int(num_estimators, "num_estimators"))
    disentanglement, completeness = dci_from_importance(importance)
    return {
        "disentanglement": disentanglement,
        "completeness": completeness,
        "informativeness_train": train_accuracy,
        "informativeness_test": test_accuracy,
    }


# SAP score (Kumar et al., 2018) -----------------------------------------------------


def sap(ground_truth_data, representation_function, random_state, num_train=10000, num_test=5000,
        batch_size=16, continuous_factors=False):
    """Separated attribute predictability: the gap between the two codes that best predict each factor.

    For discrete factors, a linear SVM (C = 0.01, balanced classes) on each
    single code predicts each factor; the score matrix holds test
    accuracies. For continuous factors, the squared correlation. SAP is the
    mean over factors of (best - second best).

    Returns:
        {"SAP_score"}.

    Reference: Kumar, Sattigeri and Balakrishnan, Variational Inference of
    Disentangled Latent Concepts from Unlabeled Observations, ICLR 2018.
    """
    from sklearn.svm import LinearSVC

    rng = check_random_state(random_state)
    x_train, y_train = factors_and_codes(ground_truth_data, representation_function, num_train, rng,
                                         batch_size=batch_size)
    x_test, y_test = factors_and_codes(ground_truth_data, representation_function,
                                       check_positive_int(num_test, "num_test"), rng, batch_size=batch_size)
    if x_train.shape[1] < 2:
        raise ValueError(f"SAP needs at least 2 code dimensions, got {x_train.shape[1]}.")
    scores = np.zeros((x_train.shape[1], y_train.shape[1]))
    for i in range(x_train.shape[1]):
        for j in range(y_train.shape[1]):
            if continuous_factors:
                covariance = np.cov(x_train[:, i], y_train[:, j], ddof=1)
                if covariance[0, 0] > 1e-12:  # a constant code explains nothing
                    scores[i, j] = covariance[0, 1] ** 2 / (covariance[0, 0] * covariance[1, 1])
            else:
                classifier = LinearSVC(C=0.01, class_weight="balanced")
                classifier.fit(x_train[:, i : i + 1], y_train[:, j])
                scores[i, j] = np.mean(classifier.predict(x_test[:, i : i + 1]) == y_test[:, j])
    top = np.sort(scores, axis=0)
    return {"SAP_score": float(np.mean(top[-1] - top[-2]))}
