"""TermMeans against one keras.metrics.Mean per term, and in the models' logs."""

import keras
import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.metrics import TermMeans
from tests.conftest import to_numpy

NAMES = ("reconstruction", "kl", "elbo")


@pytest.mark.parametrize("weighted", [False, True])
def test_each_term_is_what_a_mean_metric_gives(weighted):
    rng = np.random.default_rng(0)
    ours = TermMeans(NAMES)
    means = {n: keras.metrics.Mean(name=n) for n in NAMES}
    for batch in (5, 3, 5):  # batches of two sizes, accumulated
        terms = {n: rng.normal(size=(batch,)).astype("float32") * 10 for n in NAMES}
        weight = rng.uniform(0.1, 2.0, size=(batch,)).astype("float32") if weighted else None
        ours.update_state(terms, sample_weight=weight)
        for n in NAMES:
            means[n].update_state(terms[n], sample_weight=weight)
        result = ours.result()
        assert list(result) == list(NAMES)
        for n in NAMES:
            np.testing.assert_allclose(to_numpy(result[n]), to_numpy(means[n].result()), rtol=1e-6)
    ours.reset_state()
    assert all(float(to_numpy(v)) == 0.0 for v in ours.result().values())


def test_config_round_trip_and_bad_names():
    metric = TermMeans(NAMES, name="terms")
    again = TermMeans.from_config(metric.get_config())
    assert again.names == NAMES and again.name == "terms"
    for names in ((), ("kl", "kl"), "kl", ("kl", "")):
        with pytest.raises(ValueError, match="`names` must be"):
            TermMeans(names)
    with pytest.raises(ValueError, match=r"`terms` lacks \['elbo'\]"):
        metric.update_state({"reconstruction": np.zeros(2), "kl": np.zeros(2)})


def test_fit_logs_each_term_and_the_loss():
    x = (np.random.default_rng(1).uniform(size=(32, 6)) < 0.5).astype("float32")
    model = zoo.VAE(latent_dim=2, hidden_units=(4,), seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # weights stay: the logs are a plain mean
    history = model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", *NAMES}
    logs = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    terms = model.loss_terms_per_example(x, model(x))  # a new draw of z: compare the KL only
    np.testing.assert_allclose(logs["kl"], to_numpy(terms["kl"]).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["elbo"], logs["reconstruction"] - logs["kl"], rtol=1e-5, atol=1e-5)
