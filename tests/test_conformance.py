"""Conformance of every public layer and model, listed once in a registry."""

import keras
import numpy as np
import pytest

from keras_vi import layers, likelihoods, objectives, priors, zoo
from keras_vi.testing import (
    check_config_round_trip,
    run_deterministic_layer_test,
    run_layer_test,
    run_model_test,
)

LAYERS = [
    ("sampling", layers.Sampling, {"seed": 3}, [(4, 3), (4, 3)], (4, 3)),
    ("sampling_k", layers.Sampling, {"seed": 3, "num_samples": 5}, [(4, 3), (4, 3)], (5, 4, 3)),
]

_rng = np.random.default_rng(0)
VECTORS = _rng.uniform(size=(8, 12)).astype("float32")
IMAGES = _rng.uniform(size=(8, 6, 5)).astype("float32")
COLOUR = _rng.uniform(size=(8, 4, 4, 3)).astype("float32")
BYTES = _rng.integers(0, 256, size=(8, 6, 5)).astype("uint8")

MODELS = [
    ("vae_vectors", zoo.VAE, {"latent_dim": 2, "seed": 1, "hidden_units": [16, 8]}, VECTORS),
    ("vae_images", zoo.VAE, {"latent_dim": 2, "beta": 0.5, "free_bits": 0.1, "seed": 1}, IMAGES),
    ("vae_gaussian", zoo.VAE, {"latent_dim": 3, "likelihood": "gaussian", "seed": 1}, COLOUR),
    ("beta_vae", zoo.BetaVAE, {"latent_dim": 2, "beta": 2.0, "seed": 1}, IMAGES),
    ("beta_tc_vae", zoo.BetaTCVAE, {"latent_dim": 2, "beta": 6.0, "dataset_size": 100, "seed": 1}, IMAGES),
    ("factor_vae", zoo.FactorVAE, {"latent_dim": 2, "gamma": 5.0, "discriminator_units": [4], "seed": 1},
     IMAGES),
    ("iwae", zoo.IWAE, {"latent_dim": 2, "num_samples": 3, "seed": 1}, VECTORS),
    ("vae_discretized_logistic", zoo.VAE,
     {"latent_dim": 2, "likelihood": "discretized_logistic", "seed": 1}, BYTES),
    ("vae_logistic_mixture", zoo.VAE,
     {"latent_dim": 2, "likelihood": likelihoods.DiscretizedLogistic(num_components=3), "seed": 1},
     BYTES[..., None]),
    ("vae_fixed_variance", zoo.VAE,
     {"latent_dim": 2, "likelihood": likelihoods.Gaussian(log_var=0.0), "seed": 1}, VECTORS),
    ("vae_mixture_prior", zoo.VAE,
     {"latent_dim": 3, "prior": priors.MixtureOfGaussians(num_components=3, seed=0), "seed": 1}, IMAGES),
    ("iwae_vamp_prior", zoo.IWAE,
     {"latent_dim": 2, "num_samples": 2, "prior": priors.VampPrior(num_pseudo_inputs=3, seed=0),
      "seed": 1}, VECTORS),
    ("hierarchical_vae", zoo.HierarchicalVAE, {"latent_dims": [3, 2], "hidden_units": [8], "seed": 1},
     (VECTORS > 0.5).astype("float32")),
    ("hierarchical_vae_vamp_prior", zoo.HierarchicalVAE,
     {"latent_dims": [2, 2], "prior": priors.VampPrior(num_pseudo_inputs=3, seed=0), "seed": 1}, IMAGES),
    ("gmm_diag", zoo.GaussianMixture, {"num_components": 3, "seed": 1}, VECTORS),
    ("gmm_full", zoo.GaussianMixture, {"num_components": 2, "covariance": "full"}, VECTORS[:, :3]),
    ("pixel_cnn", zoo.PixelCNN, {"num_classes": 3, "num_layers": 1, "filters": 4, "seed": 1},
     _rng.integers(0, 3, size=(8, 4, 4)).astype("int32")),
    ("real_nvp_uniform", zoo.RealNVP, {"dequantization": "uniform", "num_scales": 2, "num_steps": 1, "filters": 4, "seed": 1},
     BYTES[:, :4, :4]),
    ("real_nvp_variational", zoo.RealNVP,
     {"dequantization": "variational", "num_scales": 2, "num_steps": 1, "filters": 4, "seed": 1},
     BYTES[:, :4, :4, None]),
    ("vae_dequantized", zoo.VAE, {"latent_dim": 2, "hidden_units": [8], "seed": 1,
                                  "likelihood": likelihoods.Dequantized("gaussian", "variational", seed=1)},
     BYTES),
    ("ar_vae", zoo.ARVAE, {"latent_dim": 2, "decoder_layers": 1, "decoder_filters": 4, "free_bits": 0.1,
                           "seed": 1}, (IMAGES > 0.5).astype("float32")),
    ("vae_categorical", zoo.VAE, {"latent_dim": 2, "likelihood": "categorical", "seed": 1},
     BYTES),
    ("vq_vae", zoo.VQVAE, {"num_embeddings": 4, "embedding_dim": 2, "filters": [4, 8],
                           "prior_layers": 1, "prior_filters": 4, "seed": 1}, IMAGES[:, :4, :4]),
    ("vq_vae_sequences", zoo.VQVAE, {"num_embeddings": 4, "embedding_dim": 2, "filters": [4, 8], "spatial_dims": 1,
                                     "likelihood": likelihoods.Categorical(8), "prior_layers": 2,
                                     "prior_filters": 4, "seed": 1}, _rng.integers(0, 8, size=(8, 12, 1))),
    ("vq_vae_video", zoo.VQVAE, {"num_embeddings": 4, "embedding_dim": 2, "filters": [4], "prior_layers": 2,
                                 "prior_filters": 4, "seed": 1}, (_rng.uniform(size=(8, 2, 4, 4, 1)) > 0.5).astype("float32")),
    ("causal_prior", zoo.CausalPrior, {"num_classes": 3, "num_layers": 2, "filters": 4, "seed": 1},
     _rng.integers(0, 3, size=(8, 2, 3, 2)).astype("int32")),
]
DETERMINISTIC = {zoo.GaussianMixture: "log_prob", zoo.PixelCNN: "log_prob", zoo.CausalPrior: "log_prob", zoo.RealNVP: "encode",
                 zoo.ARVAE: "encode"}

