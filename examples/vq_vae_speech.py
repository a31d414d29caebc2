"""
Title: VQ-VAE for speech: μ-law codes, a 1-D VQ-VAE and a class-conditional causal prior
Author: keras_vi developers
Date created: 2026/12/07
Last modified: 2026/12/07
Description: Spoken digits through a VQ-VAE with Conv1D networks, a WaveNet-style prior over the codes that says a chosen digit, listened to and measured.
Accelerator: None
"""

"""
## Introduction

The VQ-VAE of van den Oord et al. (2017) is "excellent for audio": its encoder turns a
waveform into a much shorter sequence of discrete codes, and an autoregressive prior over
the codes generates speech. The model is the one of the image tutorial
(`vq_vae_pixelcnn.py`); only the data's rank changes. keras_vi's `VQVAE` takes sequences
(T, C) with `spatial_dims=1` and builds its networks from Keras' `Conv1D` and
`Conv1DTranspose`; its prior is a `CausalPrior`, WaveNet's gated causal convolutions over
the codes in order, and can be conditioned on a label.

The data are the Free Spoken Digit Dataset: 3,000 recordings of the digits 0-9 at 8 kHz
by six speakers, its standard split (takes 0-4 of every speaker are the test set). On any
backend:

    KERAS_BACKEND=torch python examples/vq_vae_speech.py --data-dir ../shared/data

The card's recipe (`zoo/vq_vae/recipe_speech.sh`) trains the same model on all 2,700
training recordings for longer and measures it; this tutorial trains a smaller run.
"""

"""
## Setup
"""

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_vi  # noqa: E402
from keras_vi import datasets, likelihoods, metrics, plotting  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
parser.add_argument("--num-train", type=int, default=1000)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--prior-epochs", type=int, default=5)
parser.add_argument("--out", default="vq_vae_speech")
parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
args = parser.parse_args()
keras.utils.set_random_seed(0)
os.makedirs(args.out, exist_ok=True)
folder = os.path.join(args.data_dir, "fsdd")
length = 1024 if args.smoke else 6144  # 98% of the recordings are shorter than 6,144 samples

"""
## The recordings

`load_spoken_digit` reads the WAV files into (N, length, 1) waveforms in [-1, 1], padded
with silence or cropped, and keeps each recording's own length, its digit and its speaker.
"""

train = datasets.load_spoken_digit("train", folder, length=length)
test = datasets.load_spoken_digit("test", folder, length=length)
num_train = 48 if args.smoke else args.num_train
order = np.random.default_rng(0).permutation(len(train.audio))[:num_train]
print("training recordings:", train.audio.shape, "test recordings:", test.audio.shape)
print("test speakers:", sorted(set(test.speakers)))
first = [int(np.flatnonzero(test.labels == d)[0]) for d in range(3)]
for d, i in enumerate(first):
    plotting.write_wav(os.path.join(args.out, f"test_digit_{d}.wav"), test.audio[i, : test.lengths[i]])

"""
## μ-law codes

WaveNet models 8-bit μ-law codes with a 256-way softmax: the amplitude is compressed by
f(x) = sign(x) ln(1 + 255 |x|) / ln(256) before it is cut into 256 equal bins, so quiet
sounds get finer steps than loud ones. The codes are the data the VQ-VAE reconstructs,
with a `likelihoods.Categorical(256)`: an exact discrete likelihood, and no assumption of
a Gaussian around the waveform. The quantization alone costs little (its SNR below).
"""

codes_train = datasets.mu_law_encode(train.audio[order])
codes_test = datasets.mu_law_encode(test.audio)
decoded = datasets.mu_law_decode(codes_test)
i = first[0]
print(f"mu-law quantization SNR of one test recording: "
      f"{metrics.snr_db(test.audio[i, :test.lengths[i], 0], decoded[i, :test.lengths[i], 0])[0]:.1f} dB")

"""
## The model

With `spatial_dims=1` the encoder is a stack of stride-2 `Conv1D` layers: four stages
make 16 times fewer positions, 500 codes per second of speech. Each position's vector is
replaced by its nearest of 256 codes (EMA codebook updates), and `Conv1DTranspose` layers
decode the codes to a 256-way softmax per sample.
"""

model = keras_vi.zoo.VQVAE(
    num_embeddings=32 if args.smoke else 256, embedding_dim=8 if args.smoke else 64, ema_decay=0.99,
    likelihood=likelihoods.Categorical(256), spatial_dims=1,
    filters=[8, 8, 8, 8] if args.smoke else [32, 64, 64, 128],
    prior_layers=4 if args.smoke else 10, prior_filters=8 if args.smoke else 64, prior_num_conditions=10, seed=0)
