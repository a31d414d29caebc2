"""The same MLP VAE / IWAE training step written by hand in each backend.

Same math as keras_vi.zoo.VAE / IWAE with the default MLP (784-512-256-z and back,
ReLU, Bernoulli decoder, closed-form KL or the k-sample bound), the same initial
weights (copied from the keras_vi model), and Adam with Keras' defaults
(lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7). No Keras in the step.
"""

import math

import numpy as np

B1, B2, EPS, LR = 0.9, 0.999, 1e-7, 1e-3


def loss_numpy(params, x, eps, k):
    """The per-batch loss in float64 NumPy: the reference for the step-0 check."""
    p = [a.astype(np.float64) for a in params]
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    h = relu(relu(x @ p[0] + p[1]) @ p[2] + p[3])
    mean, log_var = h @ p[4] + p[5], h @ p[6] + p[7]
    z = mean[None] + np.exp(0.5 * log_var)[None] * eps  # (k, B, d)
    g = relu(relu(z @ p[8] + p[9]) @ p[10] + p[11])
    logits = g @ p[12] + p[13]
    log_px_z = np.sum(x[None] * logits - np.logaddexp(0, logits), axis=-1)  # (k, B)
    if k is None:
        kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)
        return float(np.mean(-(log_px_z[0] - kl)))
    log_pz = -0.5 * np.sum(z**2 + math.log(2 * math.pi), axis=-1)
    log_q = -0.5 * np.sum((z - mean) ** 2 * np.exp(-log_var) + log_var + math.log(2 * math.pi), -1)
    log_w = log_px_z + log_pz - log_q
    m = log_w.max(0)
    bound = m + np.log(np.mean(np.exp(log_w - m), axis=0))
    return float(np.mean(-bound))


def make_step(backend, params, k=None):
    """Returns (step(x) -> loss, loss_at(x, eps)) for `backend`, state inside."""
    return {"jax": _jax, "torch": _torch, "tensorflow": _tf}[backend](params, k)


def _jax(params, k):
    import jax
    import jax.numpy as jnp

    def loss_fn(p, x, eps):
        h = jax.nn.relu(jax.nn.relu(x @ p[0] + p[1]) @ p[2] + p[3])
        mean, log_var = h @ p[4] + p[5], h @ p[6] + p[7]
        z = mean[None] + jnp.exp(0.5 * log_var)[None] * eps
        g = jax.nn.relu(jax.nn.relu(z @ p[8] + p[9]) @ p[10] + p[11])
        logits = g @ p[12] + p[13]
        log_px_z = jnp.sum(x[None] * logits - jax.nn.softplus(logits), axis=-1)
        if k is None:
            kl = 0.5 * jnp.sum(jnp.exp(log_var) + mean**2 - 1 - log_var, axis=-1)
            return jnp.mean(-(log_px_z[0] - kl))
        log_pz = -0.5 * jnp.sum(z**2 + math.log(2 * math.pi), axis=-1)
        log_q = -0.5 * jnp.sum((z - mean) ** 2 * jnp.exp(-log_var) + log_var + math.log(2 * math.pi), -1)
        return jnp.mean(-(jax.nn.logsumexp(log_px_z + log_pz - log_q, axis=0) - math.log(k)))

    @jax.jit
    def step(state, x):
        p, m, v, t, key = state
        key, sub = jax.random.split(key)
        eps = jax.random.normal(sub, (k or 1, x.shape[0], p[4].shape[1]))
        loss, g = jax.value_and_grad(loss_fn)(p, x, eps)
        t = t + 1
        alpha = LR * jnp.sqrt(1 - B2**t) / (1 - B1**t)
        m = [B1 * mi + (1 - B1) * gi for mi, gi in zip(m, g)]
        v = [B2 * vi + (1 - B2) * gi * gi for vi, gi in zip(v, g)]
        p = [pi - alpha * mi / (jnp.sqrt(vi) + EPS) for pi, mi, vi in zip(p, m, v)]
        return (p, m, v, t, key), loss

    p = [jnp.asarray(a) for a in params]
    state = [(p, [jnp.zeros_like(a) for a in p], [jnp.zeros_like(a) for a in p], 0.0,
              jax.random.PRNGKey(0))]

    def run(x):
        state[0], loss = step(state[0], x)
        return loss

    return run, lambda x, eps: float(loss_fn(p, jnp.asarray(x), jnp.asarray(eps)))


