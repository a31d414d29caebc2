"""Resume with nothing lost: a fit interrupted and resumed with BackupAndRestore ends where
the uninterrupted one ends (noise generators, KL schedule, VQ statistics, aggressive phase)."""

import json

import keras
import numpy as np
import pytest

from keras_vi import callbacks, datasets, zoo
from tests.conftest import to_numpy

X = (np.random.default_rng(0).uniform(size=(96, 8, 8)) > 0.5).astype("float32")
EPOCHS = 8


class _Interrupt(keras.callbacks.Callback):
    """Stops the run with an error after its second `fit` epoch, as a preemption would."""

    def on_train_begin(self, logs=None):
        self.seen = 0

    def on_epoch_end(self, epoch, logs=None):
        self.seen += 1
        if self.seen == 2:
            raise KeyboardInterrupt(f"interrupted after epoch {epoch}")


def _vae_annealed():
    model = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,))
    # Batches: each epoch's order is a function of (seed, epoch): a resumed fit sees the same
    data = datasets.Batches(X, batch_size=16, shuffle=True, seed=3)
    return model, data, [callbacks.KLAnnealing("linear", warmup_steps=20)], {}


def _vq_ema():
    model = zoo.VQVAE(num_embeddings=8, embedding_dim=4, ema_decay=0.9, filters=(8, 8), seed=1)
    return model, X[..., None], [], {"batch_size": 16, "shuffle": False}


def _vae_aggressive():
    model = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,), aggressive=True, max_inner_steps=3)
    return model, X, [], {"batch_size": 16, "shuffle": False}


def _factor_vae():
    model = zoo.FactorVAE(latent_dim=2, seed=1, hidden_units=(16,), discriminator_units=(8,))
    return model, X, [callbacks.KLAnnealing("linear", warmup_steps=20)], {"batch_size": 16}


@pytest.mark.parametrize("make", [_vae_annealed, _vq_ema, _vae_aggressive, _factor_vae],
                         ids=["vae_kl_annealing", "vq_vae_ema", "vae_aggressive", "factor_vae"])
def test_an_interrupted_fit_resumed_ends_with_the_uninterrupted_weights(make, tmp_path):
    def run(extra, interrupt=False):
        keras.utils.set_random_seed(0)
        model, data, cbs, kwargs = make()
        cbs = cbs + extra + ([_Interrupt()] if interrupt else [])
        model.fit(data, epochs=EPOCHS, verbose=0, callbacks=cbs, **kwargs)
        return model

    reference = run([])
    backup = str(tmp_path / "backup")
    # interrupted after the second epoch of `fit` (after the aggressive phase, if any)
    with pytest.raises(KeyboardInterrupt):
        run([keras.callbacks.BackupAndRestore(backup)], interrupt=True)
    with open(tmp_path / "backup" / "training_metadata.json") as f:
        assert 2 <= json.load(f)["epoch"] < EPOCHS  # epochs are left to resume
    resumed = run([keras.callbacks.BackupAndRestore(backup)])
    # every variable: weights, optimizer-free state (VQ statistics, kl_weight, seed states)
    assert len(reference.variables) == len(resumed.variables)
    for a, b in zip(reference.variables, resumed.variables):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), atol=1e-5, err_msg=a.path)
    assert not (tmp_path / "backup").exists()  # removed by Keras once the fit ended


def test_the_schedule_takes_effect_at_every_step_and_follows_the_optimizer():
    """KLAnnealing's weight changes within an epoch (JAX included) and continues across fits."""
    x = X[:64]
    keras.utils.set_random_seed(0)
    annealed = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,))
    schedule = callbacks.KLAnnealing("linear", warmup_steps=4)
    annealed.fit(x, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[schedule])
    assert schedule.history == [0.0, 0.25, 0.5, 0.75]
    # the same four steps, the weight set by hand before each
    keras.utils.set_random_seed(0)
    manual = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,))
    manual.build(x.shape)
    manual.compile()
    for step in range(4):
        manual.kl_weight.assign(step / 4)
        manual.train_on_batch(x[16 * step: 16 * (step + 1)])
    for a, b in zip(manual.weights, annealed.weights):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), atol=1e-6, err_msg=a.path)
    # a second fit, with a new callback, continues from the optimizer's step count
    schedule = callbacks.KLAnnealing("linear", warmup_steps=8)
    annealed.fit(x, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[schedule])
    assert schedule.history == [0.5, 0.625, 0.75, 0.875]


