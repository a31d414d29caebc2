"""DCI: disentanglement, completeness, informativeness (Eastwood and Williams, 2018)."""

import numpy as np
import scipy.stats

from keras_vi.metrics.disentanglement.codes import factors_and_codes
from keras_vi.utils import check_positive_int, check_random_state


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
