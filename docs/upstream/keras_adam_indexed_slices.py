"""Minimal repro for docs/upstream/keras_adam_indexed_slices.md: one Adam step on an Embedding
read many times per batch, on the current backend. Run: KERAS_BACKEND=tensorflow python THIS."""

import keras
import numpy as np

ids = np.zeros((1, 6400), dtype="int32")  # row 0 read 6,400 times, row 1 never
model = keras.Sequential([keras.Input((6400,), dtype="int32"), keras.layers.Embedding(2, 4)])
before = keras.ops.convert_to_numpy(model.layers[0].embeddings).copy()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
model.train_on_batch(ids, np.ones((1, 6400, 4), "float32"))
step = np.abs(keras.ops.convert_to_numpy(model.layers[0].embeddings) - before)[0].max()
# Adam's first step moves every weight with a non-zero gradient by lr (times 1 - O(epsilon)).
print(f"keras {keras.__version__}, backend {keras.backend.backend()}: "
      f"first Adam step of row 0 = {step:.6f} (expected 0.001000)")
