"""The same VAE / IWAE training step written by hand in each backend.

Same math as keras_vi.zoo.VAE / IWAE with the default networks, the same
initial weights (copied from the keras_vi model), and Adam with Keras' defaults
(lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7). No Keras in the step.

Two architectures, both with a Bernoulli decoder over 784 pixels:
- "mlp": 784-512-256-z and back, ReLU;
- "conv": 28x28 images, Conv2D(32, 3, stride 2) - Conv2D(64, 3, stride 2) -
  Dense(256) - z and back through Dense(256) - Dense(7*7*64) -
  Conv2DTranspose(64) - Conv2DTranspose(32) (3x3, stride 2) - Conv2D(1, 3),
  ReLU, "same" padding as TensorFlow defines it (extra padding after).

The loss is written once (`loss`) over a small table of primitives per backend
(`_Ops`): the backend's own matmul, conv and transposed conv in its natural
layout (NCHW on PyTorch, with the dense weights next to the flatten permuted to
match). The float64 NumPy primitives compute the convolutions tap by tap: the
independent reference of the step-0 check.
"""

import math

import numpy as np

B1, B2, EPS, LR = 0.9, 0.999, 1e-7, 1e-3
ARCHS = ("mlp", "conv")
GRID = (7, 7, 64)  # the conv decoder's first feature map (height, width, channels)


