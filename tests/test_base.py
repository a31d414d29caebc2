"""What every zoo model shares through ZooModel: compile defaults, input checks,
`sample(n, seed=None)`, the sample_weight policy; aggressive progress saved."""

import keras
import numpy as np
import pytest

from keras_vi import optimizers, zoo
from tests.conftest import to_numpy

_rng = np.random.default_rng(0)
VECTORS = _rng.normal(size=(6, 3)).astype("float32")
GRIDS = _rng.integers(0, 3, size=(6, 4, 4)).astype("int32")
IMAGES = _rng.uniform(size=(6, 4, 4)).astype("float32")
WEIGHTS = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0], "float32")


def small_models():
    return [
        (zoo.VAE(latent_dim=2, seed=0, hidden_units=[8]), IMAGES),
        (zoo.GaussianMixture(num_components=2, seed=0), VECTORS),
        (zoo.PixelCNN(num_classes=3, num_layers=1, filters=4, seed=0), GRIDS),
        (zoo.VQVAE(num_embeddings=4, embedding_dim=2, filters=[4, 8], prior_layers=1,
                   prior_filters=4, seed=0), IMAGES),
    ]


def per_example_loss(model, x, y_pred):
    """Each model's per-example loss, written out from its public methods."""
    if isinstance(model, zoo.LatentVariableModel):
        return to_numpy(model.loss_terms_per_example(x, y_pred)["loss"])
    if isinstance(model, zoo.GaussianMixture):
        return -to_numpy(y_pred)
    if isinstance(model, zoo.PixelCNN):
        return -to_numpy(model.log_prob(x))
    return -to_numpy(model.likelihood_distribution(y_pred["output"]).log_prob(x))


def test_sample_weight_weights_each_example_loss_in_every_model():
    for model, x in small_models():
        y_pred = model(x)
        losses = per_example_loss(model, x, y_pred)
        extra = float(to_numpy(model.compute_loss(x=x, y_pred=y_pred))) - losses.mean()  # VQ's own losses
        weighted = float(to_numpy(model.compute_loss(x=x, y_pred=y_pred, sample_weight=WEIGHTS)))
        expected = (WEIGHTS * losses).sum() / WEIGHTS.sum() + extra
        np.testing.assert_allclose(weighted, expected, rtol=1e-4, err_msg=type(model).__name__)


def test_compile_defaults_and_fit_without_compile():
    for model, x in small_models():
        model.compile()
        expected = 1e-2 if isinstance(model, zoo.GaussianMixture) else 1e-3
        assert isinstance(model.optimizer, keras.optimizers.Adam)
        # keras_vi's workaround only where it matters: embedding tables, on TensorFlow
        assert isinstance(model.optimizer, optimizers.Adam) == (
            model.embedding_tables and keras.backend.backend() == "tensorflow")
        np.testing.assert_allclose(float(to_numpy(model.optimizer.learning_rate)), expected)
    model, x = small_models()[0]
    assert not model.compiled
    model.fit(x, epochs=1, verbose=0)
    assert model.compiled


def test_one_sample_convention():
    for model, x in small_models()[:3]:
        model.fit(x, epochs=1, verbose=0)
        a, b = to_numpy(model.sample(3, seed=7)), to_numpy(model.sample(3, seed=7))
        np.testing.assert_array_equal(a, b)
        assert len(a) == 3
        with pytest.raises(ValueError, match="`n`"):
            model.sample(0)
        with pytest.raises(ValueError, match="`seed`"):
            model.sample(2, seed="seven")
    with pytest.raises(ValueError, match="built"):
        zoo.GaussianMixture(num_components=2).sample(3)


def test_one_input_check_for_every_model():
    bad = [(zoo.VAE(latent_dim=2), IMAGES * np.nan), (zoo.GaussianMixture(2), VECTORS[:, :, None]),
           (zoo.PixelCNN(num_classes=3), GRIDS.astype("float32") + 0.5),
           (zoo.VQVAE(num_embeddings=4), IMAGES + 1.0)]
    for model, x in bad:
        with pytest.raises(ValueError, match="`x`"):
            model.fit(x, verbose=0)
        with pytest.raises(ValueError, match="`x`"):
            model.evaluate(x, verbose=0)


def test_aggressive_progress_is_saved_with_the_model(digits, tmp_path):
    model = zoo.VAE(latent_dim=2, seed=0, aggressive=True, max_inner_steps=5)
    history = model.fit(digits, epochs=2, batch_size=32, verbose=0).history
    assert history["aggressive"][0] == 1.0
    model.save(tmp_path / "a.keras")
    reloaded = keras.saving.load_model(tmp_path / "a.keras")
    for name in ("aggressive_done", "aggressive_mutual_information"):  # where the phase stands
        assert float(to_numpy(getattr(reloaded, name))) == float(to_numpy(getattr(model, name)))
    assert to_numpy(model.aggressive_mutual_information) == np.float32(history["mutual_information"][-1]) \
        or history["aggressive"][-1] == 0.0
    # once the phase has ended, a fit (of the reloaded model too) is Keras' own, jointly
    model.aggressive_done.assign(1.0)
    model.save(tmp_path / "b.keras")
    reloaded = keras.saving.load_model(tmp_path / "b.keras")
    assert set(reloaded.fit(digits, epochs=1, verbose=0).history) == {"loss", "reconstruction", "kl", "elbo"}


def test_beta_has_one_home():
    from keras_vi import callbacks, objectives

    model = zoo.BetaVAE(latent_dim=2, beta=3.0)
    assert model.beta == 3.0 and float(to_numpy(model.kl_weight)) == 3.0
    assert not hasattr(model.objective, "beta") and "beta" not in objectives.ELBO().get_config()
    assert model.get_config()["beta"] == 3.0
    cb = callbacks.KLAnnealing("linear", warmup_steps=4)
    model.fit(IMAGES, epochs=1, batch_size=3, verbose=0, callbacks=[cb])
    assert cb.history == [0.0, 0.75] and model.beta == 3.0  # the schedule moves kl_weight toward beta


@pytest.mark.tf_only
def test_tensorflow_traces_the_first_step_once():
    """No variable is created inside a traced step: TensorFlow traces a step again
    when its first trace creates variables (Keras builds the optimizer there by default)."""
    import tensorflow as tf

    created = []

    def record(next_creator, **kwargs):
        variable = next_creator(**kwargs)
        if not tf.executing_eagerly():
            created.append(kwargs.get("name"))
        return variable

    models = small_models() + [(zoo.VAE(latent_dim=2, seed=0, hidden_units=[8], aggressive=True,
                                        max_inner_steps=2), IMAGES)]
    with tf.variable_creator_scope(record):
        for model, x in models:
            model.fit(x, epochs=1, batch_size=3, verbose=0)
            assert created == [], (model.name, created)
    # the check sees what it is for: Keras' own fit builds the optimizer in the trace
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    plain.compile(optimizer="adam", loss="mse")
    with tf.variable_creator_scope(record):
        plain.fit(VECTORS, VECTORS[:, :1], epochs=1, verbose=0)
    assert created, "Keras' fit no longer builds its optimizer in the traced step"
