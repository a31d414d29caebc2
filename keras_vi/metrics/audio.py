"""Audio measures: spectrograms, signal-to-noise ratio and log-spectral distance (NumPy)."""

import numpy as np

from keras_vi.datasets.spectral import hann_window


def _waves(audio, name):
    audio = np.asarray(audio, np.float64)
    if audio.ndim == 3 and audio.shape[-1] == 1:
        audio = audio[..., 0]
    if audio.ndim == 2 and audio.shape[1] == 1:
        raise ValueError(f"`{name}` of shape {audio.shape} reads as waveforms one sample long: pass one "
                         "waveform as (T,), a batch as (n, T) or (n, T, 1).")
    if audio.ndim == 1:
        audio = audio[None]
    if audio.ndim != 2 or not np.isfinite(audio).all():
        raise ValueError(f"`{name}` must be finite waveforms (n, T), (n, T, 1) or (T,), got shape {audio.shape}.")
    return audio


def power_spectrogram(audio, frame_length=256, frame_step=64):
    """|STFT|^2 with a periodic Hann window: (n, frames, frame_length // 2 + 1)."""
    audio = _waves(audio, "audio")
    if audio.shape[1] < frame_length:
        raise ValueError(f"`audio` must be at least `frame_length` ({frame_length}) samples long.")
    window = hann_window(frame_length)
    starts = np.arange(0, audio.shape[1] - frame_length + 1, frame_step)
    frames = audio[:, starts[:, None] + np.arange(frame_length)] * window
    return np.abs(np.fft.rfft(frames, axis=-1)) ** 2


def snr_db(reference, estimate):
    """10 log10(sum x^2 / sum (x - x_hat)^2) per waveform, in dB: (n,)."""
    reference, estimate = _waves(reference, "reference"), _waves(estimate, "estimate")
    if reference.shape != estimate.shape:
        raise ValueError(f"`reference` {reference.shape} and `estimate` {estimate.shape} differ in shape.")
    noise = np.sum((reference - estimate) ** 2, axis=1)
    return 10 * np.log10(np.sum(reference**2, axis=1) / np.maximum(noise, 1e-20))


def log_spectral_distance(reference, estimate, frame_length=256, frame_step=64, floor=1e-10):
    """Per waveform, the mean over frames of the RMS over frequencies of 10 log10(P / P_hat), in dB: (n,).

    P and P_hat are power spectrograms (`power_spectrogram`); `floor` keeps silent bins finite.
    """
    p = power_spectrogram(reference, frame_length, frame_step)
    p_hat = power_spectrogram(estimate, frame_length, frame_step)
    if p.shape != p_hat.shape:
        raise ValueError(f"`reference` and `estimate` differ in shape: {p.shape} and {p_hat.shape} spectrograms.")
    difference = 10 * np.log10(np.maximum(p, floor) / np.maximum(p_hat, floor))
    return np.mean(np.sqrt(np.mean(difference**2, axis=2)), axis=1)
