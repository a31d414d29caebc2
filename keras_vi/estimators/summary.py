"""One summary of a trained latent variable model on held-out data (`keras-vi evaluate`)."""

import time

import numpy as np

from keras_vi.estimators.bits import bits_per_dim
from keras_vi.estimators.marginal_likelihood import log_likelihood


def evaluation_summary(model, x, num_samples=5000, proposal="posterior", batch_size=None, seed=0):
    """Held-out NLL (nats, bits/dim) by importance sampling, and collapse diagnostics.

    Args:
        model: a trained keras_vi latent variable model.
        x: NumPy array of held-out examples.
        num_samples: k, as for `log_likelihood`.
        proposal: as for `log_likelihood`.
        batch_size: as for `log_likelihood`.
        seed: as for `log_likelihood`.

    Returns:
        A JSON-ready dict: `nll_nats` (mean of -L_k), its standard error over
        examples, the mean Monte Carlo standard error and effective sample
        size, `bits_per_dim`, the one-sample `elbo` and `kl`, `active_units`,
        `kl_per_dimension` (None for a prior that does not factorize),
        `mutual_information` (None where q(z|x) is not a diagonal
        Gaussian: `HierarchicalVAE`), `seconds` of the estimate, and a `note` when a
        Bernoulli likelihood sees grey levels. A flow (no `latent_dim`) gets
        the likelihood part only.
    """
    from keras_vi import likelihoods, metrics  # metrics import the zoo, which imports estimators

    start = time.perf_counter()
    estimate = log_likelihood(model, x, num_samples=num_samples, proposal=proposal,
                              batch_size=batch_size, seed=seed)
    seconds = time.perf_counter() - start
    nll = -estimate.log_likelihood
    result = {
        "num_examples": int(len(x)),
        "num_samples": num_samples,
        "proposal": proposal,
        "nll_nats": float(nll.mean()),
        # spread over examples, and the mean Monte Carlo error of each estimate
        "nll_standard_error_over_examples": float(nll.std(ddof=1) / np.sqrt(len(nll))),
        "mean_monte_carlo_standard_error": float(estimate.standard_error.mean()),
        "mean_effective_sample_size": float(estimate.effective_sample_size.mean()),
        "bits_per_dim": float(bits_per_dim(nll.mean(), int(np.prod(x.shape[1:])))),
        "seconds": round(seconds, 1),
    }
    if not hasattr(model, "latent_dim"):  # a flow: no latent code to diagnose
        return result
    logs = model.evaluate(x, batch_size=256, verbose=0, return_dict=True)
    kl_per_dim = metrics.kl_per_dimension(model, x) if model.prior.factorized else None
    result.update({
        "elbo": float(logs["elbo"]),
        "kl": float(logs["kl"]),
        "active_units": metrics.active_units(model, x),
        "latent_dim": int(model.latent_dim),
        "kl_per_dimension": None if kl_per_dim is None else [round(float(v), 4) for v in kl_per_dim],
        "mutual_information": (metrics.mutual_information(model, x, seed=seed)
                               if getattr(model, "diagonal_posterior", True) else None),
    })
    if isinstance(model.likelihood, likelihoods.Bernoulli) and not np.all((x == 0) | (x == 1)):
        result["note"] = (
            "The data are not binary: with a Bernoulli likelihood these numbers are "
            "cross-entropies, not log-likelihoods. Train with --binarize for nats."
        )
    return result
