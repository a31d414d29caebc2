import numpy as np
import pytest
from scipy.special import logsumexp

from keras_vi.objectives import ELBO, IWAEBound
from tests.conftest import to_numpy


def test_elbo_terms():
    rec = np.array([-10.0, -20.0], "float32")
    kl_per_dim = np.array([[0.5, 1.0], [2.0, 0.0]], "float32")
    terms = {k: to_numpy(v) for k, v in ELBO(beta=4.0)(rec, kl_per_dim).items()}
    np.testing.assert_allclose(terms["kl"], [1.5, 2.0])
    np.testing.assert_allclose(terms["elbo"], [-11.5, -22.0])
    np.testing.assert_allclose(terms["loss"], [16.0, 28.0])
    # an explicit beta (an annealing variable) overrides the stored one
    np.testing.assert_allclose(to_numpy(ELBO(beta=4.0)(rec, kl_per_dim, beta=0.0)["loss"]), [10.0, 20.0])


def test_free_bits_is_the_batch_objective_of_the_paper():
    rng = np.random.default_rng(0)
    rec = rng.normal(size=16).astype("float32")
    kl_per_dim = rng.exponential(0.5, size=(16, 4)).astype("float32")
    kl_per_dim[:, 0] *= 0.01  # a nearly collapsed dimension, below lambda
    lam = 0.3
    terms = ELBO(free_bits=lam)(rec, kl_per_dim)
    expected = -rec.mean() + np.maximum(lam, kl_per_dim.mean(0)).sum()
    np.testing.assert_allclose(to_numpy(terms["loss"]).mean(), expected, rtol=1e-5)
    # the reported KL and ELBO stay the true values
    np.testing.assert_allclose(to_numpy(terms["kl"]), kl_per_dim.sum(-1), rtol=1e-6)


def test_iwae_bound_matches_scipy_logsumexp_and_is_stable():
    rng = np.random.default_rng(0)
    log_px_z, log_pz, log_qz = rng.normal(size=(3, 50, 4)).astype("float32") * 5 - 3000
    log_pz += 3000
    log_qz += 3000
    terms = IWAEBound(num_samples=50)(log_px_z, log_pz, log_qz)
    log_w = (log_px_z + log_pz - log_qz).astype("float64")
    expected = logsumexp(log_w, axis=0) - np.log(50)
    got = to_numpy(terms["iwae_bound"])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(terms["loss"]), -got)


def test_iwae_with_one_sample_is_the_single_sample_elbo():
    rng = np.random.default_rng(1)
    log_px_z, log_pz, log_qz = rng.normal(size=(3, 1, 5)).astype("float32")
    got = to_numpy(IWAEBound(num_samples=1)(log_px_z, log_pz, log_qz)["iwae_bound"])
    np.testing.assert_allclose(got, (log_px_z + log_pz - log_qz)[0], rtol=1e-6)


@pytest.mark.parametrize("kwargs,name", [({"beta": -1.0}, "beta"), ({"free_bits": -0.1}, "free_bits"),
                                         ({"beta": float("nan")}, "beta")])
def test_elbo_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ELBO(**kwargs)


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_iwae_bad_num_samples(k):
    with pytest.raises(ValueError, match="num_samples"):
        IWAEBound(num_samples=k)


@pytest.mark.parametrize("obj", [ELBO(beta=2.0, free_bits=0.5), IWAEBound(num_samples=7)])
def test_objective_config_round_trip(obj):
    import keras

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
    assert type(restored) is type(obj) and restored.get_config() == obj.get_config()
