"""Moving MNIST, drawn on demand: digits bouncing in a square frame (Srivastava et al., 2015)."""

import math

import numpy as np

from keras_vi.utils import check_positive_int, check_random_state

DIGIT_SIZE = 28


class MovingMNIST:
    """Videos of `num_digits` MNIST digits moving and bouncing inside a `size` x `size` frame.

    The definition of Srivastava, Mansimov and Salakhutdinov (Unsupervised
    Learning of Video Representations using LSTMs, ICML 2015, Section 3):
    each 28x28 digit starts at a uniformly random position inside the frame
    and moves in a uniformly random direction at a constant speed of `speed`
    pixels per frame; when it reaches an edge it bounces (that velocity
    component changes sign). Overlapping digits combine by their pixelwise
    maximum. Srivastava et al. draw 20 frames of 64x64 with two digits.

    Video i is a function of (`seed`, i) alone: the same index always gives
    the same video and nothing is stored. `digits` are the images the digits
    are drawn from, (N, 28, 28) in [0, 1]: MNIST's (`datasets.load("mnist",
    data_dir=...)`), or the statically binarized MNIST's reshaped to 28x28.

    Args:
        digits: (N, 28, 28) float array in [0, 1].
        labels: None, or the (N,) labels of `digits` (then `videos` returns
            the labels of the digits in each video).
        num_frames: frames per video.
        size: the frame's height and width, at least 28.
        num_digits: digits per video.
        speed: pixels per frame.
        seed: int; with the index, it fixes every video.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.datasets import MovingMNIST
        >>> digits = np.zeros((5, 28, 28), "float32"); digits[:, 10:18, 10:18] = 1.0
        >>> data = MovingMNIST(digits, num_frames=6, size=40, seed=0)
        >>> data.videos(range(3)).shape
        (3, 6, 40, 40, 1)
    """

    def __init__(self, digits, labels=None, num_frames=20, size=64, num_digits=2, speed=3.0, seed=0):
        digits = np.asarray(digits)
        if digits.ndim != 3 or digits.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE) or len(digits) == 0:
            raise ValueError(f"`digits` must be (N >= 1, 28, 28) images, got shape {digits.shape}.")
        if not np.issubdtype(digits.dtype, np.floating) or digits.min() < 0 or digits.max() > 1:
            raise ValueError("`digits` must be floats in [0, 1] (MNIST divided by 255).")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(digits),):
                raise ValueError(f"`labels` must have shape ({len(digits)},), got {labels.shape}.")
        self.digits, self.labels = digits.astype("float32"), labels
        self.num_frames = check_positive_int(num_frames, "num_frames")
        self.size = check_positive_int(size, "size")
        if self.size < DIGIT_SIZE:
            raise ValueError(f"`size` must be at least {DIGIT_SIZE}, got {size}.")
        self.num_digits = check_positive_int(num_digits, "num_digits")
        if not isinstance(speed, (int, float)) or isinstance(speed, bool) or not 0 <= speed < math.inf:
            raise ValueError(f"`speed` must be a finite number >= 0, got {speed!r}.")
        self.speed = float(speed)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"`seed` must be an int >= 0, got {seed!r}.")
        self.seed = int(seed)

    @property
    def observation_shape(self):
        return (self.num_frames, self.size, self.size, 1)

    def trajectory(self, start, direction):
        """Top-left corners (num_frames, 2) of a digit from `start` (row, column) along angle `direction`."""
        limit = self.size - DIGIT_SIZE
        position = np.array(start, float)
        velocity = self.speed * np.array([math.sin(direction), math.cos(direction)])
        corners = np.empty((self.num_frames, 2))
        for t in range(self.num_frames):
            corners[t] = position
            position = position + velocity
            for axis in range(2):  # bounce: reflect the position and the velocity at an edge
                if position[axis] < 0:
                    position[axis], velocity[axis] = -position[axis], -velocity[axis]
                elif position[axis] > limit:
                    position[axis], velocity[axis] = 2 * limit - position[axis], -velocity[axis]
        return np.clip(np.rint(corners).astype(int), 0, limit)

    def video(self, index):
        """Video `index`: ((num_frames, size, size, 1) float32, the indices of its digits)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise ValueError(f"`index` must be an int >= 0, got {index!r}.")
        rng = np.random.default_rng([self.seed, int(index)])
        chosen = rng.integers(0, len(self.digits), size=self.num_digits)
        frames = np.zeros((self.num_frames, self.size, self.size), "float32")
        limit = self.size - DIGIT_SIZE
        for digit in chosen:
            corners = self.trajectory(rng.uniform(0, limit, size=2), rng.uniform(0, 2 * math.pi))
            for t, (row, column) in enumerate(corners):
                window = frames[t, row:row + DIGIT_SIZE, column:column + DIGIT_SIZE]
                np.maximum(window, self.digits[digit], out=window)
        return frames[..., None], chosen

    def videos(self, indices):
        """The videos at `indices`: (n, num_frames, size, size, 1) float32 (and (n, num_digits) labels
        when the dataset has labels)."""
        drawn = [self.video(i) for i in indices]
        frames = np.stack([video for video, _ in drawn]) if drawn else np.zeros((0, *self.observation_shape), "float32")
        if self.labels is None:
            return frames
        return frames, np.array([self.labels[chosen] for _, chosen in drawn]).reshape(len(drawn), self.num_digits)

    def sample(self, num, random_state):
        """`num` videos at indices drawn by `random_state` (a RandomState or an int)."""
        rng = check_random_state(random_state)
        return self.videos(rng.randint(0, 2**31 - 1, size=check_positive_int(num, "num")))
