"""Short-time Fourier transforms of waveforms and their inverses (NumPy): STFT, ISTFT, Griffin-Lim.

A log-magnitude spectrogram is a representation of speech that a VQ-VAE can
model with a Gaussian likelihood; `griffin_lim` turns a magnitude back into a
waveform by finding a phase consistent with it (Griffin and Lim, 1984).
"""

import numpy as np

from keras_vi.utils import check_positive_int, to_numpy


def hann_window(frame_length):
    """The periodic Hann window of `frame_length` samples."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)


def _check_frames(frame_length, frame_step):
    check_positive_int(frame_length, "frame_length")
    check_positive_int(frame_step, "frame_step")
    if frame_step >= frame_length:
        raise ValueError(f"`frame_step` ({frame_step}) must be below `frame_length` ({frame_length}): the Hann "
                         "window is 0 at a frame's first sample, which only an overlapping frame sees.")


def num_frames(length, frame_length=256, frame_step=64):
    """How many frames `stft` gives for `length` samples."""
    pad = frame_length - frame_step
    return (length + 2 * pad - frame_length) // frame_step + 1


def stft(audio, frame_length=256, frame_step=64):
    """The complex STFT of waveforms (n, T) or (n, T, 1): (n, frames, frame_length // 2 + 1).

    Periodic Hann window. The waveform is padded with `frame_length -
    frame_step` zeros at each end, so every sample lies in as many frames as
    any other and `istft` inverts it exactly.
    """
    _check_frames(frame_length, frame_step)
    audio = to_numpy(audio).astype(np.float64)
    if audio.ndim == 3 and audio.shape[-1] == 1:
        audio = audio[..., 0]
    if audio.ndim != 2 or not np.isfinite(audio).all():
        raise ValueError(f"`audio` must be finite waveforms (n, T) or (n, T, 1), got shape {audio.shape}.")
    pad = frame_length - frame_step
    padded = np.pad(audio, ((0, 0), (pad, pad)))
    starts = np.arange(num_frames(audio.shape[1], frame_length, frame_step)) * frame_step
    frames = padded[:, starts[:, None] + np.arange(frame_length)] * hann_window(frame_length)
    return np.fft.rfft(frames, axis=-1)


def istft(spectrum, length, frame_length=256, frame_step=64):
    """Waveforms (n, length) whose STFT is nearest to `spectrum` (n, frames, bins) in least squares.

    Weighted overlap-add: sum_t w * irfft(X_t) / sum_t w^2 (Griffin and Lim,
    1984, eq. 6); for a spectrum that `stft` made, the waveform itself.
    """
    _check_frames(frame_length, frame_step)
    spectrum = np.asarray(spectrum)
    if spectrum.ndim != 3 or spectrum.shape[-1] != frame_length // 2 + 1:
        raise ValueError(f"`spectrum` must be (n, frames, {frame_length // 2 + 1}), got shape {spectrum.shape}.")
    if spectrum.shape[1] != num_frames(length, frame_length, frame_step):
        raise ValueError(f"`spectrum` has {spectrum.shape[1]} frames; `length` {length} takes "
                         f"{num_frames(length, frame_length, frame_step)}.")
    window = hann_window(frame_length)
    frames = np.fft.irfft(spectrum, n=frame_length, axis=-1) * window
    pad = frame_length - frame_step
    total = length + 2 * pad
    out = np.zeros((spectrum.shape[0], total))
    norm = np.zeros(total)
    for i in range(spectrum.shape[1]):
        out[:, i * frame_step:i * frame_step + frame_length] += frames[:, i]
        norm[i * frame_step:i * frame_step + frame_length] += window**2
    return (out / np.maximum(norm, 1e-12))[:, pad:pad + length]


def griffin_lim(magnitude, length, frame_length=256, frame_step=64, iterations=100, momentum=0.99, seed=0):
    """Waveforms (n, length) whose STFT magnitude approaches `magnitude` (n, frames, bins).

    Griffin and Lim's iteration (1984) from a random phase (drawn with
    `seed`), with the momentum of the fast Griffin-Lim algorithm (Perraudin,
    Balazs and Søndergaard, 2013; `momentum=0` is the original).
    """
    magnitude = np.asarray(magnitude, np.float64)
    if magnitude.ndim != 3 or not np.isfinite(magnitude).all() or (magnitude < 0).any():
        raise ValueError(f"`magnitude` must be finite and non-negative, (n, frames, bins); got shape {magnitude.shape}.")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"`iterations` must be a non-negative int, got {iterations!r}.")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"`momentum` must be in [0, 1), got {momentum!r}.")
    phase = np.exp(2j * np.pi * np.random.default_rng(seed).uniform(size=magnitude.shape))
    previous = np.zeros_like(phase)
    for _ in range(iterations):
        projected = stft(istft(magnitude * phase, length, frame_length, frame_step), frame_length, frame_step)
        accelerated = projected + momentum * (projected - previous)
        previous = projected
        phase = np.exp(1j * np.angle(accelerated))
    return istft(magnitude * phase, length, frame_length, frame_step).astype(np.float32)


def spectral_convergence(magnitude, audio, frame_length=256, frame_step=64):
    """|| |STFT(audio)| - magnitude ||_F / || magnitude ||_F per waveform: (n,)."""
    rebuilt = np.abs(stft(audio, frame_length, frame_step))
    magnitude = np.asarray(magnitude, np.float64)
    return (np.linalg.norm((rebuilt - magnitude).reshape(len(magnitude), -1), axis=1)
            / np.maximum(np.linalg.norm(magnitude.reshape(len(magnitude), -1), axis=1), 1e-12))
