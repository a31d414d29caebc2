"""The reproduction card's runner: each row's networks are its protocol's, and a run resumes."""

import json
import os

import numpy as np
import pytest

from tests.conftest import interrupted_after, load_script



@pytest.fixture(scope="module")
def run():
    return load_script("zoo", "reproductions", "run.py")


def trainable(layer):
    return sum(int(np.prod(w.shape)) for w in layer.trainable_weights)


def dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def gated(n_in, n_out):  # GatedDense: two Linear layers
    return 2 * dense(n_in, n_out)


# parameter counts of the papers' networks, written out layer by layer
EXPECTED = {
    # pythae's vae.py: 784-400-(40, 40) / 40-400-784
    "vae": dense(784, 400) + 2 * dense(400, 40) + dense(40, 400) + dense(400, 784),
    # Tomczak and Welling's models/VAE.py, K=500 pseudo-inputs (a 500 -> 784 Linear without bias)
    "vamp_prior": (gated(784, 300) + gated(300, 300) + 2 * dense(300, 40) + gated(40, 300)
                   + gated(300, 300) + dense(300, 784) + dense(500, 784, bias=False)),
    # and the mixture prior's 500 means and log-variances (uniform weights: logits of 500)
    "mog_prior": (gated(784, 300) + gated(300, 300) + 2 * dense(300, 40) + gated(40, 300)
                  + gated(300, 300) + dense(300, 784)),
    # models/HVAE_2level.py: q(z2|x), q(z1|x, z2), p(z1|z2), p(x|z1, z2)
    "hvae": (gated(784, 300) + gated(300, 300) + 2 * dense(300, 40)
             + gated(784, 300) + gated(40, 300) + gated(600, 300) + 2 * dense(300, 40)
             + gated(40, 300) + gated(300, 300) + 2 * dense(300, 40)
             + gated(40, 300) + gated(40, 300) + gated(600, 300) + dense(300, 784)),
    # pythae's iwae.py: 784-200-200-(50, 50) / 50-200-200-784
    "iwae_k50": (dense(784, 200) + dense(200, 200) + 2 * dense(200, 50) + dense(50, 200)
                 + dense(200, 200) + dense(200, 784)),
}


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_each_row_builds_its_papers_networks(run, row):
    model = run.build_model(run.ROWS[row], seed=0)
    model.build((None, 784))
    count = trainable(model)
    if row == "mog_prior":  # its prior's parameters: K means, K log-variances, K logits
        count -= trainable(model.prior)
        assert trainable(model.prior) == 500 * 40 * 2 + 500
    assert count == EXPECTED[row]


def test_vamp_hierarchical_prior_reads_q_z2(run):
    model = run.build_model(run.ROWS["hvae_vamp_prior"], seed=0)
    model.build((None, 784))
    assert trainable(model) == EXPECTED["hvae"] + 500 * 784


def test_a_run_resumes_where_it_stopped(run, tmp_path, monkeypatch):
    """Three epochs of a tiny row, interrupted after the first, give the uninterrupted run's log,
    resumed from the run directory or, in a new clone, from the committed snapshot."""
    from keras_vi import datasets

    rng = np.random.default_rng(0)
    fake = {split: (rng.uniform(size=(n, 28, 28)) > 0.7).astype("float32")
            for split, n in (("train", 60), ("validation", 20), ("test", 10))}
    monkeypatch.setattr(datasets, "load", lambda name, split, flatten, batch_size=None, **kw: (
        datasets.Batches(fake[split].reshape(-1, 784), batch_size=batch_size, shuffle=True, seed=0)
        if batch_size else fake[split].reshape(-1, 784)))
    row = dict(run.ROWS["vae"], hidden_units=(8,), latent_dim=2, epochs=3, batch_size=20,
               lr_milestones=(1,))
    monkeypatch.setitem(run.ROWS, "tiny", row)
    args = ["tiny", "--out", str(tmp_path / "a"), "--num-samples", "4", "--verbose", "0"]
    run.main(args)
    logs = [json.loads(line) for line in open(tmp_path / "a" / "tiny" / "log.jsonl")]
    assert [entry["epoch"] for entry in logs] == [0, 1, 2]
    results = json.load(open(tmp_path / "a" / "tiny" / "results.json"))
    assert results["epochs_run"] == 3 and np.isfinite(results["test"]["nll_nats"])
    with pytest.raises(SystemExit, match="holds no interrupted run"):
        run.main(["tiny", "--out", str(tmp_path / "b"), "--resume", "--stage", "train"])

    import keras

    again = ["tiny", "--out", str(tmp_path / "b"), "--num-samples", "4", "--verbose", "0"]
    with interrupted_after(monkeypatch, keras.callbacks.BackupAndRestore, "on_epoch_end"):
        run.main(again)  # stops after the first epoch's checkpoint
    with pytest.raises(SystemExit, match="add --resume"):
        run.main(again)
    # the interrupted run's state, committed; a new clone (no run directory) resumes from it
    snapshots = str(tmp_path / "snapshots")
    run.main(["tiny", "--out", str(tmp_path / "b"), "--stage", "snapshot", "--snapshot-dir", snapshots])
    assert sorted(os.listdir(os.path.join(snapshots, "tiny"))) == ["backup", "best.json", "best.weights.npz",
                                                                  "log.jsonl"]
    with pytest.raises(SystemExit, match="holds no interrupted run"):
        run.main(["tiny", "--out", str(tmp_path / "a"), "--stage", "snapshot", "--snapshot-dir", snapshots])
    run.main(["tiny", "--out", str(tmp_path / "c"), "--num-samples", "4", "--verbose", "0", "--resume",
              "--snapshot-dir", snapshots])
    run.main(again + ["--resume"])
    for directory in ("b", "c"):
        resumed = [json.loads(line) for line in open(tmp_path / directory / "tiny" / "log.jsonl")]
        assert [entry["epoch"] for entry in resumed] == [0, 1, 2]
        for key in ("loss", "val_elbo"):
            np.testing.assert_allclose([e[key] for e in resumed], [e[key] for e in logs], rtol=1e-5)
