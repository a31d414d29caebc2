"""Audio measures against SciPy and closed forms."""

import numpy as np
import pytest
import scipy.signal

from keras_vi import metrics

RNG = np.random.default_rng(0)


def test_power_spectrogram_is_scipys_stft():
    x = RNG.normal(size=(2, 1000))
    ours = metrics.power_spectrogram(x, frame_length=256, frame_step=64)
    _, _, z = scipy.signal.stft(x, window="hann", nperseg=256, noverlap=192, boundary=None, padded=False)
    window_sum = scipy.signal.get_window("hann", 256).sum()  # SciPy divides by it
    np.testing.assert_allclose(ours, np.abs(np.swapaxes(z, 1, 2) * window_sum) ** 2, rtol=1e-9, atol=1e-9)


def test_snr_and_log_spectral_distance_closed_forms():
    x = RNG.normal(size=(3, 2048))
    noise = RNG.normal(size=(3, 2048))
    expected = 10 * np.log10((x**2).sum(1) / ((0.1 * noise) ** 2).sum(1))
    np.testing.assert_allclose(metrics.snr_db(x, x + 0.1 * noise), expected)
    np.testing.assert_allclose(metrics.snr_db(x[..., None], (x + 0.1 * noise)[..., None]), expected)  # (n, T, 1)
    np.testing.assert_allclose(metrics.log_spectral_distance(x, x), 0.0, atol=1e-12)
    # a gain a scales every bin's power by a^2: 20 log10 a dB in every frame and bin
    np.testing.assert_allclose(metrics.log_spectral_distance(x, 0.5 * x), 20 * np.log10(2), rtol=1e-9)
    assert metrics.snr_db(x[0], x[0] + 0.1 * noise[0]).shape == (1,)  # one waveform (T,)
    with pytest.raises(ValueError, match="one sample long"):
        metrics.snr_db(x[0][:, None], x[0][:, None])
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.snr_db(x, x[:, :100])
    with pytest.raises(ValueError, match="frame_length"):
        metrics.power_spectrogram(x[:, :100])
