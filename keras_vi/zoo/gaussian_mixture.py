"""A Gaussian mixture with an exact log-likelihood, trained by gradient descent."""

import math

import keras
import numpy as np
from keras import ops

from keras_vi import _random
from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_choice, check_data, check_positive_int, full_precision
from keras_vi.zoo.base import ZooModel

COVARIANCES = ("diag", "full")


@keras_vi_export("keras_vi.zoo.GaussianMixture")
class GaussianMixture(ZooModel):
    """p(x) = sum_k pi_k N(x; mu_k, Sigma_k), with log p(x) computed exactly.

    The one latent variable model here whose likelihood is tractable: the
    discrete latent is summed out by a log-sum-exp over components. `fit`
    minimizes -log p(x) with the model's optimizer. The parameters are kept
    valid by construction: pi = softmax(logits) lies on the simplex; a
    diagonal covariance is exp(2 log_scale); a full covariance is the inverse
    of P P^T, where P is lower triangular with a positive (exponentiated)
    diagonal, so Sigma is positive definite (sklearn's "precision Cholesky").

    The first `fit` on NumPy data initializes the means at examples chosen by
    k-means++ seeding (Arthur and Vassilvitskii, 2007) and the scales at the
    data's standard deviation.

    Args:
        num_components: K >= 1.
        covariance: `"diag"` or `"full"`.
        seed: int or None, for initialization and `sample`.

    `fit` without `compile` uses Adam(1e-2).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import GaussianMixture
        >>> x = np.random.default_rng(0).normal(size=(256, 2)).astype("float32")
        >>> gmm = GaussianMixture(num_components=2, seed=0)
        >>> history = gmm.fit(x, epochs=1, verbose=0)
        >>> tuple(gmm.log_prob(x[:3]).shape)
        (3,)
    """

    default_learning_rate = 1e-2

    def __init__(self, num_components, covariance="diag", seed=None, **kwargs):
        super().__init__(seed=seed, **full_precision(kwargs))  # exact log p(x) in float32
        self.num_components = check_positive_int(num_components, "num_components")
        self.covariance = check_choice(covariance, "covariance", COVARIANCES)
        self.log_likelihood_tracker = keras.metrics.Mean(name="log_likelihood")

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "GaussianMixture takes vectors: `x` must have shape (batch, d), "
                f"got {tuple(input_shape)}."
            )
        k, d = self.num_components, int(input_shape[-1])
        self.data_dim = d
        self.logits = self.add_weight(shape=(k,), initializer="zeros", name="logits")
        self.means = self.add_weight(
            shape=(k, d), initializer=keras.initializers.RandomNormal(seed=self.seed),
            name="means",
        )
        if self.covariance == "diag":
            self.log_scale = self.add_weight(shape=(k, d), initializer="zeros", name="log_scale")
        else:
            # strictly lower part of P, and log of its diagonal
            self.precision_tril = self.add_weight(
                shape=(k, d, d), initializer="zeros", name="precision_tril"
            )
            self.precision_log_diag = self.add_weight(
                shape=(k, d), initializer="zeros", name="precision_log_diag"
            )
        self.built = True

    def _precision_cholesky(self):
        d = self.data_dim
        strictly_lower = ops.convert_to_tensor(np.tril(np.ones((d, d), "float32"), -1))
        return self.precision_tril * strictly_lower + ops.exp(self.precision_log_diag)[
            :, :, None
        ] * ops.eye(d)

    def component_log_prob(self, x):
        """log pi_k + log N(x; mu_k, Sigma_k) for each component: (batch, K)."""
        x = ops.convert_to_tensor(x, dtype=self.compute_dtype)
        diff = x[:, None, :] - self.means[None]  # (N, K, D)
        if self.covariance == "diag":
            y = diff * ops.exp(-self.log_scale)[None]
            log_det = -ops.sum(self.log_scale, axis=-1)  # log |Sigma|^(-1/2)
        else:
            y = ops.einsum("nkd,kde->nke", diff, self._precision_cholesky())
            log_det = ops.sum(self.precision_log_diag, axis=-1)
        log_normal = (
            -0.5 * self.data_dim * math.log(2 * math.pi) + log_det - 0.5 * ops.sum(y * y, axis=-1)
        )
        return ops.log_softmax(self.logits)[None] + log_normal

    def log_prob(self, x):
        """Exact log p(x) per example: (batch,)."""
        self.check_eager(x)
        return ops.logsumexp(self.component_log_prob(x), axis=-1)

    def predict_proba(self, x):
        """Responsibilities p(k | x): (batch, K), rows summing to 1."""
        return ops.softmax(self.component_log_prob(x), axis=-1)

    def call(self, x):
        return self.log_prob(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        del y
        self.log_likelihood_tracker.update_state(y_pred, sample_weight=sample_weight)
        return self.replica_loss(self.weighted_loss(-y_pred, sample_weight), x)

    def generate(self, n, seed):
        """Draws component k ~ pi, then x ~ N(mu_k, Sigma_k): (n, d)."""
        k = keras.random.categorical(self.logits[None], n, seed=seed)[0]
        eps = _random.normal((n, self.data_dim), seed=seed)
        means = ops.take(self.means, k, axis=0)
        if self.covariance == "diag":
            return means + ops.take(ops.exp(self.log_scale), k, axis=0) * eps
        # x = mu + P^-T eps has covariance P^-T P^-1 = (P P^T)^-1 = Sigma
        factor = ops.inv(ops.transpose(self._precision_cholesky(), (0, 2, 1)))
        return means + ops.einsum("nde,ne->nd", ops.take(factor, k, axis=0), eps)

    def set_parameters(self, weights, means, covariances):
        """Sets pi, mu and Sigma from NumPy arrays (sklearn's layout).

        `covariances` is (K, d) for "diag" and (K, d, d) for "full".
        """
        weights, means = np.asarray(weights, np.float64), np.asarray(means, np.float64)
        covariances = np.asarray(covariances, np.float64)
        if not self.built:
            self.build((None, means.shape[-1]))
        k, d = self.num_components, self.data_dim
        expected = (k, d) if self.covariance == "diag" else (k, d, d)
        if weights.shape != (k,) or means.shape != (k, d) or covariances.shape != expected:
            raise ValueError(
                f"Expected weights {(k,)}, means {(k, d)}, covariances {expected}; got "
                f"{weights.shape}, {means.shape}, {covariances.shape}."
            )
        self.logits.assign(np.log(weights).astype("float32"))
        self.means.assign(means.astype("float32"))
        if self.covariance == "diag":
            self.log_scale.assign((0.5 * np.log(covariances)).astype("float32"))
        else:
            chol = np.linalg.cholesky(np.linalg.inv(covariances))  # P, lower
            self.precision_tril.assign(np.tril(chol, -1).astype("float32"))
            self.precision_log_diag.assign(
                np.log(np.diagonal(chol, axis1=1, axis2=2)).astype("float32")
            )

    def get_parameters(self):
        """Returns (weights, means, covariances) as NumPy arrays."""
        weights = ops.convert_to_numpy(ops.softmax(self.logits))
        means = ops.convert_to_numpy(self.means)
        if self.covariance == "diag":
            return weights, means, np.exp(2 * ops.convert_to_numpy(self.log_scale))
        chol = ops.convert_to_numpy(self._precision_cholesky()).astype(np.float64)
        return weights, means, np.linalg.inv(chol @ np.transpose(chol, (0, 2, 1)))

    def validate_batch(self, batch, name):
        batch = check_data(batch, name)
        if batch.ndim != 2 or (self.built and batch.shape[1] != self.data_dim):
            d = self.data_dim if self.built else "d"
            raise ValueError(f"`{name}` must have shape (batch, {d}), got {batch.shape}.")

    def build_for_fit(self, x, batch):
        """The first fit initializes from NumPy `x`: k-means++ means, the data's variance."""
        if not isinstance(x, np.ndarray):
            raise ValueError("`x` must be a NumPy array of shape (batch, d) for the first fit.")
        self.build(x.shape)
        picks = _kmeans_plus_plus(x, self.num_components, np.random.default_rng(self.seed))
        variance = np.tile(x.var(axis=0) + 1e-6, (self.num_components, 1))
        if self.covariance == "full":
            variance = np.stack([np.diag(v) for v in variance])
        self.set_parameters(np.full(self.num_components, 1 / self.num_components), x[picks], variance)

    def get_config(self):
        return {**super().get_config(), "num_components": self.num_components,
                "covariance": self.covariance}


def _kmeans_plus_plus(x, k, rng):
    """Indices of k examples: each next one drawn with probability ~ D(x)^2."""
    picks = [int(rng.integers(len(x)))]
    sq_dist = np.sum((x - x[picks[0]]) ** 2, axis=1)
    for _ in range(1, k):
        total = sq_dist.sum()
        if total <= 0:  # fewer distinct points than components
            picks.append(int(rng.integers(len(x))))
            continue
        picks.append(int(rng.choice(len(x), p=sq_dist / total)))
        sq_dist = np.minimum(sq_dist, np.sum((x - x[picks[-1]]) ** 2, axis=1))
    return np.array(picks)
