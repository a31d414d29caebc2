"""dSprites, rendered on demand: 737,280 binary 64x64 images from 5 known factors."""

import math

import keras
import numpy as np

from keras_vi.utils import check_positive_int, check_random_state

FACTOR_NAMES = ("shape", "scale", "orientation", "x_position", "y_position")
FACTOR_SIZES = (3, 6, 40, 32, 32)
SHAPES = ("square", "ellipse", "heart")
IMAGE_SIZE = 64
# Geometry, in pixels: a sprite's centre moves over [16, 48] on each axis and its
# half-size at scale 1 is 10, so even a rotated square (half-diagonal 14.1) stays
# inside the 64x64 frame.
_CENTRE_LOW, _CENTRE_RANGE, _HALF_SIZE = 16.0, 32.0, 10.0
_CHUNK = 1024  # images rendered per vectorized pass (4M floats)


def _inside(shape, u, v):
    """Whether sprite coordinates (u, v) in [-1, 1]^2 (v up) lie in the shape."""
    if shape == 0:  # square
        return np.maximum(np.abs(u), np.abs(v)) <= 1.0
    if shape == 1:  # ellipse, twice as wide as tall
        return u**2 + (v / 0.5) ** 2 <= 1.0
    # heart: (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0 spans x in [-1.14, 1.14],
    # y in [-1, 1.25]; shifted and scaled to fill [-1, 1]^2.
    x, y = 1.14 * u, 1.125 * v + 0.125
    return (x**2 + y**2 - 1.0) ** 3 - x**2 * y**3 <= 0.0


