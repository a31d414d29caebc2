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


def test_audio_logger_writes_clips_tensorboard_plays(tmp_path):
    import wave

    from keras_vi import likelihoods
    from keras_vi.callbacks import AudioLogger
    from keras_vi.datasets import mu_law_decode, mu_law_encode
    from keras_vi.plotting.grids import to_display

    waves = 0.5 * np.sin(np.arange(64)[None, :, None] * np.linspace(0.1, 0.5, 8)[:, None, None])
    x = mu_law_encode(waves, 16)
    model = zoo.VQVAE(num_embeddings=4, embedding_dim=2, likelihood=likelihoods.Categorical(16), spatial_dims=1,
                      filters=[4], prior_layers=2, prior_filters=4, seed=0)
    logger = AudioLogger(tmp_path, x=x[:2], sample_rate=4000, n=None, num_examples=2)
    model.fit(x, epochs=2, batch_size=4, verbose=0, callbacks=[logger])
    model.fit_prior(x, epochs=1, verbose=0)
    sampler = AudioLogger(tmp_path / "samples", n=2, seed=1)
    sampler.set_model(model)
    sampler.log_epoch(5)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path), size_guidance={"audio": 0, "scalars": 0})
    events.Reload()
    assert sorted(events.Tags()["audio"]) == ["data/0", "data/1", "reconstruction/0", "reconstruction/1"]
    clip = events.Audio("reconstruction/1")[-1]
    assert clip.step == 1 and clip.content_type == "audio/wav" and clip.sample_rate == 4000
    with wave.open(io.BytesIO(clip.encoded_audio_string)) as f:
        pcm = np.frombuffer(f.readframes(f.getnframes()), "<i2")
    expected = to_display(model, model.reconstruct(x[1:2]))[0, :, 0]
    np.testing.assert_allclose(pcm / 32767, expected, atol=1 / 32767)  # the clip is the reconstruction, in 16 bits
    original = events.Audio("data/0")[0]
    with wave.open(io.BytesIO(original.encoded_audio_string)) as f:
        np.testing.assert_allclose(np.frombuffer(f.readframes(64), "<i2") / 32767, mu_law_decode(x[0, :, 0], 16),
                                   atol=1 / 32767)
    samples = EventAccumulator(str(tmp_path / "samples"), size_guidance={"audio": 0})
    samples.Reload()
    assert sorted(samples.Tags()["audio"]) == ["sample/0", "sample/1"] and samples.Audio("sample/0")[0].step == 5
    with pytest.raises(ValueError, match="sequences"):
        AudioLogger(tmp_path, x=np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match="sample_rate"):
        AudioLogger(tmp_path, sample_rate=0)
