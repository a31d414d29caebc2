"""Disentanglement metrics on ground-truth data: BetaVAE, FactorVAE, MIG, DCI, SAP.

Each metric is a function `(ground_truth_data, representation_function,
random_state, **params) -> dict`, with disentanglement_lib's defaults and
result keys, so numbers compare with its study (Locatello et al., 2019):

- `ground_truth_data` has `num_factors`, `factor_sizes`,
  `sample_factors(num, random_state)` and
  `sample_observations_from_factors(factors, random_state)` (e.g.
  `keras_vi.datasets.DSprites`);
- `representation_function` maps a batch of observations to a NumPy array of
  codes (num, num_codes), usually the posterior mean (`representation(model)`);
- `random_state` is a `numpy.random.RandomState` (or an int seed).

scikit-learn fits the classifiers and computes the mutual information; the
metrics themselves are NumPy. Definitions follow the papers as implemented in
disentanglement_lib (google-research), read there and written anew here.
"""

from keras_vi.metrics.disentanglement.beta_vae_score import beta_vae_score
from keras_vi.metrics.disentanglement.codes import factors_and_codes, representation
from keras_vi.metrics.disentanglement.dci import dci, dci_from_importance
from keras_vi.metrics.disentanglement.factor_vae_score import factor_vae_score
from keras_vi.metrics.disentanglement.mig import (
    discrete_entropy,
    discrete_mutual_information,
    histogram_discretize,
    mig,
)
from keras_vi.metrics.disentanglement.sap import sap

__all__ = ["beta_vae_score", "dci", "dci_from_importance", "discrete_entropy",
           "discrete_mutual_information", "factor_vae_score", "factors_and_codes",
           "histogram_discretize", "mig", "representation", "sap"]