# Deterministic layers: config round trip, eager/symbolic shapes, fit step, .keras reload.
DETERMINISTIC_LAYERS = [
    ("vector_quantizer", layers.VectorQuantizer, {"num_embeddings": 6, "embedding_dim": 3, "seed": 0},
     (4, 5, 3)),
    ("vector_quantizer_ema", layers.VectorQuantizer,
     {"num_embeddings": 6, "embedding_dim": 3, "ema_decay": 0.9, "seed": 0}, (4, 5, 3)),
    ("masked_conv2d", layers.MaskedConv2D, {"filters": 3, "kernel_size": (3, 3), "mask_type": "A"},
     (2, 5, 5, 2)),
    ("gated_block", layers.GatedPixelCNNBlock, {"filters": 2, "kernel_size": 3}, [(2, 5, 5, 2)] * 2),
    ("gated_causal_block", layers.GatedCausalBlock, {"filters": 2, "dilation_rate": 2}, (2, 7, 2)),
    ("gated_block_vector_condition", layers.GatedPixelCNNBlock, {"filters": 2, "condition_dim": 3},
     [(2, 5, 5, 2), (2, 5, 5, 2), (2, 3)]),
    ("masked_conv2d_vertical", layers.MaskedConv2D,
     {"filters": 3, "kernel_size": (3, 3), "mask_type": "B", "stack": "vertical"}, (2, 5, 5, 2)),
]


@pytest.mark.parametrize(
    "cls,kwargs,input_shapes,output_shape",
    [case[1:] for case in LAYERS],
    ids=[case[0] for case in LAYERS],
)
def test_layer_conformance(cls, kwargs, input_shapes, output_shape):
    run_layer_test(cls, kwargs, input_shapes, output_shape)


@pytest.mark.parametrize(
    "cls,kwargs,x", [case[1:] for case in MODELS], ids=[case[0] for case in MODELS]
)
def test_model_conformance(cls, kwargs, x):
    run_model_test(cls, kwargs, x, deterministic_method=DETERMINISTIC.get(cls, "reconstruct"))


@pytest.mark.parametrize(
    "cls,kwargs,input_shape", [case[1:] for case in DETERMINISTIC_LAYERS],
    ids=[case[0] for case in DETERMINISTIC_LAYERS],
)
def test_deterministic_layer_conformance(cls, kwargs, input_shape):
    run_deterministic_layer_test(cls, kwargs, input_shape)


# Parts (likelihoods, priors, objectives): config round trip; each also trains,
# saves and reloads inside a model of MODELS.
PARTS = [
    likelihoods.Bernoulli(), likelihoods.Gaussian(), likelihoods.Gaussian(log_var=-1.0),
    likelihoods.DiscretizedLogistic(num_components=2), likelihoods.Categorical(num_classes=3),
    priors.StandardNormal(), priors.MixtureOfGaussians(num_components=2, seed=3),
    priors.VampPrior(num_pseudo_inputs=4, seed=2),
    objectives.ELBO(free_bits=0.5, num_samples=2), objectives.IWAEBound(num_samples=3),
    objectives.TotalCorrelationELBO(beta=4.0, dataset_size=50, num_samples=2),
]


@pytest.mark.parametrize("part", PARTS, ids=[repr(p) if not isinstance(p, keras.layers.Layer)
                                             else type(p).__name__ for p in PARTS])
def test_part_config_round_trip(part):
    config = part.get_config()
    check_config_round_trip(part, {k: v for k, v in config.items() if k not in ("name", "dtype", "trainable")})
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(part))
    assert type(restored) is type(part) and restored.get_config() == config


def _model_parts(kwargs):
    return {type(likelihoods.get(kwargs.get("likelihood", "bernoulli"))),
            type(priors.get(kwargs.get("prior", "standard_normal")))}


def test_registry_covers_public_classes():
    covered = {case[1] for case in LAYERS + MODELS + DETERMINISTIC_LAYERS}
    covered |= {type(p) for p in PARTS}
    from test_flows import BIJECTORS  # the bijectors' own conformance (run_bijector_test)

    covered |= {case[1] for case in BIJECTORS}
    covered |= {type(layers.get_dequantizer(case[2]["dequantization"])) for case in MODELS
                if "dequantization" in case[2]}
    in_models = set().union(*(_model_parts(case[2]) for case in MODELS if issubclass(case[1], zoo.VAE)
                              or issubclass(case[1], zoo.IWAE)))
    public = [getattr(layers, name) for name in layers.__all__]
    public = {c for c in public if isinstance(c, type) and c not in (layers.Bijector, layers.Dequantizer)}
    public |= {zoo.GaussianMixture, zoo.PixelCNN, zoo.CausalPrior, *zoo.MODELS.values()}
    parts = {*likelihoods.LIKELIHOODS.values(), *priors.PRIORS.values()}
    assert public | parts <= covered, f"not in the conformance registry: {(public | parts) - covered}"
    assert parts <= in_models, f"parts no model of the registry trains and reloads: {parts - in_models}"
