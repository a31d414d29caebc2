"""Keras' Adam, with its update as one fused kernel on PyTorch CPU tensors, and exact for embeddings on TensorFlow.

`keras_vi.optimizers.Adam` takes `keras.optimizers.Adam`'s arguments and gives
its results. On the PyTorch backend, when every variable it updates is a float
tensor on the CPU, the update is a single call of PyTorch's fused Adam kernel
(`torch._fused_adam_`, what `torch.optim.Adam(fused=True)` runs) instead of
Keras' eight `torch._foreach_*` passes; on the MLP VAE of `benchmarks/` that is
0.5 ms per step instead of 2.0 (`benchmarks/torch_step.py`, benchmarks/README.md).
Elsewhere (TensorFlow, JAX, GPU tensors) it is Keras' Adam unchanged.

The two updates differ only in where epsilon sits. Keras takes

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    w -= alpha * m / (sqrt(v) + epsilon)

PyTorch takes `w -= lr / (1 - beta_1^t) * m / (sqrt(v) / sqrt(1 - beta_2^t) + eps)`,
which is the same step with `eps = epsilon / sqrt(1 - beta_2^t)`; that is what
the kernel is given, so the step number t is read on the host, once per step
(free for CPU tensors, a device sync on a GPU, hence CPU only; under
`jit_compile=True`, torch.compile traces Keras' update instead). Weight decay,
clipping, gradient accumulation, EMA and loss scaling stay Keras' own: they run
in `apply` around this update.

On TensorFlow, the gradient of a gather (an `Embedding`'s, a PixelCNN's pixel
embedding) is a `tf.IndexedSlices` with one slice per lookup, duplicates
included. Keras 3.15's Adam squares those slices one by one and sums them into
v afterwards: v gets sum(g_i^2) where Adam's math, and Keras' own update on
JAX and PyTorch, have (sum g_i)^2, so rows looked up many times per batch take
steps up to sqrt(lookups) times too large (one Adam step on an `Embedding(2, 4)`
read 6,400 times moved it 0.0043 instead of lr = 0.001). This Adam sums the
duplicates first (`tf.convert_to_tensor`, which also keeps the update
XLA-compilable) and so takes the same step on every backend.
"""

import math

import keras

from keras_vi.api_export import keras_vi_export

torch = tf = None
_BackendAdam = keras.optimizers.Adam
if keras.backend.backend() == "torch":
    import torch

    # What `keras.optimizers.Adam` becomes on PyTorch: Keras' foreach update.
    from keras.src.backend.torch.optimizers.torch_adam import Adam as _BackendAdam
elif keras.backend.backend() == "tensorflow":
    import tensorflow as tf


@keras_vi_export("keras_vi.optimizers.Adam")
class Adam(_BackendAdam):
    """`keras.optimizers.Adam`, fused into one kernel on PyTorch CPU tensors.

    Same arguments, defaults, variables and saved state as `keras.optimizers.Adam`
    (a model compiled with one can load the other's optimizer state); zoo
    models use it when compiled with `optimizer="auto"`. On TensorFlow it also
    sums an embedding gradient's duplicate slices before the update, where
    Keras' Adam over-steps (see the module's text).

    Example:

    ```python
    model = keras_vi.zoo.VAE(latent_dim=10)
    model.compile(optimizer=keras_vi.optimizers.Adam(1e-3))
    ```
    """

    def update_step(self, gradient, variable, learning_rate):
        if tf is not None and isinstance(gradient, tf.IndexedSlices):
            gradient = tf.convert_to_tensor(gradient)  # duplicates summed: sum_i g_i, dense
        return super().update_step(gradient, variable, learning_rate)

    def _parallel_update_step(self, grads, variables, learning_rate):
        # Called by Keras' PyTorch optimizer (under no_grad); never on other backends.
        params = [v.value for v in variables]
        if not _fusable(params, grads):
            return super()._parallel_update_step(grads, variables, learning_rate)
        indices = [self._get_variable_index(v) for v in variables]
        step = int(self.iterations.value) + 1
        steps = [torch.tensor(float(step))] * len(params)  # the kernel reads t, never writes it
        torch._fused_adam_(
            params,
            list(grads),
            [self._momentums[i].value for i in indices],
            [self._velocities[i].value for i in indices],
            [self._velocity_hats[i].value for i in indices] if self.amsgrad else [],
            steps,
            amsgrad=self.amsgrad,
            lr=float(getattr(learning_rate, "value", learning_rate)),  # a variable or a schedule's tensor
            beta1=float(self.beta_1),
            beta2=float(self.beta_2),
            weight_decay=0.0,  # Keras applies its (decoupled) weight decay before this
            eps=float(self.epsilon) / math.sqrt(1.0 - float(self.beta_2) ** step),
            maximize=False,
        )


def _fusable(params, grads):
    """Whether PyTorch's fused CPU kernel takes these tensors as one group, outside torch.compile."""
    if torch.compiler.is_compiling():  # jit_compile=True: the step is traced, Keras' update traces
        return False
    dtype = params[0].dtype
    return all(
        t.device.type == "cpu" and t.dtype == dtype and t.is_floating_point() and not t.is_sparse
        for t in (*params, *grads)
    )