def _same_pads(size, kernel, stride):
    """TensorFlow's "same" padding of one spatial axis: (before, after), out size."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return (total // 2, total - total // 2), out


def loss(nn, p, x, eps, k, arch):
    """The mean negative ELBO (k None) or IWAE bound over a batch x (B, 784).

    `p` holds the model's weights in layer order (kernel, bias per layer), in
    the layout of `nn`; `eps` is the noise, shaped (k or 1, B, latent_dim).
    """
    if arch == "mlp":
        h = nn.relu(nn.relu(x @ p[0] + p[1]) @ p[2] + p[3])
        mean, log_var, dec = h @ p[4] + p[5], h @ p[6] + p[7], p[8:]
    else:
        h = nn.relu(nn.conv(nn.image(x), p[0], p[1], 2))
        h = nn.relu(nn.conv(h, p[2], p[3], 2))
        h = nn.relu(nn.flatten(h) @ p[4] + p[5])
        mean, log_var, dec = h @ p[6] + p[7], h @ p[8] + p[9], p[10:]
    z = mean[None] + nn.exp(0.5 * log_var)[None] * eps  # (k, B, d)
    g = nn.reshape(z, (-1, z.shape[-1]))
    if arch == "mlp":
        logits = nn.relu(nn.relu(g @ dec[0] + dec[1]) @ dec[2] + dec[3]) @ dec[4] + dec[5]
    else:
        g = nn.unflatten(nn.relu(nn.relu(g @ dec[0] + dec[1]) @ dec[2] + dec[3]))
        g = nn.relu(nn.conv_transpose(g, dec[4], dec[5]))
        g = nn.relu(nn.conv_transpose(g, dec[6], dec[7]))
        logits = nn.flatten(nn.conv(g, dec[8], dec[9], 1))
    logits = nn.reshape(logits, (eps.shape[0], -1, 784))
    log_px_z = nn.sum(x[None] * logits - nn.softplus(logits), -1)  # (k, B)
    if k is None:
        kl = 0.5 * nn.sum(nn.exp(log_var) + mean**2 - 1 - log_var, -1)
        return nn.mean(-(log_px_z[0] - kl))
    log_pz = -0.5 * nn.sum(z**2 + math.log(2 * math.pi), -1)
    log_q = -0.5 * nn.sum((z - mean) ** 2 * nn.exp(-log_var) + log_var + math.log(2 * math.pi), -1)
    return nn.mean(-(nn.logsumexp(log_px_z + log_pz - log_q, 0) - math.log(k)))


class _Ops:
    """Primitives of one backend, NHWC unless the backend says otherwise."""

    def image(self, x):
        return self.reshape(x, (-1, 28, 28, 1))

    def flatten(self, h):
        return self.reshape(h, (h.shape[0], -1))

    def unflatten(self, h):
        return self.reshape(h, (-1, *GRID))


class _NumpyOps(_Ops):
    relu = staticmethod(lambda a: np.maximum(a, 0))
    exp = staticmethod(np.exp)
    softplus = staticmethod(lambda a: np.logaddexp(0, a))
    reshape = staticmethod(np.reshape)
    sum = staticmethod(lambda a, axis: np.sum(a, axis=axis))
    mean = staticmethod(np.mean)

    @staticmethod
    def logsumexp(a, axis):
        m = a.max(axis)
        return m + np.log(np.sum(np.exp(a - m), axis=axis))

    @staticmethod
    def conv(x, w, b, stride):
        """Cross-correlation, tap by tap: out += x[window shifted by tap] @ w[tap]."""
        kh, kw = w.shape[:2]
        (pt, pb), oh = _same_pads(x.shape[1], kh, stride)
        (pl, pr), ow = _same_pads(x.shape[2], kw, stride)
        xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
        out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
        for i in range(kh):
            for j in range(kw):
                out += xp[:, i : i + stride * oh : stride, j : j + stride * ow : stride] @ w[i, j]
        return out + b

    @staticmethod
    def conv_transpose(h, w, b, stride=2):
        """The adjoint of `conv` (kernel (kh, kw, out, in)): scatter each tap, crop."""
        kh, kw = w.shape[:2]
        n, ih, iw, _ = h.shape
        (pt, _), _ = _same_pads(ih * stride, kh, stride)
        (pl, _), _ = _same_pads(iw * stride, kw, stride)
        full = np.zeros((n, (ih - 1) * stride + kh, (iw - 1) * stride + kw, w.shape[2]))
        for i in range(kh):
            for j in range(kw):
                full[:, i : i + stride * ih : stride, j : j + stride * iw : stride] += h @ w[i, j].T
        return full[:, pt : pt + ih * stride, pl : pl + iw * stride] + b


def latent_dim(params, arch):
    """z's size: the rows of the decoder's first kernel (10 or 6 arrays from the end)."""
    return params[-(10 if arch == "conv" else 6)].shape[0]


def run_steps(step, x, num_steps, batch_size):
    """`num_steps` steps on consecutive batches of `x`; waits for the last loss."""
    for i in range(num_steps):
        loss = step(x[i * batch_size : (i + 1) * batch_size])
    return float(loss)  # a scalar on every backend: blocks until the step is done


def loss_numpy(params, x, eps, k, arch="mlp"):
    """The per-batch loss in float64 NumPy: the reference for the step-0 check."""
    p = [a.astype(np.float64) for a in params]
    return float(loss(_NumpyOps(), p, x.astype(np.float64), eps.astype(np.float64), k, arch))


def make_step(backend, params, k=None, arch="mlp", xla=True):
    """Returns (step(x) -> loss, loss_at(x, eps)) for `backend`, state inside.

    `xla` matters on TensorFlow only: the step is a `tf.function` with
    `jit_compile=xla` (JAX's step is always XLA, PyTorch's is eager).
    """
    if arch not in ARCHS:
        raise ValueError(f"`arch` must be one of {ARCHS}, got {arch!r}.")
    if backend == "tensorflow":
        return _tf(params, k, arch, xla)
    return {"jax": _jax, "torch": _torch}[backend](params, k, arch)


def _jax(params, k, arch):
    import jax
    import jax.numpy as jnp
    from jax import lax

    class Ops(_Ops):
        relu, exp = staticmethod(jax.nn.relu), staticmethod(jnp.exp)
        softplus, reshape = staticmethod(jax.nn.softplus), staticmethod(jnp.reshape)
        sum = staticmethod(lambda a, axis: jnp.sum(a, axis=axis))
        mean = staticmethod(jnp.mean)
        logsumexp = staticmethod(lambda a, axis: jax.nn.logsumexp(a, axis=axis))

        @staticmethod
        def conv(x, w, b, stride):
            pads = [_same_pads(x.shape[1 + a], w.shape[a], stride)[0] for a in (0, 1)]
            return lax.conv_general_dilated(x, w, (stride, stride), pads,
                                            dimension_numbers=("NHWC", "HWIO", "NHWC")) + b

        @staticmethod
        def conv_transpose(h, w, b, stride=2):
            # A stride-1 conv over the input dilated by `stride`, with the kernel
            # flipped and its channel axes swapped; padding crops as TF does.
            pads = []
            for a in (0, 1):
                size, kernel = h.shape[1 + a], w.shape[a]
                (before, _), _ = _same_pads(size * stride, kernel, stride)
                full = (size - 1) * stride + kernel
                pads.append((kernel - 1 - before, kernel - 1 - (full - before - size * stride)))
            kernel = jnp.transpose(w[::-1, ::-1], (0, 1, 3, 2))
            return lax.conv_general_dilated(h, kernel, (1, 1), pads, lhs_dilation=(stride, stride),
                                            dimension_numbers=("NHWC", "HWIO", "NHWC")) + b

    nn = Ops()

    @jax.jit
    def step(state, x):
        p, m, v, t, key = state
        key, sub = jax.random.split(key)
        eps = jax.random.normal(sub, (k or 1, x.shape[0], latent_dim(p, arch)))
        value, g = jax.value_and_grad(lambda p: loss(nn, p, x, eps, k, arch))(p)
        t = t + 1
        alpha = LR * jnp.sqrt(1 - B2**t) / (1 - B1**t)
        m = [B1 * mi + (1 - B1) * gi for mi, gi in zip(m, g)]
        v = [B2 * vi + (1 - B2) * gi * gi for vi, gi in zip(v, g)]
        p = [pi - alpha * mi / (jnp.sqrt(vi) + EPS) for pi, mi, vi in zip(p, m, v)]
        return (p, m, v, t, key), value

    p = [jnp.asarray(a) for a in params]
    state = [(p, [jnp.zeros_like(a) for a in p], [jnp.zeros_like(a) for a in p], 0.0,
              jax.random.PRNGKey(0))]

    def run(x):
        state[0], value = step(state[0], x)
        return value

    return run, lambda x, eps: float(loss(nn, p, jnp.asarray(x), jnp.asarray(eps), k, arch))


def _torch_params(params, arch):
    """keras_vi's NHWC weights in PyTorch's layout (NCHW, (out, in, kh, kw))."""
    if arch == "mlp":
        return list(params)
    p = list(params)
    for i in (0, 2, 18):  # conv kernels (kh, kw, in, out) -> (out, in, kh, kw)
        p[i] = p[i].transpose(3, 2, 0, 1)
    for i in (14, 16):  # transposed conv kernels (kh, kw, out, in) -> (in, out, kh, kw)
        p[i] = p[i].transpose(3, 2, 0, 1)
    h, w, c = GRID  # the dense layers next to a flatten see (c, h, w) order
    p[4] = p[4].reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
    p[12] = p[12].reshape(-1, h, w, c).transpose(0, 3, 1, 2).reshape(-1, h * w * c)
    p[13] = p[13].reshape(h, w, c).transpose(2, 0, 1).reshape(-1)
    return [np.ascontiguousarray(a) for a in p]


def _torch(params, k, arch):
    import torch
    import torch.nn.functional as F

    class Ops(_Ops):
        relu, exp, softplus = staticmethod(torch.relu), staticmethod(torch.exp), staticmethod(F.softplus)
        reshape = staticmethod(lambda a, shape: a.reshape(shape))
        sum = staticmethod(lambda a, axis: torch.sum(a, dim=axis))
        mean = staticmethod(torch.mean)
        logsumexp = staticmethod(lambda a, axis: torch.logsumexp(a, dim=axis))
        image = staticmethod(lambda x: x.reshape(-1, 1, 28, 28))
        unflatten = staticmethod(lambda h: h.reshape(-1, GRID[2], *GRID[:2]))

        @staticmethod
        def conv(x, w, b, stride):
            (t, bt), _ = _same_pads(x.shape[2], w.shape[2], stride)
            (lf, r), _ = _same_pads(x.shape[3], w.shape[3], stride)
            if t == bt and lf == r:
                return F.conv2d(x, w, b, stride=stride, padding=(t, lf))
            return F.conv2d(F.pad(x, (lf, r, t, bt)), w, b, stride=stride)

        @staticmethod
        def conv_transpose(h, w, b, stride=2):
            (t, _), _ = _same_pads(h.shape[2] * stride, w.shape[2], stride)
            (lf, _), _ = _same_pads(h.shape[3] * stride, w.shape[3], stride)
            full = F.conv_transpose2d(h, w, b, stride=stride)
            return full[:, :, t : t + h.shape[2] * stride, lf : lf + h.shape[3] * stride]

    nn = Ops()
    p = [torch.tensor(a, requires_grad=True) for a in _torch_params(params, arch)]
    opt = torch.optim.Adam(p, lr=LR, betas=(B1, B2), eps=EPS)
    z_size = latent_dim(params, arch)

    def run(x):
        x = torch.from_numpy(x)
        eps = torch.randn(k or 1, x.shape[0], z_size)
        opt.zero_grad(set_to_none=True)
        value = loss(nn, p, x, eps, k, arch)
        value.backward()
        opt.step()
        return value.detach()

    def loss_at(x, eps):
        with torch.no_grad():
            return float(loss(nn, p, torch.from_numpy(x), torch.from_numpy(eps), k, arch))

    return run, loss_at


def _tf(params, k, arch, xla):
    import tensorflow as tf

    class Ops(_Ops):
        relu, exp = staticmethod(tf.nn.relu), staticmethod(tf.exp)
        softplus, reshape = staticmethod(tf.nn.softplus), staticmethod(tf.reshape)
        sum = staticmethod(lambda a, axis: tf.reduce_sum(a, axis=axis))
        mean = staticmethod(tf.reduce_mean)
        logsumexp = staticmethod(lambda a, axis: tf.reduce_logsumexp(a, axis=axis))
        flatten = staticmethod(lambda h: tf.reshape(h, (tf.shape(h)[0], -1)))

        @staticmethod
        def conv(x, w, b, stride):
            return tf.nn.conv2d(x, w, stride, "SAME") + b

        @staticmethod
        def conv_transpose(h, w, b, stride=2):
            shape = (tf.shape(h)[0], h.shape[1] * stride, h.shape[2] * stride, w.shape[2])
            return tf.nn.conv2d_transpose(h, w, shape, stride, "SAME") + b

    nn = Ops()
    p = [tf.Variable(a) for a in params]
    m = [tf.Variable(tf.zeros_like(a)) for a in params]
    v = [tf.Variable(tf.zeros_like(a)) for a in params]
    t = tf.Variable(0.0)
    z_size = latent_dim(params, arch)

    @tf.function(jit_compile=xla)
    def step(x):
        eps = tf.random.normal((k or 1, tf.shape(x)[0], z_size))
        with tf.GradientTape() as tape:
            value = loss(nn, p, x, eps, k, arch)
        grads = tape.gradient(value, p)
        t.assign_add(1.0)
        alpha = LR * tf.sqrt(1 - B2**t) / (1 - B1**t)
        for pi, mi, vi, gi in zip(p, m, v, grads):
            mi.assign(B1 * mi + (1 - B1) * gi)
            vi.assign(B2 * vi + (1 - B2) * gi * gi)
            pi.assign_sub(alpha * mi / (tf.sqrt(vi) + EPS))
        return value

    return step, lambda x, eps: float(loss(nn, p, tf.constant(x), tf.constant(eps), k, arch))
