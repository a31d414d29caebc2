"""The procedural dSprites renderer: the factor grid, determinism and the geometry of each factor."""

import numpy as np
import pytest

from keras_vi.datasets import DSprites

pytestmark = pytest.mark.numpy_only
DATA = DSprites()


def _image(shape=0, scale=5, orientation=0, x=16, y=16):
    return DATA.sample_observations_from_factors(np.array([[shape, scale, orientation, x, y]]))[0]


def _centroid(image):
    rows, cols = np.nonzero(image)
    return cols.mean(), rows.mean()


def test_the_grid_is_dsprites():
    assert DATA.factor_sizes == [3, 6, 40, 32, 32]
    assert DATA.num_factors == 5 and DATA.observation_shape == (64, 64)
    assert len(DATA) == 737_280
    values = DATA.factor_values(np.array([[2, 0, 0, 0, 0], [0, 5, 39, 31, 31]]))
    np.testing.assert_allclose(values[0], [2, 0.5, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(values[1], [0, 1.0, 2 * np.pi * 39 / 40, 1.0, 1.0])


def test_sampling_is_uniform_on_the_grid_and_reproducible():
    factors = DATA.sample_factors(20000, np.random.RandomState(0))
    assert factors.dtype == np.int64 and factors.shape == (20000, 5)
    for j, size in enumerate(DATA.factor_sizes):
        counts = np.bincount(factors[:, j], minlength=size)
        assert len(counts) == size and counts.min() > 0.7 * 20000 / size
    again, images = DATA.sample(20, np.random.RandomState(0))
    np.testing.assert_array_equal(again, DATA.sample_factors(20, np.random.RandomState(0)))
    assert images.dtype == np.float32 and set(np.unique(images)) <= {0.0, 1.0}
    np.testing.assert_array_equal(images, DATA.sample_observations_from_factors(again))
    assert np.mean(images.sum(axis=(1, 2)) > 0) == 1.0  # every sprite is drawn


def test_each_factor_moves_the_sprite_as_named():
    # Position: the centroid follows x (columns, rightward) and y (rows, downward), 32 px in all.
    x0, y0 = _centroid(_image(x=0, y=0))
    x1, y1 = _centroid(_image(x=31, y=31))
    np.testing.assert_allclose([x1 - x0, y1 - y0], [32.0, 32.0], atol=0.5)
    # Scale: the area grows with the square of the scale (0.5 -> 1: four times).
    small, large = _image(scale=0).sum(), _image(scale=5).sum()
    assert 3.6 < large / small < 4.4
    # Shape: square (2h)^2 against ellipse pi h (h / 2), at half-size h = 10 px.
    np.testing.assert_allclose(_image(shape=0).sum(), 400, rtol=0.03)
    np.testing.assert_allclose(_image(shape=1).sum(), np.pi * 10 * 5, rtol=0.05)
    # Orientation: a square turned a quarter turn (10 of 40 steps) is itself; 1/8 turn is not.
    np.testing.assert_array_equal(_image(orientation=10), _image(orientation=0))
    assert np.abs(_image(orientation=5) - _image(orientation=0)).sum() > 50
    # The heart has no such symmetry: a half turn moves its centroid across the centre,
    # keeping its area.
    heart, turned = _image(shape=2), _image(shape=2, orientation=20)
    centre = 16 + 32 * 16 / 31 - 0.5  # pixel index of the sprite's centre
    assert (_centroid(heart)[1] - centre) * (_centroid(turned)[1] - centre) < 0
    np.testing.assert_allclose(turned.sum(), heart.sum(), rtol=0.02)
    # Every sprite stays inside the frame: nothing touches the border.
    corners = DATA.sample_observations_from_factors(
        np.array([[s, 5, 5, x, y] for s in range(3) for x in (0, 31) for y in (0, 31)]))
    assert corners[:, [0, -1], :].sum() == 0 and corners[:, :, [0, -1]].sum() == 0


def test_batches_for_fit_are_fresh_each_epoch_and_reproducible():
    batches = DATA.batches(batch_size=8, num_batches=3, seed=4)
    assert len(batches) == 3 and batches[0].shape == (8, 64, 64)
    np.testing.assert_array_equal(batches[1], DATA.batches(8, 3, seed=4)[1])
    first = batches[0]
    batches.on_epoch_end()
    assert not np.array_equal(first, batches[0])
    with pytest.raises(IndexError):
        batches[3]


@pytest.mark.parametrize("factors,message", [
    (np.zeros((2, 4), int), r"`factors` must have shape \(num, 5\)"),
    (np.zeros((2, 5)), "integer factor indices"),
    (np.array([[3, 0, 0, 0, 0]]), r"factor_sizes"),
    (np.array([[0, 0, 0, -1, 0]]), r"factor_sizes"),
])
def test_bad_factors_are_named(factors, message):
    with pytest.raises(ValueError, match=message):
        DATA.sample_observations_from_factors(factors)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="random_state"):
        DATA.sample_factors(2, "seed")
    with pytest.raises(ValueError, match="num"):
        DATA.sample_factors(0, 0)
    with pytest.raises(ValueError, match="batch_size"):
        DATA.batches(0, 2)
