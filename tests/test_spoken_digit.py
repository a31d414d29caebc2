"""The Free Spoken Digit Dataset: the WAV files, its standard split, μ-law codes, bad files, TFDS offline."""

import os

import numpy as np
import pytest

from keras_vi import datasets
from tests.conftest import SHARED_DATA

needs_shared = pytest.mark.skipif(
    not os.path.isdir(SHARED_DATA), reason=f"no shared data at {SHARED_DATA}"
)

FSDD = os.path.join(SHARED_DATA, "fsdd")


@needs_shared
def test_spoken_digit_standard_split_from_the_wav_files():
    test = datasets.load_spoken_digit("test", data_dir=FSDD)
    assert test.audio.shape == (300, 8000, 1) and test.audio.dtype == np.float32
    assert np.abs(test.audio).max() <= 1.0 and test.lengths.min() > 0
    assert np.bincount(test.labels).tolist() == [30] * 10  # 6 speakers x 5 takes of each digit
    assert sorted(set(test.speakers)) == ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
    assert all(int(f.split("_")[2][:-4]) < 5 for f in test.files)
    # the samples are the file's, scaled by 1/32768, then zero-padded
    i = int(np.argmin(test.lengths))
    raw = datasets.spoken_digit.read_wav(os.path.join(FSDD, "recordings", test.files[i]))
    np.testing.assert_array_equal(test.audio[i, : len(raw), 0], raw / 32768.0)
    assert not test.audio[i, len(raw):].any()
    x, y = datasets.load("spoken_digit", split="train", data_dir=FSDD, with_labels=True)
    assert x.shape == (2700, 8000, 1) and np.bincount(y).tolist() == [270] * 10
    short = datasets.load_spoken_digit("test", data_dir=os.path.join(FSDD, "recordings"), length=100)
    assert short.audio.shape == (300, 100, 1) and (short.lengths > 100).all()  # cropped, lengths kept
    with pytest.raises(ValueError, match="binarize"):
        datasets.load("spoken_digit", data_dir=FSDD, binarize="static")
    codes = datasets.load("spoken_digit", split="test[:20]", data_dir=FSDD, scale=False)  # 8-bit μ-law
    assert codes.dtype == np.uint8 and codes.shape == (20, 8000, 1)
    np.testing.assert_array_equal(codes, datasets.mu_law_encode(test.audio[:20]))
    batches = datasets.load("spoken_digit", split="test", data_dir=FSDD, batch_size=64, as_tf_dataset=False)
    assert len(batches) == 5 and batches[0].shape == (64, 8000, 1)


@needs_shared
def test_spoken_digit_bad_files_are_named(tmp_path):
    for name in os.listdir(os.path.join(FSDD, "recordings")):
        if int(name.split("_")[2][:-4]) < 5:
            os.symlink(os.path.join(FSDD, "recordings", name), tmp_path / name)
    assert len(datasets.load_spoken_digit("test", data_dir=str(tmp_path)).files) == 300
    (tmp_path / "3_theo_2.wav").unlink()
    (tmp_path / "3_theo_2.wav").write_bytes(b"RIFF....WAVEdamaged")
    with pytest.raises(ValueError, match="3_theo_2.wav is not a readable WAV"):
        datasets.load_spoken_digit("test", data_dir=str(tmp_path))
    (tmp_path / "3_theo_2.wav").unlink()
    with pytest.raises(ValueError, match="holds 299 test recordings"):
        datasets.load_spoken_digit("test", data_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="data_dir"):
        datasets.load_spoken_digit("test", data_dir=str(tmp_path / "nothing"))


def test_spoken_digit_without_data_dir_fails_fast_offline(monkeypatch):
    pytest.importorskip("tensorflow_datasets")
    import time

    from keras_vi.datasets import spoken_digit

    monkeypatch.setattr(spoken_digit, "TFDS_HOST", ("offline.invalid", 443))
    start = time.perf_counter()
    with pytest.raises(ValueError, match="`data_dir` is not set.*offline"):
        datasets.load("spoken_digit", split="test")
    assert time.perf_counter() - start < 10
