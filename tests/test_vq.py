"""VectorQuantizer, masked convolutions, PixelCNN and VQVAE."""

import numpy as np
import pytest

import keras
from keras_vi import layers, zoo
from keras_vi.layers.vector_quantizer import codebook_usage, perplexity
from tests.conftest import gradient, to_numpy


def numpy_vq(z, codebook, beta, ema):
    flat = z.reshape(-1, z.shape[-1]).astype("float64")
    d = ((flat[:, None, :] - codebook[None]) ** 2).sum(-1)
    idx = d.argmin(1)
    q = codebook[idx]
    commitment = ((flat - q) ** 2).mean()
    loss = beta * commitment + (0 if ema else commitment)  # the codebook term has the same value
    return d.reshape(*z.shape[:-1], -1), idx.reshape(z.shape[:-1]), q.reshape(z.shape), loss


@pytest.mark.parametrize("ema_decay", [None, 0.9])
def test_distances_indices_and_losses_match_numpy(ema_decay):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 4, 5, 6)).astype("float32")
    vq = layers.VectorQuantizer(10, 6, commitment_cost=0.3, ema_decay=ema_decay, seed=0)
    vq.build(z.shape)
    codebook = rng.normal(size=(10, 6)).astype("float32")
    vq.embeddings.assign(codebook)
    d, idx, q, loss = numpy_vq(z, codebook.astype("float64"), 0.3, ema_decay is not None)
    np.testing.assert_allclose(to_numpy(vq.distances(z)), d, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(to_numpy(vq.indices(z)), idx)
    out, indices = vq(z)
    np.testing.assert_allclose(to_numpy(out), q, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(to_numpy(indices), idx)
    assert len(vq.losses) == 1
    np.testing.assert_allclose(float(to_numpy(vq.losses[0])), loss, rtol=1e-5)
    # lookup is the exact inverse of indices on codes
    np.testing.assert_array_equal(to_numpy(vq.lookup(vq.indices(z))), to_numpy(out))
    np.testing.assert_array_equal(to_numpy(vq.indices(vq.lookup(idx))), idx)


def test_straight_through_gradient_is_the_identity():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2, 3, 4)).astype("float32")
    weights = rng.normal(size=(2, 3, 4)).astype("float32")
    vq = layers.VectorQuantizer(5, 4, seed=0)
    vq.build(z.shape)
    grad = gradient(lambda v: keras.ops.multiply(vq(v)[0], weights), z)
    np.testing.assert_allclose(grad, weights, rtol=1e-6)


def test_one_output_structure_with_the_nearest_codes_of_one_search():
    z = np.random.default_rng(5).normal(size=(6, 2, 4)).astype("float32")
    vq = layers.VectorQuantizer(7, 4, seed=0)
    vq.build(z.shape)
    z_q, indices = vq(z)
    codes = to_numpy(vq.embeddings).astype("float64")
    expected = numpy_vq(z.reshape(-1, 4), codes, 0.25, True)[1].reshape(6, 2)
    np.testing.assert_array_equal(to_numpy(indices), expected)
    assert str(to_numpy(indices).dtype) == "int32"
    np.testing.assert_array_equal(to_numpy(z_q), to_numpy(vq.lookup(indices)))
    inputs = keras.Input((2, 4))  # symbolic: both outputs have the right spec
    sym_q, sym_i = vq(inputs)
    assert tuple(sym_q.shape) == (None, 2, 4) and tuple(sym_i.shape) == (None, 2)
    assert sym_i.dtype == "int32"


def test_ema_statistics_change_in_training_only():
    z = np.random.default_rng(2).normal(size=(64, 4)).astype("float32")
    vq = layers.VectorQuantizer(8, 4, ema_decay=0.9, seed=0, dead_code_threshold=0.0)
    vq.build(z.shape)
    assert not vq.embeddings.trainable
    state = lambda: [to_numpy(v).copy() for v in (vq.embeddings, vq.ema_cluster_size, vq.ema_embed_sum)]  # noqa: E731
    before = state()
    vq(z, training=False)
    assert all(np.array_equal(a, b) for a, b in zip(state(), before))
    vq(z, training=True)
    after = state()
    assert all(not np.array_equal(a, b) for a, b in zip(after, before))
    # the EMA step, written out
    counts = np.bincount(numpy_vq(z, before[0].astype("float64"), 0.25, True)[1], minlength=8)
    np.testing.assert_allclose(after[1], 0.9 * before[1] + 0.1 * counts, rtol=1e-5)


