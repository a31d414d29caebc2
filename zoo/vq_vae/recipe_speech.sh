#!/usr/bin/env bash
# Recipe of the VQ-VAE card's speech section: the Free Spoken Digit Dataset (2,700 training,
# 300 test recordings at 8 kHz, padded or cropped to 6,144 samples), 8-bit mu-law codes, a
# 256-way categorical decoder, 256 codes of size 64 (EMA, decay 0.99), 4 stride-2 stages
# (500 codes per second), Adam(3e-4), batch 16, 10 epochs; a class-conditional causal prior
# (10 WaveNet blocks) over the codes; a digit classifier on log spectrograms of the real
# training recordings. Then the spectral model (--representation log_spectrogram: standardized
# log-magnitude STFT frames, a unit-variance Gaussian decoder, Griffin-Lim back to audio; 256 codes
# of size 64 over 2 stride-2 stages, 31.25 codes per second), judged by the same classifier.
# DATA_DIR: the directory holding fsdd/. PY: the Python that has keras_vi.
# The autoencoder trains on PyTorch (this CPU's fastest convolutions), the prior and its
# position-by-position sampling on JAX (its compiled predict step is ~4x faster here);
# each stage is saved, so the second command goes on from the first's files. The spectral
# model runs on TensorFlow throughout (its convolutions are the fastest here: benchmarks/RESULTS.md, vae_conv).
set -euo pipefail
out=${OUT:-runs}/vq_vae_speech
py=${PY:-.venv/bin/python}
args=(--data-dir "${DATA_DIR:-../shared/data}" --out "$out" --epochs ${EPOCHS:-10} --prior-epochs ${PRIOR_EPOCHS:-8})
KERAS_BACKEND=torch "$py" zoo/vq_vae/speech.py "${args[@]}" --until vq_vae
KERAS_BACKEND=jax "$py" zoo/vq_vae/speech.py "${args[@]}"
KERAS_BACKEND=tensorflow "$py" zoo/vq_vae/speech.py --data-dir "${DATA_DIR:-../shared/data}" --out "${out}_spectrogram" \
  --representation log_spectrogram --classifier "$out/classifier.keras" --epochs ${SPECTRAL_EPOCHS:-30} \
  --prior-epochs ${SPECTRAL_PRIOR_EPOCHS:-20}
"$py" zoo/vq_vae/write_sections.py --speech "$out" "${out}_spectrogram"
