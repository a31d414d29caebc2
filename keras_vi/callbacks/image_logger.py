"""Sample and reconstruction grids in TensorBoard, on every backend."""

import io
import os
import socket
import time

import keras
import numpy as np

from keras_vi.utils import check_positive_int


def _tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "ImageLogger writes TensorBoard event files with the `tensorboard` package: "
            "pip install tensorboard"
        ) from error
    return event_pb2, summary_pb2, RecordWriter


def _png(grid):
    """PNG bytes of a grid in [0, 1] ((H, W) grey or (H, W, C))."""
    from PIL import Image

    pixels = np.round(np.clip(grid, 0.0, 1.0) * 255.0).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue(), pixels.shape


class ImageLogger(keras.callbacks.Callback):
    """Writes the model's sample grid, reconstruction grid and epoch logs to TensorBoard.

    TensorBoard's own event format is written with the `tensorboard` package
    (no TensorFlow op runs), so the callback works the same on TensorFlow, JAX
    and PyTorch. Open the run with `tensorboard --logdir LOG_DIR`: the images
    appear under `samples` and `reconstructions`, the logs of `fit` (loss,
    reconstruction, KL, validation metrics) as scalars, all at step = epoch.

    The grids are those of `keras_vi.plotting`: `model.sample(n, seed)` (the
    same z every time, so the pictures show training, not new noise) and the
    first `num_examples` images of `x` above their reconstructions.

    Args:
        log_dir: directory for the event file (created if missing).
        x: images whose reconstructions to show, or None for samples only.
        every_n_epochs: writes after epochs every_n_epochs, 2 * every_n_epochs, ...
            and after the last epoch.
        n: number of samples in the grid.
        num_examples: number of images of `x` reconstructed.
        seed: seed of the samples.
        log_scalars: also write the epoch logs as scalars.

    Examples:
        >>> import tempfile, numpy as np, keras_vi
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> model = keras_vi.zoo.VAE(latent_dim=2)
        >>> logger = keras_vi.callbacks.ImageLogger(tempfile.mkdtemp(), x=x[:8], n=16)
        >>> _ = model.fit(x, epochs=1, verbose=0, callbacks=[logger])
        >>> logger.steps_written
        [0]
    """

    def __init__(self, log_dir, x=None, every_n_epochs=1, n=64, num_examples=16, seed=0,
                 log_scalars=True):
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"`log_dir` must be a path, got {type(log_dir).__name__}.")
        self.log_dir = os.fspath(log_dir)
        if x is not None:
            x = np.asarray(keras.ops.convert_to_numpy(x))
            if x.ndim < 2 or len(x) == 0:
                raise ValueError(
                    f"`x` must be a non-empty batch of images (n, H, W[, C]) or of flat square "
                    f"images (n, H * W), got shape {x.shape}.")
        self.x = x
        self.every_n_epochs = check_positive_int(every_n_epochs, "every_n_epochs")
        self.n = check_positive_int(n, "n")
        self.num_examples = check_positive_int(num_examples, "num_examples")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` must be an int, got {seed!r}.")
        self.seed = int(seed)
        self.log_scalars = bool(log_scalars)
        self.steps_written = []
        self._writer = None
        self._last_epoch = None  # the number of epochs of the running fit, when known

    def _write(self, step, summary):
        # TensorBoard's record format through its pure-Python RecordWriter: TensorFlow's
        # file layer (which tensorboard's EventFileWriter would use) is never imported.
        event_pb2, _, RecordWriter = _tensorboard()
        if self._writer is None:
            os.makedirs(self.log_dir, exist_ok=True)
            name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.keras_vi"
            self._writer = RecordWriter(open(os.path.join(self.log_dir, name), "wb"))
            self._writer.write(event_pb2.Event(wall_time=time.time(),
                                               file_version="brain.Event:2").SerializeToString())
        event = event_pb2.Event(wall_time=time.time(), step=step, summary=summary)
        self._writer.write(event.SerializeToString())
        self._writer.flush()

    def _image(self, tag, grid):
        _, summary_pb2, _ = _tensorboard()
        encoded, shape = _png(grid)
        image = summary_pb2.Summary.Image(
            height=shape[0], width=shape[1], colorspace=shape[2] if len(shape) == 3 else 1,
            encoded_image_string=encoded,
        )
        return summary_pb2.Summary.Value(tag=tag, image=image)

    def on_train_begin(self, logs=None):
        if self.x is not None and not hasattr(self.model, "reconstruct"):
            raise ValueError(f"`x` was given but {type(self.model).__name__} has no `reconstruct`.")
        if not hasattr(self.model, "sample"):
            raise ValueError(f"ImageLogger needs a model with `sample`; {type(self.model).__name__} has none.")
        self._last_epoch = (self.params or {}).get("epochs")

    def on_epoch_end(self, epoch, logs=None):
        last = self._last_epoch is not None and epoch + 1 == self._last_epoch
        if (epoch + 1) % self.every_n_epochs and not last:
            return
        self.log_epoch(epoch, logs)

    def log_epoch(self, epoch, logs=None):
        """Writes the grids (and `logs`) at step `epoch` now."""
        from keras_vi.plotting import reconstruction_grid, sample_grid

        _, summary_pb2, _ = _tensorboard()
        values = [self._image("samples", sample_grid(self.model, self.n, self.seed))]
        if self.x is not None:
            values.append(self._image("reconstructions",
                                      reconstruction_grid(self.model, self.x, self.num_examples)))
        if self.log_scalars:
            for key, value in (logs or {}).items():
                value = float(np.asarray(keras.ops.convert_to_numpy(value)))
                values.append(summary_pb2.Summary.Value(tag=key, simple_value=value))
        self._write(epoch, summary_pb2.Summary(value=values))
        self.steps_written.append(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
