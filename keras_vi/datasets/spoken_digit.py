"""The Free Spoken Digit Dataset: 3,000 recordings of the digits 0-9, 8 kHz mono.

Six speakers say each digit 50 times; the files are `{digit}_{speaker}_{index}.wav`.
The standard split puts index 0-4 of each speaker and digit in the test set (300
recordings) and the rest in training (2,700). Read from the `recordings/` folder of a
directory the user names, with the standard library's `wave`; without `data_dir`,
through TFDS `spoken_digit` (the same recordings, split here by file name).
"""

import os
import re
import wave
from typing import NamedTuple

import numpy as np

from keras_vi.utils import check_positive_int, to_numpy

SAMPLE_RATE = 8000
TFDS_HOST = ("github.com", 443)  # where TFDS downloads the recordings from
NUM_RECORDINGS = {"train": 2700, "test": 300}
_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")


class SpokenDigits(NamedTuple):
    """One split: `audio` (N, length, 1) float32 in [-1, 1] (zero-padded or cropped),
    `labels` (N,) int64 digits, `speakers` (N,) names, `lengths` (N,) int64 original
    lengths in samples, `files` (N,) file names."""

    audio: np.ndarray
    labels: np.ndarray
    speakers: np.ndarray
    lengths: np.ndarray
    files: np.ndarray


def _folder(data_dir):
    for folder in (os.path.join(data_dir, "recordings"), os.path.join(data_dir, "fsdd", "recordings"), data_dir):
        if os.path.isdir(folder) and any(_NAME.match(n) for n in os.listdir(folder)):
            return folder
    raise FileNotFoundError(
        f"`data_dir` {data_dir!r} holds no Free Spoken Digit recordings ({{digit}}_{{speaker}}_"
        "{index}.wav) in itself, in recordings/ or in fsdd/recordings/.")


def read_wav(path):
    """int16 samples of an 8 kHz mono 16-bit PCM WAV file; a ValueError naming it otherwise."""
    try:
        with wave.open(path, "rb") as f:
            channels, width, rate, frames = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            data = f.readframes(frames)
    except (wave.Error, EOFError, OSError) as e:
        raise ValueError(f"{path} is not a readable WAV file: {e}") from None
    if (channels, width, rate) != (1, 2, SAMPLE_RATE):
        raise ValueError(f"{path} is not 8 kHz mono 16-bit PCM: {channels} channel(s), "
                         f"{8 * width}-bit, {rate} Hz.")
    if len(data) != 2 * frames or frames == 0:
        raise ValueError(f"{path} is truncated: its header says {frames} samples, it holds {len(data) // 2}.")
    return np.frombuffer(data, dtype="<i2")


def _assemble(records, length):
    """SpokenDigits from (file, digit, speaker, int16 samples) records, sorted by file name."""
    records = sorted(records, key=lambda r: r[0])
    audio = np.zeros((len(records), length, 1), np.float32)
    for i, (_, _, _, samples) in enumerate(records):
        clip = samples[:length].astype(np.float32) / 32768.0
        audio[i, : len(clip), 0] = clip
    return SpokenDigits(
        audio=audio,
        labels=np.array([r[1] for r in records], np.int64),
        speakers=np.array([r[2] for r in records]),
        lengths=np.array([len(r[3]) for r in records], np.int64),
        files=np.array([r[0] for r in records]),
    )


def _in_split(index, split):
    return (index < 5) == (split == "test")


def load_spoken_digit(split="train", data_dir=None, length=SAMPLE_RATE):
    """The standard split of the Free Spoken Digit Dataset as `SpokenDigits`.

    Args:
        split: `"train"` (2,700 recordings) or `"test"` (300: index 0-4 of each speaker and digit).
        data_dir: a directory with the WAV files (or their `recordings/` folder); None: TFDS.
        length: samples per recording after zero-padding or cropping (8,000: one second).
    """
    if split not in NUM_RECORDINGS:
        raise ValueError(f"`split` must be 'train' or 'test', got {split!r}.")
    length = check_positive_int(length, "length")
    if data_dir is None:
        return _assemble(_tfds_records(split), length)
    folder = _folder(data_dir)
    records = []
    for name in os.listdir(folder):
        match = _NAME.match(name)
        if match and _in_split(int(match.group(3)), split):
            records.append((name, int(match.group(1)), match.group(2), read_wav(os.path.join(folder, name))))
    if len(records) != NUM_RECORDINGS[split]:
        raise ValueError(f"`data_dir`: {folder} holds {len(records)} {split} recordings, the dataset "
                         f"has {NUM_RECORDINGS[split]}: an incomplete or another copy.")
    return _assemble(records, length)


def _tfds_records(split):
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise ValueError("`data_dir` is not set, and tensorflow-datasets is not installed to download "
                         "spoken_digit: install it, or pass the recordings' directory as `data_dir`.") from None
    from keras_vi.datasets.binarized_mnist import host_answers

    if not tfds.builder("spoken_digit").is_prepared() and not host_answers(TFDS_HOST):
        # TFDS itself retries for minutes before it gives up
        raise ValueError(f"`data_dir` is not set, and spoken_digit is neither in TFDS' data directory nor "
                         f"downloadable ({TFDS_HOST[0]} does not answer: offline?). Pass a directory "
                         "with the recordings as `data_dir`.")
    try:
        examples = tfds.as_numpy(tfds.load("spoken_digit", split="train"))  # TFDS has one split
        records = []
        for ex in examples:
            name = ex["audio/filename"].decode() if isinstance(ex["audio/filename"], bytes) else str(ex["audio/filename"])
            match = _NAME.match(os.path.basename(name))
            if match and _in_split(int(match.group(3)), split):
                records.append((os.path.basename(name), int(ex["label"]), match.group(2),
                                np.asarray(ex["audio"]).astype(np.int16)))
    except Exception as e:  # TFDS raises many types (network, registry, ...)
        raise ValueError(f"`data_dir` is not set, and TFDS could not load spoken_digit: "
                         f"{str(e).splitlines()[0] if str(e) else type(e).__name__}. Offline, pass the "
                         "recordings' directory as `data_dir`.") from e
    return records


def mu_law_encode(audio, num_classes=256):
    """Waveforms in [-1, 1] -> integers in [0, num_classes): μ-law companding, then uniform bins (WaveNet, §2.2).

    f(x) = sign(x) ln(1 + μ|x|) / ln(1 + μ), μ = num_classes - 1, is quantized to
    `num_classes` levels; `mu_law_decode` inverts it to the bins' centres.
    """
    audio = to_numpy(audio)  # NumPy or any backend's tensor
    if not np.issubdtype(audio.dtype, np.floating) or audio.size and (np.abs(audio).max() > 1 or not np.isfinite(audio).all()):
        raise ValueError("`audio` must be floats in [-1, 1].")
    mu = float(num_classes - 1)
    companded = np.sign(audio) * np.log1p(mu * np.abs(audio)) / np.log1p(mu)
    return np.clip(np.floor((companded + 1) / 2 * num_classes), 0, num_classes - 1).astype(np.int32)


def mu_law_decode(codes, num_classes=256):
    """Integers in [0, num_classes) (or their expectation, a float) -> waveforms in [-1, 1]."""
    mu = float(num_classes - 1)
    companded = (to_numpy(codes).astype(np.float64) + 0.5) / num_classes * 2 - 1
    return (np.sign(companded) * np.expm1(np.abs(companded) * np.log1p(mu)) / mu).astype(np.float32)