def test_ema_updates_persist_through_fit():
    z = np.random.default_rng(3).normal(size=(32, 5, 4)).astype("float32")
    inputs = keras.Input((5, 4))
    model = keras.Model(inputs, layers.VectorQuantizer(8, 4, ema_decay=0.9, seed=0)(inputs)[0])
    model.compile(optimizer="sgd", loss="mse")
    before = [to_numpy(v).copy() for v in model.non_trainable_variables]
    model.fit(z, np.zeros_like(z), epochs=2, batch_size=8, verbose=0)
    after = [to_numpy(v) for v in model.non_trainable_variables]
    assert all(not np.array_equal(a, b) for a, b in zip(after, before))


def test_dead_codes_are_restarted_from_encoder_outputs():
    z = np.random.default_rng(4).normal(size=(50, 3)).astype("float32")
    vq = layers.VectorQuantizer(4, 3, seed=0)
    vq.build(z.shape)
    far = np.array([[100.0, 100.0, 100.0]], "float32")  # code 3 is never the nearest
    vq.embeddings.assign(np.concatenate([z[:3], far]))
    vq.usage.assign(np.array([0.3, 0.3, 0.3, 1e-6], "float32"))
    vq(z, training=True)
    codes = to_numpy(vq.embeddings)
    assert not np.allclose(codes[3], far[0])
    assert np.min(np.abs(z - codes[3]).sum(1)) < 1e-6  # it now sits on an encoder output
    np.testing.assert_array_equal(codes[:3], z[:3])  # live codes stay


def test_perplexity_and_usage():
    assert float(to_numpy(perplexity(np.array([0, 0, 0, 0]), 4))) == pytest.approx(1.0, abs=1e-4)
    assert float(to_numpy(perplexity(np.array([0, 1, 2, 3]), 4))) == pytest.approx(4.0, rel=1e-4)
    assert float(to_numpy(codebook_usage(np.array([0, 1, 1, 1]), 8))) == 0.25


def _dependencies(fn, shape, position):
    """Which input pixels the output at `position` depends on, by gradients."""
    def output_at(x):
        return fn(x)[0, position[0], position[1], :]
    grad = gradient(output_at, np.random.default_rng(0).normal(size=shape))
    return np.abs(grad[0]).sum(-1) > 0


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_convolution_sees_only_earlier_pixels(mask_type):
    layer = layers.MaskedConv2D(3, 3, mask_type=mask_type, kernel_initializer="ones")
    layer.build((1, 5, 5, 2))
    for i, j in [(2, 2), (0, 3), (4, 0)]:
        seen = _dependencies(layer, (1, 5, 5, 2), (i, j))
        order = np.arange(25).reshape(5, 5)
        allowed = order < i * 5 + j if mask_type == "A" else order <= i * 5 + j
        assert not np.any(seen & ~allowed), (mask_type, i, j, seen)
        if i > 0:
            assert seen[i - 1, j]  # and it does see the pixel above


def test_pixelcnn_stack_is_causal():
    first_v = layers.MaskedConv2D(8, 5, mask_type="A", stack="vertical")
    first_h = layers.MaskedConv2D(8, (1, 5), mask_type="A", stack="horizontal")
    blocks = [layers.GatedPixelCNNBlock(8, 3) for _ in range(2)]

    def stack(x):
        v, h = first_v(x), first_h(x)
        for block in blocks:
            v, h = block([v, h])
        return h

    stack(np.zeros((1, 6, 6, 2), "float32"))
    rows, cols = np.indices((6, 6))
    reach = 5 // 2 + 2 * (3 // 2)  # the first kernel's and each block's
    for i, j in [(3, 3), (1, 5), (5, 0)]:
        seen = _dependencies(stack, (1, 6, 6, 2), (i, j))
        above = (rows < i) & (rows >= i - reach) & (np.abs(cols - j) <= reach)
        left = (rows == i) & (cols < j) & (cols >= j - reach)
        np.testing.assert_array_equal(seen, above | left)  # no blind spot, nothing later