class DSprites:
    """The dSprites grid (Matthey et al., 2017), rendered deterministically.

    Five factors of variation, each on a grid: shape (square, ellipse,
    heart), scale (6 values in [0.5, 1]), orientation (40 angles 2*pi*i/40 in
    [0, 2*pi)), x-position (columns, left to right) and y-position (rows, top
    to bottom), 32 values each. Every one of the
    3 * 6 * 40 * 32 * 32 = 737,280 combinations is drawn on demand as a 64x64
    binary image (a pixel is 1 where its centre lies inside the rotated,
    scaled and shifted sprite): nothing is stored or downloaded, and the same
    factors always give the same image.

    The interface is disentanglement_lib's ground-truth data: `factor_sizes`,
    `num_factors`, `observation_shape`, `sample_factors`,
    `sample_observations_from_factors` and `sample`, so the metrics of
    `keras_vi.metrics.disentanglement` accept it. Random draws take a
    `numpy.random.RandomState` (or an int seed).

    The sprites are our own drawing, not the original files' pixels: the
    factor grid and image size match, the exact outlines do not.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.datasets import DSprites
        >>> data = DSprites()
        >>> factors, images = data.sample(4, np.random.RandomState(0))
        >>> factors.shape, images.shape, images.dtype
        ((4, 5), (4, 64, 64), dtype('float32'))

    Reference:
        Matthey, Higgins, Hassabis and Lerchner, dSprites: Disentanglement
        testing Sprites dataset, 2017.
    """

    factor_names = FACTOR_NAMES
    factor_sizes = list(FACTOR_SIZES)
    num_factors = len(FACTOR_SIZES)
    observation_shape = (IMAGE_SIZE, IMAGE_SIZE)

    def __len__(self):
        return math.prod(FACTOR_SIZES)

    @staticmethod
    def factor_values(factors):
        """The physical values of integer factors: (shape, scale, angle, x, y), float64."""
        factors = np.asarray(factors)
        return np.stack([
            factors[:, 0].astype(np.float64),
            0.5 + 0.1 * factors[:, 1],
            2.0 * np.pi * factors[:, 2] / FACTOR_SIZES[2],
            factors[:, 3] / (FACTOR_SIZES[3] - 1),
            factors[:, 4] / (FACTOR_SIZES[4] - 1),
        ], axis=1)

    def check_factors(self, factors, name="factors"):
        """`factors` as an int64 (num, 5) array within the grid, or a ValueError naming it."""
        array = np.asarray(factors)
        if array.ndim != 2 or array.shape[1] != self.num_factors:
            raise ValueError(f"`{name}` must have shape (num, {self.num_factors}), got {array.shape}.")
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"`{name}` must hold integer factor indices, got dtype {array.dtype}.")
        sizes = np.asarray(FACTOR_SIZES)
        if np.any(array < 0) or np.any(array >= sizes):
            raise ValueError(f"`{name}` must lie in [0, factor_sizes) = {list(FACTOR_SIZES)} per column.")
        return array.astype(np.int64)

    def sample_factors(self, num, random_state):
        """`num` factor combinations drawn uniformly: int64 (num, 5)."""
        num = check_positive_int(num, "num")
        rng = check_random_state(random_state)
        return np.stack([rng.randint(size, size=num) for size in FACTOR_SIZES], axis=1).astype(np.int64)

    def sample_observations_from_factors(self, factors, random_state=None):
        """The images of `factors` (num, 5): float32 (num, 64, 64) of 0s and 1s.

        Rendering is deterministic; `random_state` is accepted for
        disentanglement_lib's interface and not used.
        """
        factors = self.check_factors(factors)
        return np.concatenate(
            [self._render(factors[i : i + _CHUNK]) for i in range(0, len(factors), _CHUNK)]
            or [np.zeros((0, *self.observation_shape), np.float32)]
        )

    def sample(self, num, random_state):
        """(factors, images) of `num` uniform draws."""
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors)

    def images(self, num, seed=0):
        """`num` uniformly drawn images as one array, for `fit` on NumPy data."""
        return self.sample(num, np.random.RandomState(seed))[1]

    def batches(self, batch_size, num_batches, seed=0):
        """A `keras.utils.PyDataset` of `num_batches` fresh batches, for `fit`."""
        return DSpritesBatches(self, batch_size, num_batches, seed=seed)

    def _render(self, factors):
        values = self.factor_values(factors)
        centre = _CENTRE_LOW + _CENTRE_RANGE * values[:, 3:5]  # (n, 2): x, y in pixels
        half = _HALF_SIZE * values[:, 1]
        grid = np.arange(IMAGE_SIZE) + 0.5
        # dx along columns; dy against rows, so the outlines' y axis points up.
        dx = (grid[None, None, :] - centre[:, 0, None, None]) / half[:, None, None]
        dy = (centre[:, 1, None, None] - grid[None, :, None]) / half[:, None, None]
        cos, sin = np.cos(values[:, 2])[:, None, None], np.sin(values[:, 2])[:, None, None]
        u, v = cos * dx + sin * dy, -sin * dx + cos * dy  # rotate by -angle
        images = np.zeros((len(factors), IMAGE_SIZE, IMAGE_SIZE), np.float32)
        for shape in range(len(SHAPES)):
            rows = factors[:, 0] == shape
            if np.any(rows):
                images[rows] = _inside(shape, u[rows], v[rows])
        return images


class DSpritesBatches(keras.utils.PyDataset):
    """Batches of freshly drawn dSprites images; each epoch draws new ones.

    Batch i of epoch e is a function of (seed, e, i) alone, so a run is
    reproducible and a batch read twice is the same.

    Args:
        data: a `DSprites`.
        batch_size: images per batch.
        num_batches: batches per epoch (the length of the dataset).
        seed: int, the seed of every draw.
    """

    def __init__(self, data, batch_size, num_batches, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.data = data
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.length = check_positive_int(num_batches, "num_batches")
        self.seed = seed
        self.epoch = 0

    def on_epoch_end(self):
        self.epoch += 1

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if not 0 <= index < self.length:
            raise IndexError(f"batch {index} of {self.length}")
        rng = np.random.RandomState([self.seed, self.epoch, index])
        return self.data.sample(self.batch_size, rng)[1]
