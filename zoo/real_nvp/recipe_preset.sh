#!/usr/bin/env bash
# The bundled preset `real_nvp_variational_mnist`: the card's MNIST RealNVP with variational
# dequantization, trained by the card's recipe (that one row), evaluated with L_16, and
# written into keras_vi/presets/ with its numbers in metadata.json.
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory.
set -euo pipefail
out=${OUT:-runs/presets}
ROWS=real_nvp_variational DATASETS=mnist OUT="$out" bash zoo/real_nvp/recipe.sh
.venv/bin/keras-vi save-preset "$out/mnist_real_nvp_variational" keras_vi/presets/real_nvp_variational_mnist \
  --metric bits_per_dim --card zoo/real_nvp/README.md --recipe "DATA_DIR=DIR bash zoo/real_nvp/recipe_preset.sh" \
  --description "RealNVP (3 scales, 4 steps, 64 filters) with variational dequantization on 8-bit MNIST: \
the 8,000 first test images, 6 epochs (zoo/real_nvp/README.md)"