model.compile(optimizer=keras.optimizers.Adam(3e-4))
history = model.fit(codes_train, epochs=1 if args.smoke else args.epochs, batch_size=16, verbose=2)
print("codes per recording:", model.grid_shape, "parameters:", model.count_params())

"""
## Listening to the reconstructions

The decoder gives a distribution over the 256 codes of every sample; we hear its mean
amplitude, sum_k p_k mu_law_decode(k). The signal-to-noise ratio compares waveforms
sample by sample, so it punishes any shift of phase; the log-spectral distance compares
their spectrograms, closer to what the ear hears.
"""


def mean_waveform(model, indices):
    logits = model.decoder(model.quantizer.lookup(indices))
    p = ops.convert_to_numpy(ops.softmax(logits, axis=-1))
    return (p @ datasets.mu_law_decode(np.arange(256))).astype("float32")


shown = [int(np.flatnonzero(test.labels == d)[0]) for d in range(10)]
indices = model.encode_indices(codes_test[shown])
rebuilt = mean_waveform(model, indices)
kept = np.minimum(test.lengths[shown], length)
snr = [metrics.snr_db(test.audio[s, :n, 0], rebuilt[j, :n, 0])[0] for j, (s, n) in enumerate(zip(shown, kept))]
lsd = [metrics.log_spectral_distance(test.audio[s, :max(n, 256), 0], rebuilt[j, :max(n, 256), 0])[0]
       for j, (s, n) in enumerate(zip(shown, kept))]
print(f"test digits 0-9: SNR {np.mean(snr):.1f} dB, log-spectral distance {np.mean(lsd):.1f} dB")
print(f"bit rate of the codes: {500 * np.log2(model.num_embeddings) / 1000:.1f} kbit/s "
      "(the 16-bit input: 128 kbit/s)")
for d in range(3):
    plotting.write_wav(os.path.join(args.out, f"reconstruction_{d}.wav"), rebuilt[d, : kept[d]])

"""
What the rendered run shows is a codebook that has barely opened: in its training log the
perplexity climbs from 1.1 to about 5 of 256 codes in four epochs, so most positions share
a handful of codes. A decoder that cannot tell the phase of each sample from so few codes
predicts the average over phases, a near-silent waveform: an SNR near 0 dB, and a large
log-spectral distance because the reconstruction is much quieter than the recording. The
card's longer run (`zoo/vq_vae/recipe_speech.sh`) measures how far more training goes.
Keep an eye on the logged `perplexity` and `codebook_usage`: they say whether the codes
carry anything before any listening does.

## A prior that says a digit

`fit_prior(codes, condition=labels)` trains the `CausalPrior` on the training codes: each
code is predicted from the codes before it, through dilated causal convolutions (their
receptive field below), with the digit's label added in every block. `sample(n, seed,
condition=digits)` then draws codes one position at a time and decodes them.
"""

model.fit_prior(codes_train, condition=train.labels[order], epochs=1 if args.smoke else args.prior_epochs,
                batch_size=32, verbose=2)
print("prior receptive field:", model.prior.receptive_field, "codes;",
      f"test bits per code: {np.mean(model.prior_bits_per_dim(codes_test[:64], test.labels[:64])):.2f}",
      f"(uniform: {np.log2(model.num_embeddings):.0f})")
digits = np.array([0, 1, 2], "int32")
sampled_codes = model.prior.sample(3, seed=0, condition=digits)
samples = mean_waveform(model, sampled_codes)
for d, sample in zip(digits, samples):
    plotting.write_wav(os.path.join(args.out, f"sample_digit_{d}.wav"), sample)
plotting.plot_spectrograms([test.audio[shown[:3]], rebuilt[:3], samples],
                           os.path.join(args.out, "spectrograms.png"),
                           titles=["original", "reconstruction", "sample (0, 1, 2)"])

"""
The card (`zoo/vq_vae/README.md`) measures the full run: SNR and log-spectral distance
on all 300 test recordings, the codebook's use, and a digit classifier's accuracy on
the originals, the reconstructions and the prior's samples of each digit. It also trains
the same kind of VQ-VAE on the recordings' log spectrograms (`datasets.stft`, a Gaussian
decoder, `datasets.griffin_lim` back to audio): that model keeps the words, where this
one, without a WaveNet decoder, does not.

## Saving

The prior is part of the model, so one `.keras` file keeps both, on any backend.
"""

path = os.path.join(args.out, "vq_vae_speech.keras")
model.save(path)
reloaded = keras.saving.load_model(path)
again = reloaded.prior.sample(3, seed=0, condition=digits)
print("same sampled codes after reload:", bool(np.array_equal(ops.convert_to_numpy(again),
                                                              ops.convert_to_numpy(sampled_codes))))
