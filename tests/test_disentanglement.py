"""Disentanglement metrics with known answers: perfect codes, rotated codes, noise, hand-made cases."""

import numpy as np
import pytest
import scipy.stats

from keras_vi.datasets import DSprites
from keras_vi.metrics import disentanglement as D

pytestmark = pytest.mark.numpy_only


class Toy:
    """Ground-truth data whose observations are the factors themselves (float)."""

    factor_sizes = [3, 4, 5]
    num_factors = 3

    def sample_factors(self, num, random_state):
        return np.stack([random_state.randint(s, size=num) for s in self.factor_sizes], axis=1)

    def sample_observations_from_factors(self, factors, random_state):
        return factors.astype(np.float64)


TOY = Toy()
SCALE = np.array(TOY.factor_sizes, dtype=np.float64)
ROTATION = np.linalg.qr(np.random.RandomState(0).randn(3, 3))[0]


def perfect(observations):
    return observations / SCALE


def rotated(observations):
    return (observations / SCALE - 0.5) @ ROTATION


def noise(observations):
    return np.random.RandomState(len(observations)).randn(len(observations), 3)


SMALL = {
    "beta_vae_score": {"num_train": 200, "num_eval": 100, "batch_size": 32},
    "factor_vae_score": {"num_train": 200, "num_eval": 100, "batch_size": 32, "num_variance_estimate": 1000},
    "mig": {"num_train": 2000},
    "dci": {"num_train": 600, "num_test": 300},
    "sap": {"num_train": 600, "num_test": 300},
}


def scores(representation):
    out = {}
    for metric, params in SMALL.items():
        for key, value in getattr(D, metric)(TOY, representation, np.random.RandomState(0), **params).items():
            out[f"{metric}/{key}"] = value
    return out


@pytest.fixture(scope="module")
def perfect_scores():
    return scores(perfect)


def test_codes_equal_to_the_factors_score_near_one(perfect_scores):
    s = perfect_scores
    assert s["beta_vae_score/eval_accuracy"] == 1.0 and s["beta_vae_score/train_accuracy"] == 1.0
    assert s["factor_vae_score/eval_accuracy"] == 1.0 and s["factor_vae_score/num_active_dims"] == 3
    assert s["mig/discrete_mig"] > 0.95
    assert s["dci/disentanglement"] > 0.95 and s["dci/completeness"] > 0.95
    assert s["dci/informativeness_test"] == 1.0
    # SAP's linear SVM on one code cannot split 3-5 classes well; its best code
    # still beats every other (which carry nothing).
    assert s["sap/SAP_score"] > 0.2


def test_a_rotation_of_the_factors_scores_far_lower_on_mig_and_dci(perfect_scores):
    s = scores(rotated)
    assert s["mig/discrete_mig"] < 0.5 * perfect_scores["mig/discrete_mig"]
    assert s["dci/disentanglement"] < 0.5 * perfect_scores["dci/disentanglement"]
    assert s["dci/completeness"] < 0.5 * perfect_scores["dci/completeness"]
    assert s["dci/informativeness_test"] > 0.9  # the information is all there, only mixed
    assert s["sap/SAP_score"] < 0.5 * perfect_scores["sap/SAP_score"]


def test_noise_scores_near_chance():
    s = scores(noise)
    assert abs(s["beta_vae_score/eval_accuracy"] - 1 / 3) < 0.15
    assert s["factor_vae_score/eval_accuracy"] < 0.6
    assert s["mig/discrete_mig"] < 0.05
    assert s["dci/disentanglement"] < 0.2 and s["dci/informativeness_test"] < 0.45
    assert s["sap/SAP_score"] < 0.05


def test_mig_of_a_duplicated_code_is_zero_for_its_factor():
    # Codes (f0, f0, f1): factor 0 has two equally informative codes (gap 0),
    # factor 1 one perfect code (gap H(f1) / H(f1) = 1), factor 2 none (gap 0).
    two = lambda obs: np.stack([obs[:, 0], obs[:, 0], obs[:, 1]], axis=1)  # noqa: E731
    result = D.mig(TOY, two, np.random.RandomState(0), num_train=3000)
    np.testing.assert_allclose(result["discrete_mig"], 1 / 3, atol=0.01)


