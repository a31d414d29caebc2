"""The SAP score (Kumar et al., 2018)."""

import numpy as np

from keras_vi.metrics.disentanglement.codes import factors_and_codes
from keras_vi.utils import check_positive_int, check_random_state


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
