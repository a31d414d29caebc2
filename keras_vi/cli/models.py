"""What `keras-vi train` offers for each zoo model: a table of the CLI's, not attributes of the models.

`CONSTRUCTOR_OPTIONS` names the constructor arguments each model takes from the
command line (every one is a parameter of the class's constructor, or of the base
it forwards `**kwargs` to: `tests/test_cli.py` checks it). `AFTER_FIT` is what the
CLI does after `fit` for a model that needs more (the VQ-VAE's prior), with the
options it takes; `SAVED_MODEL` lists the models it exports as a TF SavedModel.
"""

import numpy as np
from keras import ops

from keras_vi.layers.vector_quantizer import codebook_usage, perplexity
from keras_vi.utils import check_positive_int

_LATENT = ("latent_dim", "likelihood", "prior", "seed", "hidden_units", "dequantization")

CONSTRUCTOR_OPTIONS = {
    "vae": _LATENT + ("beta", "free_bits"),
    "beta_vae": _LATENT + ("beta", "free_bits"),
    "iwae": _LATENT + ("num_samples",),
    "vq_vae": ("num_embeddings", "embedding_dim", "commitment_cost", "ema_decay", "likelihood", "spatial_dims",
               "seed"),
    "real_nvp": ("dequantization", "num_scales", "num_steps", "filters", "seed"),
    "beta_tc_vae": _LATENT + ("beta",),
    "factor_vae": _LATENT + ("gamma",),
    "hierarchical_vae": ("latent_dims", "likelihood", "prior", "seed", "hidden_units", "beta"),
    "ar_vae": ("latent_dim", "prior", "seed", "hidden_units", "beta", "free_bits", "num_classes",
               "decoder_layers", "decoder_filters", "first_kernel_size"),
}

SAVED_MODEL = ("vae", "beta_vae", "iwae", "beta_tc_vae", "factor_vae")


def vq_vae_prior_and_metrics(model, x_train, x_test, prior_epochs=10, batch_size=64, verbose=0):
    """Fits the VQ-VAE's prior on the training codes; the test split's VQ metrics."""
    prior_epochs = check_positive_int(prior_epochs, "prior_epochs")
    model.fit_prior(x_train, epochs=prior_epochs, batch_size=batch_size, verbose=verbose)
    metrics = vq_vae_test_metrics(model, x_test)
    metrics.pop("prior_nll_standard_error")
    return metrics


def vq_vae_test_metrics(model, x_test):
    """A trained VQ-VAE's held-out numbers: reconstruction, codebook use, its prior's exact NLL (± s.e.)."""
    rec = np.concatenate([ops.convert_to_numpy(model.reconstruct(x_test[i : i + 256]))
                          for i in range(0, len(x_test), 256)])
    codes = model.encode_indices(x_test)
    k = model.num_embeddings
    nll = np.concatenate([-ops.convert_to_numpy(model.prior.log_prob(codes[i : i + 1000]))
                          for i in range(0, len(codes), 1000)]).astype(np.float64)
    return {
        "reconstruction_mse": float(np.mean((rec - x_test) ** 2)),
        "perplexity": float(ops.convert_to_numpy(perplexity(codes, k))),
        "codebook_usage": float(ops.convert_to_numpy(codebook_usage(codes, k))),
        "prior_bits_per_dim": float(np.mean(nll) / (np.prod(codes.shape[1:]) * np.log(2))),
        "prior_nll_nats_per_image": float(np.mean(nll)),
        "prior_nll_standard_error": float(np.std(nll, ddof=1) / np.sqrt(len(nll))) if len(nll) > 1 else None,
    }


# model name -> (what runs after fit: f(model, x_train, x_test, **options) -> test metrics, its options)
AFTER_FIT = {"vq_vae": (vq_vae_prior_and_metrics, ("prior_epochs",))}
