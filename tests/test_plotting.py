import numpy as np
import pytest

from keras_vi import plotting, zoo


def test_image_grid_layout():
    images = np.random.default_rng(0).uniform(size=(6, 2, 3)).astype("float32")
    grid = plotting.image_grid(images, num_cols=4)
    assert grid.shape == (2 * 3 - 1, 4 * 4 - 1)
    np.testing.assert_array_equal(grid[0:2, 0:3], images[0])
    np.testing.assert_array_equal(grid[3:5, 4:7], images[5])
    assert grid[2, 0] == 0.5 and grid[3, 8] == 0.5  # padding and the empty tiles
    flat = plotting.image_grid(images.reshape(3, 4, 3)[:, :, 0].reshape(3, 4))  # 2x2 vectors
    assert flat.shape == (2, 3 * 3 - 1)
    with pytest.raises(ValueError, match="square"):
        plotting.image_grid(np.zeros((2, 5)))


def test_plots_are_written(digits, tmp_path):
    model = zoo.VAE(latent_dim=2)
    history = model.fit(digits, epochs=2, verbose=0)
    plotting.plot_samples(model, tmp_path / "s.png", n=8)
    plotting.plot_reconstructions(model, digits, tmp_path / "r.png", num_examples=10)
    plotting.plot_history(history, tmp_path / "h.png")
    for name in ("s.png", "r.png", "h.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_latent_traversals_sweep_one_dimension_per_row(digits, tmp_path):
    from keras import ops

    model = zoo.VAE(latent_dim=3, seed=0)
    model.fit(digits, epochs=1, verbose=0)
    decoded = plotting.latent_traversals(model, digits, tmp_path / "t.png", dims=[2, 0], num_steps=4,
                                         limit=2.0)
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert decoded.shape == (2, 4, 8, 8)
    # Row 0 sweeps z2 over [-2, 2] from the posterior mean of digits[0]; the others held.
    mean = ops.convert_to_numpy(model.encode(digits[:1])[0])[0]
    codes = np.repeat(mean[None], 4, axis=0)
    codes[:, 2] = np.linspace(-2, 2, 4)
    np.testing.assert_allclose(decoded[0], ops.convert_to_numpy(model.decode(codes)), atol=1e-5)
    with pytest.raises(ValueError, match="dims"):
        plotting.latent_traversals(model, digits, tmp_path / "t.png", dims=[3])
    with pytest.raises(ValueError, match="num_steps"):
        plotting.latent_traversals(model, digits, tmp_path / "t.png", num_steps=1)
