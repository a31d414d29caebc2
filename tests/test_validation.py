"""Bad input gets a ValueError naming the argument."""

import numpy as np
import pytest

from keras_vi import layers, zoo


@pytest.mark.parametrize(
    "cls,kwargs,name",
    [
        (zoo.VAE, {"latent_dim": 0}, "latent_dim"),
        (zoo.VAE, {"latent_dim": -2}, "latent_dim"),
        (zoo.VAE, {"latent_dim": 2.0}, "latent_dim"),
        (zoo.BetaVAE, {"latent_dim": 2, "beta": -0.5}, "beta"),
        (zoo.VAE, {"latent_dim": 2, "free_bits": -1.0}, "free_bits"),
        (zoo.IWAE, {"latent_dim": 2, "num_samples": 0}, "num_samples"),
        (zoo.VAE, {"latent_dim": 2, "likelihood": "poisson"}, "likelihood"),
        (zoo.VAE, {"latent_dim": 2, "encoder": "mlp"}, "encoder"),
        (layers.Sampling, {"num_samples": 0}, "num_samples"),
        (zoo.VAE, {"latent_dim": 2, "hidden_units": []}, "hidden_units"),
        (zoo.VAE, {"latent_dim": 2, "hidden_units": [16, 0]}, "hidden_units"),
        (zoo.VAE, {"latent_dim": 2, "aggressive": "yes"}, "aggressive"),
        (zoo.IWAE, {"latent_dim": 2, "max_inner_steps": 0}, "max_inner_steps"),
    ],
)
def test_bad_arguments(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_wrong_rank_or_shape(digits):
    model = zoo.VAE(latent_dim=2)
    model.fit(digits, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"`x` must have shape \(batch, 8, 8\)"):
        model.fit(digits.reshape(len(digits), 64), verbose=0)
    with pytest.raises(ValueError, match="`x` must have shape"):
        model.reconstruct(digits[:, :4])
    with pytest.raises(ValueError, match="`x` must have a batch axis"):
        zoo.VAE(latent_dim=2).fit(np.zeros(5, "float32"), verbose=0)
    with pytest.raises(ValueError, match="latent_dim=2"):
        model.decode(np.zeros((3, 5), "float32"))
    with pytest.raises(ValueError, match="per-example shape"):
        zoo.VAE(latent_dim=2).fit(np.zeros((4, 2, 2, 2, 2), "float32"), verbose=0)


def test_nan_in_the_data(digits):
    bad = digits.copy()
    bad[3, 2, 2] = np.nan
    with pytest.raises(ValueError, match="`x` contains 1 NaN"):
        zoo.VAE(latent_dim=2).fit(bad, verbose=0)
    bad[3, 2, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        zoo.VAE(latent_dim=2, likelihood="gaussian").fit(bad, verbose=0)


def test_nan_in_the_first_batch_of_a_dataset(digits):
    import tensorflow as tf

    bad = digits.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        zoo.VAE(latent_dim=2).fit(tf.data.Dataset.from_tensor_slices(bad).batch(8), verbose=0)


def test_values_outside_the_unit_interval_for_bernoulli(digits):
    with pytest.raises(ValueError, match=r"`x` must lie in \[0, 1\].*likelihood='gaussian'"):
        zoo.VAE(latent_dim=2).fit(digits * 16.0, verbose=0)
    # a Gaussian likelihood takes any real values
    zoo.VAE(latent_dim=2, likelihood="gaussian").fit(digits * 16.0 - 8.0, epochs=1, verbose=0)


def test_non_numeric_data():
    with pytest.raises(ValueError, match="`x` must"):
        zoo.VAE(latent_dim=2).fit(object(), verbose=0)


def test_sampling_inputs():
    with pytest.raises(ValueError, match="same shape"):
        layers.Sampling()([np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")])
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        layers.Sampling()(np.zeros((2, 3), "float32"))


def test_nan_loss_stops_training_with_an_error(digits):
    model = zoo.VAE(latent_dim=2, likelihood="gaussian")
    model.compile(optimizer="sgd")
    model.build(digits.shape)
    model.set_weights([w * np.nan if w.dtype.kind == "f" else w for w in model.get_weights()])
    with pytest.raises(FloatingPointError, match="loss is nan"):
        model.fit(digits, epochs=1, verbose=0)
