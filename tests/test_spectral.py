"""STFT, its inverse and Griffin-Lim (NumPy): against SciPy, exact round trips, convergence, bad input."""

import numpy as np
import pytest
import scipy.signal

from keras_vi.datasets import griffin_lim, istft, spectral, stft

pytestmark = pytest.mark.numpy_only
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("frame_length,frame_step", [(256, 64), (64, 32), (16, 4)])
def test_stft_is_scipys_and_istft_inverts_it(frame_length, frame_step):
    audio = RNG.uniform(-1, 1, size=(3, 1000))
    spectrum = stft(audio[..., None], frame_length, frame_step)  # (n, T, 1) as the datasets give
    assert spectrum.shape == (3, spectral.num_frames(1000, frame_length, frame_step), frame_length // 2 + 1)
    # SciPy's frames start at the signal; ours start frame_length - frame_step samples before it
    _, _, reference = scipy.signal.stft(audio[1], window="hann", nperseg=frame_length,
                                        noverlap=frame_length - frame_step, boundary=None, padded=False)
    skip = (frame_length - frame_step) // frame_step
    scale = np.hanning(frame_length + 1)[:-1].sum()  # SciPy divides by the window's sum
    np.testing.assert_allclose(spectrum[1, skip:skip + reference.shape[1]], reference.T * scale, atol=1e-9)
    np.testing.assert_allclose(istft(spectrum, 1000, frame_length, frame_step), audio, atol=1e-12)


def test_griffin_lim_recovers_a_magnitude_that_a_waveform_has():
    t = np.arange(4096) / 8000
    chirp = np.sin(2 * np.pi * (300 + 400 * t) * t) * np.hanning(len(t))
    magnitude = np.abs(stft(chirp[None]))
    start = spectral.spectral_convergence(magnitude, griffin_lim(magnitude, 4096, iterations=0))
    plain = spectral.spectral_convergence(magnitude, griffin_lim(magnitude, 4096, iterations=50, momentum=0.0))
    fast = spectral.spectral_convergence(magnitude, griffin_lim(magnitude, 4096, iterations=50))
    assert start[0] > 0.3 and plain[0] < start[0] / 2 and fast[0] < 0.05 and fast[0] < plain[0]
    # the same seed gives the same phase
    np.testing.assert_array_equal(griffin_lim(magnitude, 4096, iterations=3), griffin_lim(magnitude, 4096, iterations=3))


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="`frame_step` \\(4\\) must be below `frame_length` \\(4\\)"):
        stft(np.zeros((1, 100)), 4, 4)
    with pytest.raises(ValueError, match="`audio` must be finite"):
        stft(np.full((1, 100), np.nan))
    with pytest.raises(ValueError, match="`frame_length` must be a positive int"):
        stft(np.zeros((1, 100)), 0)
    with pytest.raises(ValueError, match="`length` 100 takes"):
        istft(stft(np.zeros((1, 200))), 100)
    with pytest.raises(ValueError, match="`magnitude` must be finite and non-negative"):
        griffin_lim(-np.ones((1, 5, 129)), 100)
    with pytest.raises(ValueError, match="`momentum` must be in"):
        griffin_lim(np.ones((1, 3, 129)), 64, momentum=1.0)