def test_pixelcnn_learns_a_structured_grid_and_samples():
    rng = np.random.default_rng(0)
    x = np.stack([np.tile((np.arange(5) + rng.integers(3)) % 3, (5, 1)).T for _ in range(128)])
    model = zoo.PixelCNN(num_classes=3, num_layers=2, filters=16, seed=0)
    history = model.fit(x.astype("int32"), epochs=15, batch_size=32, verbose=0).history
    # uniform guessing costs 25 log 3 = 27.5 nats; the rows are predictable
    assert history["nll"][-1] < 0.5 * history["nll"][0]
    log_p = to_numpy(model.log_prob(x[:4]))
    np.testing.assert_allclose(model.bits_per_dim(x[:4]), -log_p / (25 * np.log(2)), rtol=1e-5)
    samples = model.sample(3, seed=0)
    assert samples.shape == (3, 5, 5) and samples.min() >= 0 and samples.max() < 3
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.fit(x + 1, verbose=0)
    with pytest.raises(ValueError, match="integers"):
        model.fit(x.astype("float32"), verbose=0)


def test_conditional_pixelcnn():
    x = np.zeros((32, 4, 4), "int32")
    x[16:] = 1  # the condition decides the whole grid
    labels = np.array([0] * 16 + [1] * 16)
    model = zoo.PixelCNN(num_classes=2, num_layers=1, filters=8, num_conditions=2, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit({"x": x, "condition": labels}, epochs=60, batch_size=32, verbose=0)
    samples = model.sample(4, condition=np.array([0, 0, 1, 1]), seed=0)
    assert samples[:2].mean() < 0.3 and samples[2:].mean() > 0.7
    with pytest.raises(ValueError, match="condition"):
        model.sample(2)


def test_vq_vae_fits_reloads_with_its_prior_and_samples(tmp_path):
    from keras_vi import datasets

    x = datasets.load("digits")[:128]
    model = zoo.VQVAE(num_embeddings=8, embedding_dim=4, filters=(8, 16), prior_layers=1,
                      prior_filters=8, seed=0)
    history = model.fit(x, epochs=2, batch_size=32, verbose=0).history
    assert {"reconstruction", "vq_loss", "perplexity", "codebook_usage", "loss"} <= set(history)
    with pytest.raises(ValueError, match="fit_prior"):
        model.sample(2)
    codes = model.encode_indices(x[:5])
    assert codes.shape == (5, 2, 2) and codes.dtype == np.int32
    np.testing.assert_allclose(to_numpy(model.reconstruct(x[:5])), to_numpy(model.decode_indices(codes)))
    model.fit_prior(x, epochs=1, verbose=0)
    assert to_numpy(model.sample(3, seed=0)).shape == (3, 8, 8)
    model.save(str(tmp_path / "vq.keras"))
    reloaded = keras.saving.load_model(str(tmp_path / "vq.keras"))
    np.testing.assert_allclose(to_numpy(reloaded.reconstruct(x[:5])), to_numpy(model.reconstruct(x[:5])),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reloaded.prior_bits_per_dim(x[:5]), model.prior_bits_per_dim(x[:5]), rtol=1e-5)
    assert to_numpy(reloaded.sample(2, seed=0)).shape == (2, 8, 8)  # the prior came along


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_embeddings"):
        layers.VectorQuantizer(0, 4)
    with pytest.raises(ValueError, match="ema_decay"):
        layers.VectorQuantizer(4, 4, ema_decay=1.0)
    with pytest.raises(ValueError, match="embedding_dim"):
        layers.VectorQuantizer(4, 4)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="mask_type"):
        layers.MaskedConv2D(2, 3, mask_type="C")
    with pytest.raises(ValueError, match="odd"):
        layers.MaskedConv2D(2, 4)
    with pytest.raises(ValueError, match="padding"):
        layers.MaskedConv2D(2, 3, padding="valid")
    with pytest.raises(ValueError, match="images"):
        zoo.VQVAE().fit(np.zeros((4, 16), "float32"), verbose=0)
