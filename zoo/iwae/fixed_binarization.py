"""The IWAE digits recipe's model on one fixed binarization: losses to compare across revisions.

    KERAS_BACKEND=jax python zoo/iwae/fixed_binarization.py
    git worktree add /tmp/before c429b2d
    KERAS_BACKEND=jax PYTHONPATH=/tmp/before python zoo/iwae/fixed_binarization.py

Trains `IWAE(latent_dim=10, num_samples=5, seed=0)` for 4 epochs (batch 64, Adam 1e-3) on
the training digits binarized once (seed 0) and prints the per-epoch losses: two revisions
that compute the same objective print the same losses up to float32 rounding.
"""

import keras

import keras_vi

keras.utils.set_random_seed(0)
x = keras_vi.datasets.load("digits", binarize="static", seed=0)
model = keras_vi.zoo.IWAE(latent_dim=10, num_samples=5, seed=0)
model.compile(optimizer=keras.optimizers.Adam(1e-3))
history = model.fit(x, epochs=4, batch_size=64, shuffle=True, verbose=0).history
print(keras_vi.__file__, [f"{v:.6f}" for v in history["loss"]])