def _torch(params, k):
    import torch

    p = [torch.tensor(a, requires_grad=True) for a in params]
    opt = torch.optim.Adam(p, lr=LR, betas=(B1, B2), eps=EPS)
    relu, softplus = torch.relu, torch.nn.functional.softplus

    def loss_fn(x, eps):
        h = relu(relu(x @ p[0] + p[1]) @ p[2] + p[3])
        mean, log_var = h @ p[4] + p[5], h @ p[6] + p[7]
        z = mean[None] + torch.exp(0.5 * log_var)[None] * eps
        g = relu(relu(z @ p[8] + p[9]) @ p[10] + p[11])
        logits = g @ p[12] + p[13]
        log_px_z = torch.sum(x[None] * logits - softplus(logits), dim=-1)
        if k is None:
            kl = 0.5 * torch.sum(torch.exp(log_var) + mean**2 - 1 - log_var, dim=-1)
            return torch.mean(-(log_px_z[0] - kl))
        log_pz = -0.5 * torch.sum(z**2 + math.log(2 * math.pi), dim=-1)
        log_q = -0.5 * torch.sum((z - mean) ** 2 * torch.exp(-log_var) + log_var + math.log(2 * math.pi), -1)
        return torch.mean(-(torch.logsumexp(log_px_z + log_pz - log_q, dim=0) - math.log(k)))

    def run(x):
        x = torch.from_numpy(x)
        eps = torch.randn(k or 1, x.shape[0], params[4].shape[1])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(x, eps)
        loss.backward()
        opt.step()
        return loss.detach()

    def loss_at(x, eps):
        with torch.no_grad():
            return float(loss_fn(torch.from_numpy(x), torch.from_numpy(eps)))

    return run, loss_at


def _tf(params, k):
    import tensorflow as tf

    p = [tf.Variable(a) for a in params]
    m = [tf.Variable(tf.zeros_like(a)) for a in params]
    v = [tf.Variable(tf.zeros_like(a)) for a in params]
    t = tf.Variable(0.0)

    def loss_fn(x, eps):
        h = tf.nn.relu(tf.nn.relu(x @ p[0] + p[1]) @ p[2] + p[3])
        mean, log_var = h @ p[4] + p[5], h @ p[6] + p[7]
        z = mean[None] + tf.exp(0.5 * log_var)[None] * eps
        g = tf.nn.relu(tf.nn.relu(z @ p[8] + p[9]) @ p[10] + p[11])
        logits = g @ p[12] + p[13]
        log_px_z = tf.reduce_sum(x[None] * logits - tf.nn.softplus(logits), axis=-1)
        if k is None:
            kl = 0.5 * tf.reduce_sum(tf.exp(log_var) + mean**2 - 1 - log_var, axis=-1)
            return tf.reduce_mean(-(log_px_z[0] - kl))
        log_pz = -0.5 * tf.reduce_sum(z**2 + math.log(2 * math.pi), axis=-1)
        log_q = -0.5 * tf.reduce_sum((z - mean) ** 2 * tf.exp(-log_var) + log_var + math.log(2 * math.pi), -1)
        return tf.reduce_mean(-(tf.reduce_logsumexp(log_px_z + log_pz - log_q, axis=0) - math.log(k)))

    @tf.function(jit_compile=True)
    def step(x):
        eps = tf.random.normal((k or 1, tf.shape(x)[0], params[4].shape[1]))
        with tf.GradientTape() as tape:
            loss = loss_fn(x, eps)
        grads = tape.gradient(loss, p)
        t.assign_add(1.0)
        alpha = LR * tf.sqrt(1 - B2**t) / (1 - B1**t)
        for pi, mi, vi, gi in zip(p, m, v, grads):
            mi.assign(B1 * mi + (1 - B1) * gi)
            vi.assign(B2 * vi + (1 - B2) * gi * gi)
            pi.assign_sub(alpha * mi / (tf.sqrt(vi) + EPS))
        return loss

    return step, lambda x, eps: float(loss_fn(tf.constant(x), tf.constant(eps)))