def test_discrete_mutual_information_matches_a_contingency_table():
    rng = np.random.RandomState(1)
    factors = rng.randint(3, size=(500, 2))
    codes = np.stack([factors[:, 0] + rng.randint(2, size=500), rng.randint(4, size=500)], axis=1)
    info = D.discrete_mutual_information(codes, factors)
    for i in range(2):
        for j in range(2):
            joint = np.zeros((codes[:, i].max() + 1, 3))
            np.add.at(joint, (codes[:, i], factors[:, j]), 1.0)
            joint /= joint.sum()
            outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
            nz = joint > 0
            np.testing.assert_allclose(info[i, j], np.sum(joint[nz] * np.log(joint[nz] / outer[nz])), rtol=1e-10)
    np.testing.assert_allclose(D.discrete_entropy(factors),
                               [scipy.stats.entropy(np.bincount(factors[:, j])) for j in range(2)])


def test_dci_of_known_importance_matrices():
    assert D.dci_from_importance(np.eye(4)) == pytest.approx((1.0, 1.0), abs=1e-8)
    assert D.dci_from_importance(np.ones((4, 4))) == pytest.approx((0.0, 0.0), abs=1e-8)
    # One code explains both factors equally: disentanglement 0 for it; each factor
    # has one code: completeness 1.
    disentanglement, completeness = D.dci_from_importance(np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert disentanglement == pytest.approx(0.0, abs=1e-8) and completeness == pytest.approx(1.0, abs=1e-8)
    # Against a direct formula for a random matrix.
    m = np.random.RandomState(2).uniform(size=(5, 3))
    p_codes = m / m.sum(axis=1, keepdims=True)
    expected = np.sum((1 + np.sum(p_codes * np.log(p_codes), axis=1) / np.log(3)) * m.sum(1) / m.sum())
    assert D.dci_from_importance(m)[0] == pytest.approx(expected, rel=1e-6)


def test_sap_with_continuous_factors_is_the_gap_in_squared_correlation():
    # Codes equal to the (continuous) factors: r^2 = 1 for the matching code, ~0 for the others.
    result = D.sap(TOY, perfect, np.random.RandomState(0), num_train=2000, num_test=10,
                   continuous_factors=True)
    assert result["SAP_score"] > 0.98


def test_factor_vae_score_drops_collapsed_dimensions():
    collapsed = lambda obs: np.concatenate([perfect(obs), np.zeros((len(obs), 2))], axis=1)  # noqa: E731
    result = D.factor_vae_score(TOY, collapsed, 0, **SMALL["factor_vae_score"])
    assert result["num_active_dims"] == 3 and result["eval_accuracy"] == 1.0
    nothing = lambda obs: np.zeros((len(obs), 3))  # noqa: E731
    assert D.factor_vae_score(TOY, nothing, 0, **SMALL["factor_vae_score"]) == {
        "train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}


def test_dsprites_positions_read_from_the_pixels_are_disentangled():
    # A hand-made representation of dSprites images: the sprite's centroid (x, y)
    # and its area. MIG finds x and y each in one code.
    def centroid_and_area(images):
        cols = np.arange(64)
        mass = images.sum(axis=(1, 2))
        x = (images.sum(axis=1) * cols).sum(axis=1) / mass
        y = (images.sum(axis=2) * cols).sum(axis=1) / mass
        return np.stack([x, y, mass], axis=1)

    data = DSprites()
    codes, factors = D.factors_and_codes(data, centroid_and_area, 2000, np.random.RandomState(0))
    info = D.discrete_mutual_information(D.histogram_discretize(codes, 20), factors)
    entropy = D.discrete_entropy(factors)
    assert info[0, 3] / entropy[3] > 0.5 and info[1, 4] / entropy[4] > 0.5
    assert np.argmax(info[:, 3]) == 0 and np.argmax(info[:, 4]) == 1
    assert np.argmax(info[:, 1]) == 2  # the area carries the scale


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="random_state"):
        D.mig(TOY, perfect, "0")
    with pytest.raises(TypeError, match="representation_function"):
        D.mig(TOY, "encoder", 0, num_train=10)
    with pytest.raises(ValueError, match="one code vector per observation"):
        D.mig(TOY, lambda obs: obs[:, 0], 0, num_train=10)
    with pytest.raises(ValueError, match="NaN"):
        D.mig(TOY, lambda obs: obs * np.nan, 0, num_train=10)
    with pytest.raises(TypeError, match="ground_truth_data"):
        D.dci(np.zeros(3), perfect, 0)
    with pytest.raises(ValueError, match="num_train"):
        D.beta_vae_score(TOY, perfect, 0, num_train=0)
    with pytest.raises(ValueError, match="batch_size"):
        D.factor_vae_score(TOY, perfect, 0, batch_size=1)
