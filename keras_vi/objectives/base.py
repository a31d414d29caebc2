"""What an objective receives (one `Bundle`) and what it declares (`Objective`)."""

from typing import Any, NamedTuple

from keras import ops

from keras_vi.utils import Part


class Bundle(NamedTuple):
    """Everything an objective may read about one batch.

    Fields:
        x: the batch.
        posterior: q(z|x), a diagonal `keras_vi.distributions.Normal` (batch, d).
        z: the draws of z ~ q(z|x), (num_samples, batch, d).
        log_px_z: log p(x|z) for each draw, (num_samples, batch).
        prior: the model's `keras_vi.priors.Prior`.
        kl_weight: the model's KL weight (a variable a schedule may change).
    """

    x: Any
    posterior: Any
    z: Any
    log_px_z: Any
    prior: Any
    kl_weight: Any


class Objective(Part):
    """Base of the training objectives: per-example terms from a `Bundle`.

    A subclass sets `metric_names` (the per-example terms the model logs
    besides `loss`), says whether it reads the KL weight (`uses_kl_weight`:
    KL annealing refuses objectives that do not), holds `num_samples` (draws
    of z per example that the model makes for it) and implements `__call__`.
    """

    metric_names = ()
    uses_kl_weight = False
    num_samples = 1

    def check_prior(self, prior):
        """Raises a ValueError if the objective cannot work with `prior`."""

    def __call__(self, bundle):
        """Returns a dict of (batch,) tensors: `loss` and each of `metric_names`."""
        raise NotImplementedError


def reconstruction_and_kl(bundle):
    """(E_q[log p(x|z)] over the draws, KL(q || p) as the prior computes it)."""
    return ops.mean(bundle.log_px_z, axis=0), bundle.prior.kl(bundle.posterior, bundle.z)


def check_objective(objective):
    """`objective` itself if it is an `Objective`, else a ValueError naming the argument."""
    if not isinstance(objective, Objective):
        raise ValueError(
            "`objective` must be a keras_vi.objectives.Objective (ELBO, IWAEBound), "
            f"got {type(objective).__name__}."
        )
    return objective
