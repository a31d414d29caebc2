"""Pictures and files of sequences and video: spectrograms, WAV files, frame strips and GIFs."""

import io
import wave

import numpy as np

from keras_vi.plotting.grids import _pyplot, image_grid


def wav_bytes(audio, sample_rate=8000):
    """16-bit mono WAV bytes of one waveform in [-1, 1] ((T,) or (T, 1); clipped to [-1, 1])."""
    pcm = np.round(np.clip(np.asarray(audio, np.float64).reshape(-1), -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(sample_rate))
        f.writeframes(pcm.tobytes())
    return buffer.getvalue()


def write_wav(path, audio, sample_rate=8000):
    """Writes one waveform in [-1, 1] ((T,) or (T, 1)) as a 16-bit mono WAV file."""
    if not np.isfinite(np.asarray(audio, np.float64)).all():
        raise ValueError("`audio` must be finite.")
    with open(path, "wb") as f:
        f.write(wav_bytes(audio, sample_rate))


def plot_spectrograms(rows, path, titles=None, sample_rate=8000, frame_length=256, frame_step=64):
    """Writes a grid of log-power spectrograms: `rows` is a list of (n, T[, 1]) waveform batches.

    Row r holds the spectrograms of `rows[r]` (originals above reconstructions, say); `titles`
    labels the rows.
    """
    from keras_vi.metrics.audio import power_spectrogram

    plt = _pyplot()
    cols = max(len(np.asarray(r)) for r in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(1.6 * cols, 1.5 * len(rows)), squeeze=False)
    for r, batch in enumerate(rows):
        spectra = 10 * np.log10(np.maximum(power_spectrogram(batch, frame_length, frame_step), 1e-10))
        for c in range(cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(spectra):
                seconds = np.asarray(batch).shape[1] / sample_rate
                ax.imshow(spectra[c].T, origin="lower", aspect="auto", cmap="magma", vmin=-60, vmax=40,
                          extent=(0, seconds, 0, sample_rate / 2))
            if c == 0 and titles is not None:
                ax.set_ylabel(titles[r], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _grey_videos(videos):
    """(n, T, H, W[, 1]) videos as an (n, T, H, W) float32 array, or a ValueError."""
    videos = np.asarray(videos, np.float32)
    if videos.ndim == 5 and videos.shape[-1] == 1:
        videos = videos[..., 0]
    if videos.ndim != 4:
        raise ValueError(f"`videos` must be (n, T, H, W[, 1]), got shape {videos.shape}.")
    return videos


def frame_strips(videos):
    """(n, T, H, W[, 1]) videos in [0, 1] -> one image: a row of T frames per video."""
    videos = _grey_videos(videos)
    n, frames = videos.shape[:2]
    return image_grid(videos.reshape(n * frames, *videos.shape[2:]), num_cols=frames)


def save_gif(videos, path, frame_ms=150):
    """Writes (n, T, H, W[, 1]) videos in [0, 1] side by side as one animated GIF."""
    from PIL import Image

    videos = _grey_videos(videos)
    frames = [image_grid(videos[:, t], num_cols=len(videos)) for t in range(videos.shape[1])]
    images = [Image.fromarray(np.uint8(np.clip(f, 0, 1) * 255)) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=frame_ms, loop=0)


def plot_frames(videos, path, title="Videos, one row of frames each"):
    """Writes `frame_strips(videos)` as a PNG."""
    from keras_vi.plotting.grids import _save

    _save(frame_strips(videos), path, title)
