import io

import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.callbacks import ImageLogger
from keras_vi.plotting import reconstruction_grid, sample_grid


def _read(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return events


def _pixels(image_event):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def test_image_logger_writes_what_tensorboard_reads(tmp_path, digits):
    model = zoo.VAE(latent_dim=2)
    logger = ImageLogger(tmp_path, x=digits[:8], every_n_epochs=2, n=16, num_examples=8, seed=3)
    history = model.fit(digits, epochs=3, batch_size=32, verbose=0, callbacks=[logger])
    assert logger.steps_written == [1, 2]  # after epoch 2 (every 2nd) and after the last
    events = _read(tmp_path)
    assert sorted(events.Tags()["images"]) == ["reconstructions", "samples"]
    samples, recs = events.Images("samples"), events.Images("reconstructions")
    assert [e.step for e in samples] == [e.step for e in recs] == [1, 2]
    # the last pictures are the trained model's grids, as plotting draws them, in 8 bits
    expected = np.round(sample_grid(model, 16, seed=3) * 255)
    assert np.array_equal(_pixels(samples[-1]), expected)
    assert (samples[-1].height, samples[-1].width) == expected.shape
    expected = np.round(reconstruction_grid(model, digits[:8], 8) * 255)
    assert np.array_equal(_pixels(recs[-1]), expected)
    assert not np.array_equal(_pixels(samples[0]), _pixels(samples[-1]))  # training shows
    for key in ("loss", "reconstruction", "kl"):
        written = events.Scalars(key)
        assert [e.step for e in written] == [1, 2]
        np.testing.assert_allclose([e.value for e in written], history.history[key][1:], rtol=1e-6)


def test_image_logger_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="every_n_epochs"):
        ImageLogger(tmp_path, every_n_epochs=0)
    with pytest.raises(ValueError, match="`x`"):
        ImageLogger(tmp_path, x=np.zeros((0, 8, 8)))
    with pytest.raises(ValueError, match="`seed`"):
        ImageLogger(tmp_path, seed=1.5)
    with pytest.raises(TypeError, match="log_dir"):
        ImageLogger(None)
    model = zoo.GaussianMixture(num_components=2)
    with pytest.raises(ValueError, match="reconstruct"):
        model.fit(np.zeros((8, 2), "float32"), epochs=1, verbose=0,
                  callbacks=[ImageLogger(tmp_path, x=np.zeros((4, 8, 8)))])
