"""Samples and reconstructions of a sequence model as audio in TensorBoard, on every backend."""

import keras
import numpy as np

from keras_vi.callbacks.image_logger import ImageLogger, _tensorboard
from keras_vi.plotting.media import wav_bytes


class AudioLogger(ImageLogger):
    """ImageLogger's sibling for sequence models: samples and reconstructions as audio clips.

    After the same epochs as `ImageLogger` it writes `model.sample(n, seed)`
    (tags `sample/0`, `sample/1`, ...) and, with `x`, each of the first
    `num_examples` recordings (`data/i`) beside its reconstruction
    (`reconstruction/i`), as 16-bit WAV clips TensorBoard plays under its Audio
    tab, plus the epoch logs as scalars. A model of 8-bit μ-law codes (a
    categorical likelihood) is heard through `datasets.mu_law_decode`; other
    outputs are taken as waveforms in [-1, 1]. No TensorFlow op runs.

    Args:
        log_dir: directory for the event file.
        x: recordings (n, T, 1) whose reconstructions to write, or None.
        sample_rate: Hz.
        n: clips sampled, or None for none (a VQ-VAE, whose prior is fitted
            after the autoencoder, cannot sample during its `fit`).
        every_n_epochs, num_examples, seed, log_scalars: as for `ImageLogger`.
    """

    def __init__(self, log_dir, x=None, sample_rate=8000, every_n_epochs=1, n=4, num_examples=4, seed=0,
                 log_scalars=True):
        super().__init__(log_dir, x=None, every_n_epochs=every_n_epochs, n=1 if n is None else n,
                         num_examples=num_examples, seed=seed, log_scalars=log_scalars)
        self.n = n
        if x is not None:
            x = np.asarray(keras.ops.convert_to_numpy(x))
            if x.ndim != 3 or len(x) == 0:
                raise ValueError(f"`x` must be a non-empty batch of sequences (n, T, C), got shape {x.shape}.")
        self.x = x
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float)) or not sample_rate > 0:
            raise ValueError(f"`sample_rate` must be a number > 0, got {sample_rate!r}.")
        self.sample_rate = sample_rate

    def on_train_begin(self, logs=None):
        if self.n is not None:
            super().on_train_begin(logs)
        self._last_epoch = (self.params or {}).get("epochs")

    def _audio(self, tag, waveform):
        _, summary_pb2, _ = _tensorboard()
        waveform = np.asarray(waveform).reshape(-1)
        audio = summary_pb2.Summary.Audio(sample_rate=float(self.sample_rate), num_channels=1,
                                          length_frames=len(waveform), content_type="audio/wav",
                                          encoded_audio_string=wav_bytes(waveform, self.sample_rate))
        return summary_pb2.Summary.Value(tag=tag, audio=audio)

    def log_epoch(self, epoch, logs=None):
        """Writes the clips (and `logs`) at step `epoch` now."""
        from keras_vi.plotting.grids import to_display

        _, summary_pb2, _ = _tensorboard()
        values = []
        if self.n is not None:
            samples = to_display(self.model, self.model.sample(self.n, seed=self.seed))
            values += [self._audio(f"sample/{i}", s) for i, s in enumerate(samples)]
        if self.x is not None:
            shown = self.x[: self.num_examples]
            rebuilt = to_display(self.model, self.model.reconstruct(shown))
            for i, (original, reconstruction) in enumerate(zip(to_display(self.model, shown), rebuilt)):
                values += [self._audio(f"data/{i}", original), self._audio(f"reconstruction/{i}", reconstruction)]
        if self.log_scalars:
            for key, value in (logs or {}).items():
                values.append(summary_pb2.Summary.Value(
                    tag=key, simple_value=float(np.asarray(keras.ops.convert_to_numpy(value)))))
        self._write(epoch, summary_pb2.Summary(value=values))
        self.steps_written.append(epoch)
