#!/usr/bin/env bash
# Recipe of the results card beside this file: β-VAE (β = 1, 4, 8, 16), β-TCVAE (β = 6) and
# FactorVAE (γ = 35) on dSprites (drawn by keras_vi.datasets.DSprites), 10 latents,
# disentanglement_lib's conv nets, 3000 steps of batch 64 per run, seeds 0, 1 and 2, then the
# five disentanglement scores, reconstruction, KL and active units of each run. Run from the
# repository root after `make install`; about 100 minutes on 2 CPU cores (TensorFlow, the
# fastest backend for these conv nets here). Finished runs in $OUT/beta_vae_dsprites/results.jsonl
# are skipped, so an interrupted recipe resumes. Rewrites the card's table and its traversal PNGs.
set -euo pipefail
KERAS_BACKEND=${KERAS_BACKEND:-tensorflow} TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python zoo/beta_vae/disentanglement.py \
  --out "${OUT:-runs}/beta_vae_dsprites" --steps 3000 --seeds 0 1 2 --card zoo/beta_vae/README.md