def test_seed_states_are_saved_and_files_without_them_load(tmp_path):
    model = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,))
    model.fit(X[:32], epochs=1, batch_size=16, verbose=0)
    model.save_weights(tmp_path / "a.weights.h5")
    draws = to_numpy(model.sampling([np.zeros((4, 2), "float32")] * 2))
    other = zoo.VAE(latent_dim=2, seed=1, hidden_units=(16,))
    other.build(X[:32].shape)
    other.load_weights(tmp_path / "a.weights.h5")
    # the training noise continues where the saved model's left off
    np.testing.assert_array_equal(to_numpy(other.sampling([np.zeros((4, 2), "float32")] * 2)), draws)
    # a file written before seed states were saved (Keras' own layout) still loads
    import h5py

    with h5py.File(tmp_path / "a.weights.h5", "a") as f:
        for key in [k for k in f["vars"] if k.startswith("seed_state_")]:
            del f["vars"][key]
    other.load_weights(tmp_path / "a.weights.h5")
    np.testing.assert_array_equal(to_numpy(other.encoder.weights[0]), to_numpy(model.encoder.weights[0]))


def test_cli_resume_continues_an_interrupted_run(tmp_path, monkeypatch):
    from keras_vi.cli import main as cli

    def train(out, *extra):
        code = cli.main(["train", "vae", "--epochs", "3", "--latent-dim", "2", "--hidden-units", "16",
                         "--batch-size", "256", "--out", str(out), "--verbose", "0",
                         "--backend", keras.backend.backend(), *extra])
        return code, zoo.VAE  # keep the import used

    assert train(tmp_path / "whole")[0] == 0
    original = keras.callbacks.BackupAndRestore.on_epoch_end

    def interrupting(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt("preempted")

    with monkeypatch.context() as patch:
        patch.setattr(keras.callbacks.BackupAndRestore, "on_epoch_end", interrupting)
        with pytest.raises(KeyboardInterrupt):
            train(tmp_path / "cut")
    # the seconds of the two finished epochs are kept with the checkpoint
    before = json.loads((tmp_path / "cut" / "backup" / "seconds.json").read_text())
    assert before["epochs"] == 2 and before["seconds"] > 0
    # the same command without --resume refuses to overwrite the checkpoint; a changed one to resume
    assert train(tmp_path / "cut")[0] == 2
    assert train(tmp_path / "cut", "--epochs", "4", "--resume")[0] == 2
    assert train(tmp_path / "cut", "--resume")[0] == 0
    assert not (tmp_path / "cut" / "backup").exists()
    assert train(tmp_path / "cut", "--resume")[0] == 2  # nothing left to resume
    whole = keras.saving.load_model(tmp_path / "whole" / "model.keras")
    cut = keras.saving.load_model(tmp_path / "cut" / "model.keras")
    for a, b in zip(whole.weights, cut.weights):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), atol=1e-5, err_msg=a.path)
    metrics = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert metrics["resumed"] is True
    assert metrics["train_seconds"] >= round(before["seconds"], 2)  # both parts of the training


def _aggressive_run(backup=None, epochs=EPOCHS):
    keras.utils.set_random_seed(0)
    model, data, _, kwargs = _vae_aggressive()
    cbs = [] if backup is None else [keras.callbacks.BackupAndRestore(str(backup))]
    history = model.fit(data, epochs=epochs, verbose=0, callbacks=cbs, **kwargs).history
    return model, history


class _InterruptAfter(keras.callbacks.Callback):
    """Stops the run with an error after epoch `epoch` (counted from 0), as a preemption would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt(f"interrupted after epoch {epoch}")


@pytest.mark.parametrize("where", ["in_the_phase", "after_the_phase"])
def test_an_aggressive_fit_resumes_in_its_phase_or_after_it(where, tmp_path):
    """Every epoch, aggressive or joint, is a `fit` epoch: BackupAndRestore resumes either exactly."""
    reference, expected = _aggressive_run()
    phase = int(sum(expected["aggressive"]))
    assert 2 <= phase < EPOCHS  # the first epoch always continues (I(x; z) rose from -inf)
    stop = 0 if where == "in_the_phase" else phase  # the phase's first epoch, or the first joint one
    keras.utils.set_random_seed(0)
    model, data, _, kwargs = _vae_aggressive()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(KeyboardInterrupt):
        model.fit(data, epochs=EPOCHS, verbose=0, callbacks=[backup, _InterruptAfter(stop)], **kwargs)
    resumed, history = _aggressive_run(tmp_path / "backup")
    for a, b in zip(reference.variables, resumed.variables):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), atol=1e-5, err_msg=a.path)
    # the resumed History has the epochs after the checkpoint, as Keras' own fit's
    for name in ("aggressive", "loss", "kl", "mutual_information", "encoder_steps"):
        np.testing.assert_allclose(history[name], expected[name][stop + 1:], rtol=1e-5, err_msg=name)
    assert not (tmp_path / "backup").exists()  # removed by Keras once the fit ended
