"""The saved stages the VQ-VAE card's speech and video recipes share: an interrupted run goes on from them."""

import json
import os

import keras

from keras_vi import utils


def fit_or_load(out, build, x, epochs, batch_size, learning_rate=1e-3):
    """OUT/vq_vae.keras if it is there; else `build()` fitted on `x` (Adam), saved with its history."""
    path = os.path.join(out, "vq_vae.keras")
    if os.path.exists(path):
        return keras.saving.load_model(path)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    history = model.fit(x, epochs=epochs, batch_size=batch_size, verbose=2, shuffle=True)
    model.save(path)
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump({k: [float(v) for v in vs] for k, vs in history.history.items()}, f)
    return model


def fit_or_load_prior(out, model, x, epochs, condition=None):
    """The prior's weights from OUT/prior.weights.h5 if there; else `model.fit_prior`, saved (and the model)."""
    path = os.path.join(out, "prior.weights.h5")
    if os.path.exists(path):
        model.prior.load_weights(path)
        model.prior_fitted.assign(1.0)
        return
    model.fit_prior(x, condition=condition, epochs=epochs, batch_size=32, verbose=2)
    model.prior.save_weights(path)
    model.save(os.path.join(out, "vq_vae.keras"))


def write_results(out, results, timings):
    """OUT/results.json: `results`, the stages' seconds and where and when they ran; prints its test part."""
    import time

    results = {**results, "seconds": {name: round(v, 1) for name, v in timings.items()},
               "backend": keras.backend.backend(), "keras_version": keras.__version__,
               "machine": utils.machine(),
               "date": time.strftime("%Y-%m-%d")}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    if "test" in results:
        print(json.dumps(results["test"], indent=2))
