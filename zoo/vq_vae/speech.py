"""The VQ-VAE card's speech section: FSDD recordings through a VQ-VAE, a digit classifier, a conditional prior.

    python zoo/vq_vae/speech.py --data-dir ../shared/data --out runs/vq_vae_speech [--epochs 20 ...]
    python zoo/vq_vae/speech.py ... --representation log_spectrogram   # the spectral model

Two representations of a recording: `mu_law`, its 8-bit μ-law codes, modelled by a 256-way
categorical per sample (WaveNet's); `log_spectrogram`, its standardized log-magnitude STFT
frames (256-sample Hann frames, hop 64), modelled by a unit-variance Gaussian per bin and
turned back into a waveform by Griffin-Lim (`keras_vi.datasets.griffin_lim`).

Stages, each skipped when its output is already in --out (so an interrupted run resumes):
1. a digit classifier on log spectrograms of the real training recordings (`classifier.keras`,
   or `--classifier`);
2. the VQ-VAE on the representation (`vq_vae.keras`);
3. a class-conditional causal prior over its code sequences (`prior.weights.h5`);
4. the measurements on the test split (the standard one: takes 0-4 of every speaker) into
   `results.json`, with WAV files and spectrogram PNGs of originals, reconstructions and samples.
"""

import argparse
import math
import os
import sys
import time

import keras
import numpy as np

from keras_vi import datasets, likelihoods, metrics, plotting, zoo
from keras_vi.datasets import spectral
from keras_vi.layers.vector_quantizer import codebook_usage, perplexity

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # stages.py beside this file
import stages  # noqa: E402

RATE = 8000
FRAME, HOP = 256, 128


def features(audio):
    """Log power spectrograms (n, frames, 129), the classifier's input."""
    return np.log(metrics.power_spectrogram(audio, FRAME, HOP) + 1e-6).astype("float32")


def build_classifier(shape):
    inputs = keras.Input(shape)
    h = keras.layers.Normalization()(inputs)
    for filters in (64, 128):
        h = keras.layers.Conv1D(filters, 5, padding="same", activation="relu")(h)
        h = keras.layers.MaxPooling1D(2)(h)
    h = keras.layers.GlobalMaxPooling1D()(h)
    h = keras.layers.Dropout(0.3)(h)
    return keras.Model(inputs, keras.layers.Dense(10)(h), name="digit_classifier")


def train_classifier(train, path, epochs):
    if os.path.exists(path):
        return keras.saving.load_model(path)
    x = features(train.audio)
    model = build_classifier(x.shape[1:])
    model.layers[1].adapt(x)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, train.labels, epochs=epochs, batch_size=64, verbose=2, shuffle=True)
    model.save(path)
    return model


def accuracy(classifier, audio, labels):
    predicted = np.argmax(classifier.predict(features(audio), batch_size=128, verbose=0), axis=-1)
    return predicted, float(np.mean(predicted == labels))


def decoded(model, codes, batch_size=32):
    """The decoder's output (logits) for each code sequence, as NumPy."""
    return np.concatenate([keras.ops.convert_to_numpy(model.decoder(model.quantizer.lookup(codes[i:i + batch_size])))
                           for i in range(0, len(codes), batch_size)])


class MuLaw:
    """8-bit μ-law codes (n, T, 1); a waveform is heard as E[x] = sum_k p_k mu_law_decode(k)."""

    name, likelihood, filters = "mu_law", "256-way mu-law categorical", (32, 64, 64, 128)
    samples_per_step = 1

    def __init__(self, train_audio, length):
        del train_audio, length

    def make_likelihood(self):
        return likelihoods.Categorical(256)

    def encode(self, audio):
        return datasets.mu_law_encode(audio)

    def waveform(self, model, codes):
        logits = decoded(model, codes)
        p = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return ((p / p.sum(axis=-1, keepdims=True)) @ datasets.mu_law_decode(np.arange(256))).astype("float32")


class LogSpectrogram:
    """Standardized log-magnitude STFT frames (n, frames, 129), padded with silent frames to a
    multiple of 16; a waveform is Griffin-Lim's phase for the decoded magnitude."""

    name, likelihood, filters = "log_spectrogram", "unit-variance Gaussian per log-magnitude bin", (256, 256)
    frame_length, samples_per_step, floor = 256, 64, 1e-3

    def __init__(self, train_audio, length):
        self.length = length
        self.frames = spectral.num_frames(length, self.frame_length, self.samples_per_step)
        self.padded_frames = -(-self.frames // 16) * 16
        log = self.log_magnitude(train_audio)
        self.mean, self.std = log.mean(axis=(0, 1)), log.std(axis=(0, 1)) + 1e-6

    def make_likelihood(self):
        return likelihoods.Gaussian(log_var=0.0)

    def log_magnitude(self, audio):
        return np.log(np.abs(spectral.stft(audio, self.frame_length, self.samples_per_step)) + self.floor)

    def encode(self, audio):
        x = (self.log_magnitude(audio) - self.mean) / self.std
        silence = np.broadcast_to((math.log(self.floor) - self.mean) / self.std,
                                  (len(x), self.padded_frames - self.frames, x.shape[-1]))
        return np.concatenate([x, silence], axis=1).astype("float32")

    def waveform(self, model, codes, iterations=100):
        log = keras.ops.convert_to_numpy(model.decode_indices(codes))[:, :self.frames] * self.std + self.mean
        magnitude = np.maximum(np.exp(log) - self.floor, 0.0)
        return spectral.griffin_lim(magnitude, self.length, self.frame_length, self.samples_per_step,
                                    iterations=iterations)[..., None]


REPRESENTATIONS = {r.name: r for r in (MuLaw, LogSpectrogram)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the directory holding fsdd/ (or its recordings)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the VQ-VAE")
    parser.add_argument("--prior-epochs", type=int, default=20)
    parser.add_argument("--classifier-epochs", type=int, default=30)
    parser.add_argument("--classifier", default=None,
                        help="the judge's file (default OUT/classifier.keras; trained there when missing): "
                             "pass another run's to judge both representations by one classifier")
    parser.add_argument("--num-embeddings", type=int, default=256)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--representation", choices=sorted(REPRESENTATIONS), default="mu_law")
    parser.add_argument("--filters", type=int, nargs="+", default=None,
                        help="one stride-2 stage each (default: mu_law 32 64 64 128, 500 codes per second; "
                             "log_spectrogram 256 256, 31.25 codes per second)")
    parser.add_argument("--samples-per-digit", type=int, default=10)
    parser.add_argument("--train-limit", type=int, default=None, help="first N training recordings (tests)")
    parser.add_argument("--length", type=int, default=6144,
                        help="samples per recording (padded or cropped): 6144 keeps 98%% of FSDD whole")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=3e-4,
                        help="Adam's; at 1e-3 the commitment loss grew from 0.004 to 3.9 in epochs 4-7 and "
                             "the loss rose (results/speech/first_attempt_lr1e-3.log)")
    parser.add_argument("--until", choices=("classifier", "vq_vae", "prior", "all"), default="all",
                        help="stop after this stage (the next run, on any backend, goes on from it)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    folder = os.path.join(args.data_dir, "fsdd") if os.path.isdir(os.path.join(args.data_dir, "fsdd")) else args.data_dir
    train = datasets.load_spoken_digit("train", folder, length=args.length)
    test = datasets.load_spoken_digit("test", folder, length=args.length)
    if args.train_limit:
        train = datasets.SpokenDigits(*(field[:args.train_limit] for field in train))
    timings = {}

    start = time.perf_counter()
    classifier = train_classifier(train, args.classifier or os.path.join(args.out, "classifier.keras"),
                                  args.classifier_epochs)
    timings["classifier_s"] = time.perf_counter() - start
    if args.until == "classifier":
        return

    representation = REPRESENTATIONS[args.representation](train.audio, args.length)
    filters = args.filters or representation.filters
    codes_train = representation.encode(train.audio)
    start = time.perf_counter()
    model = stages.fit_or_load(args.out, lambda: zoo.VQVAE(
        num_embeddings=args.num_embeddings, embedding_dim=args.embedding_dim, ema_decay=0.99,
        likelihood=representation.make_likelihood(), spatial_dims=1, filters=filters, prior_layers=10,
        prior_filters=64, prior_num_conditions=10, seed=args.seed), codes_train, args.epochs, args.batch_size,
        args.learning_rate)
    timings["vq_vae_s"] = time.perf_counter() - start
    if args.until == "vq_vae":
        return

    start = time.perf_counter()
    stages.fit_or_load_prior(args.out, model, codes_train, args.prior_epochs, condition=train.labels)
    timings["prior_s"] = time.perf_counter() - start
    if args.until == "prior":
        return

    # measurements on the test recordings, each over its own length (not the zero padding)
    codes_test = representation.encode(test.audio)
    indices = model.encode_indices(codes_test, batch_size=32)
    reconstructions = representation.waveform(model, indices)
    kept = np.minimum(test.lengths, args.length)  # the recording's own samples (cropped ones: the first `length`)
    snr = np.array([metrics.snr_db(test.audio[i, :n, 0], reconstructions[i, :n, 0])[0]
                    for i, n in enumerate(kept)])
    lsd = np.array([metrics.log_spectral_distance(test.audio[i, :max(n, FRAME), 0],
                                                  reconstructions[i, :max(n, FRAME), 0])[0]
                    for i, n in enumerate(kept)])
    codes_per_second = RATE / representation.samples_per_step / 2 ** len(model.filters)
    _, accuracy_originals = accuracy(classifier, test.audio, test.labels)
    _, accuracy_reconstructions = accuracy(classifier, reconstructions, test.labels)
    prior_bits = model.prior_bits_per_dim(codes_test, test.labels)

    start = time.perf_counter()
    wanted = np.repeat(np.arange(10), args.samples_per_digit).astype("int32")
    sampled_codes = model.prior.sample(len(wanted), seed=args.seed, condition=wanted)
    samples = representation.waveform(model, sampled_codes)
    timings["sampling_s"] = time.perf_counter() - start
    predicted, accuracy_samples = accuracy(classifier, samples, wanted)
    per_digit = {str(d): float(np.mean(predicted[wanted == d] == d)) for d in range(10)}

    media = os.path.join(args.out, "media")
    os.makedirs(media, exist_ok=True)
    shown = [int(np.flatnonzero(test.labels == d)[0]) for d in range(10)]
    for d, i in enumerate(shown):
        plotting.write_wav(os.path.join(media, f"original_{d}.wav"), test.audio[i, :kept[i]])
        plotting.write_wav(os.path.join(media, f"reconstruction_{d}.wav"), reconstructions[i, :kept[i]])
        plotting.write_wav(os.path.join(media, f"sample_{d}.wav"), samples[d * args.samples_per_digit])
    plotting.plot_spectrograms([test.audio[shown], reconstructions[shown],
                                samples[::args.samples_per_digit]], os.path.join(media, "spectrograms.png"),
                               titles=["original", "reconstruction", "sample"])

    k = model.num_embeddings
    results = {
        "data": {"dataset": "FSDD (spoken_digit)", "train": len(train.audio), "test": len(test.audio),
                 "split": "test = takes 0-4 of every speaker", "length": args.length,
                 "test_recordings_cropped": int(np.sum(test.lengths > args.length))},
        "model": {"num_embeddings": k, "embedding_dim": model.embedding_dim, "filters": list(model.filters),
                  "representation": representation.name, "likelihood": representation.likelihood,
                  "num_params": int(model.count_params()),
                  "prior": type(model.prior).__name__, "prior_receptive_field": model.prior.receptive_field},
        "training": {"epochs": args.epochs, "prior_epochs": args.prior_epochs,
                     "classifier_epochs": args.classifier_epochs, "batch_size": args.batch_size,
                     "prior_batch_size": 32, "learning_rate": args.learning_rate},
        "test": {
            "snr_db_mean": float(snr.mean()), "snr_db_se": float(snr.std(ddof=1) / math.sqrt(len(snr))),
            "lsd_db_mean": float(lsd.mean()), "lsd_db_se": float(lsd.std(ddof=1) / math.sqrt(len(lsd))),
            "perplexity": float(keras.ops.convert_to_numpy(perplexity(indices, k))),
            "codebook_usage": float(keras.ops.convert_to_numpy(codebook_usage(indices, k))),
            "codes_per_second": codes_per_second,
            "bit_rate_kbps": codes_per_second * math.log2(k) / 1000,
            "prior_bits_per_code": float(np.mean(prior_bits)),
            "prior_bit_rate_kbps": float(np.mean(prior_bits)) * codes_per_second / 1000,
            "input_bit_rate_kbps": RATE * 16 / 1000,
            "classifier_accuracy_originals": accuracy_originals,
            "classifier_accuracy_reconstructions": accuracy_reconstructions,
            "classifier_accuracy_samples": accuracy_samples,
            "samples_per_digit": args.samples_per_digit,
            "classifier_accuracy_samples_per_digit": per_digit,
        },
    }
    stages.write_results(args.out, results, timings)


if __name__ == "__main__":
    main()
