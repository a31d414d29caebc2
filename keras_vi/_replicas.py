"""Data parallelism on TensorFlow's `tf.distribute` (MirroredStrategy and kin).

Under `keras.distribution.DataParallel` on JAX, a compiled step is one program
over the global batch (sharded by XLA), so batch statistics, means and random
draws are already those of one device. Under a `tf.distribute` strategy each
replica runs the step on its own slice of the batch; these helpers make what
a zoo model computes from a batch equal to one device's:

- `share_of_global_mean`: a replica's mean loss as its share of the global
  batch's mean (Keras' gradients are summed across replicas);
- `sum_across_replicas`, `gather_across_replicas`: batch statistics of the
  global batch (VectorQuantizer's EMA statistics, ActNorm's initialization);
- `draw_for_global_batch`: per-example noise drawn for the global batch, each
  replica taking its rows, so draws differ across replicas and equal one
  device's.

Outside a replica context with more than one replica (every backend but
TensorFlow, or no strategy) each is the identity.
"""

import keras
from keras import ops


def _replica_context():
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if tf.distribute.in_cross_replica_context():
        return None
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def sum_across_replicas(x):
    """x summed over the replicas (the identity without a strategy)."""
    context = _replica_context()
    return x if context is None else context.all_reduce("sum", x)


def gather_across_replicas(x):
    """The replicas' x concatenated on axis 0, in the global batch's order."""
    context = _replica_context()
    return x if context is None else context.all_gather(x, axis=0)


def _sizes_and_offset(context, local):
    import tensorflow as tf

    sizes = context.all_gather(tf.reshape(tf.cast(local, tf.int32), [1]), axis=0)
    replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
    return tf.reduce_sum(sizes), tf.reduce_sum(sizes[:replica])


def first_leaf(x):
    """The first array of batch `x` (an array, or a dict, list or tuple of them)."""
    if isinstance(x, dict):
        return next(iter(x.values()))
    return x[0] if isinstance(x, (list, tuple)) else x


def share_of_global_mean(loss, x):
    """A replica's mean `loss` on batch `x` as its share of the global batch's mean.

    Times local batch / global batch: summed over replicas (as Keras sums their
    gradients), the global mean. `loss` itself outside a replica context.
    """
    context = _replica_context()
    if context is None:
        return loss
    batch_size = ops.shape(first_leaf(x))[0]
    total, _ = _sizes_and_offset(context, batch_size)
    share = ops.cast(batch_size, "float32") / ops.cast(total, "float32")
    return loss * ops.cast(share, loss.dtype)


def draw_for_global_batch(draw, shape, batch_axis=0):
    """`draw(shape)` of the global batch, this replica's rows of it.

    `draw` takes a shape and returns a tensor (a `keras.random` call with the
    layer's SeedGenerator): every replica draws the same global tensor (their
    generators' states are mirrored) and keeps its own slice.
    """
    context = _replica_context()
    if context is None:
        return draw(shape)
    import tensorflow as tf

    local = shape[batch_axis]
    total, offset = _sizes_and_offset(context, local)
    full_shape = tf.stack([total if i == batch_axis else tf.cast(s, tf.int32) for i, s in enumerate(shape)])
    return tf.gather(draw(full_shape), tf.range(offset, offset + local), axis=batch_axis)


def num_data_parallel_devices(model):
    """How many devices split each batch: tf.distribute replicas, or the batch axis of
    the Keras distribution (JAX's `keras.distribution.DataParallel`); 1 without either."""
    if keras.backend.backend() == "tensorflow":
        strategy = getattr(model, "distribute_strategy", None)
        return 1 if strategy is None else int(strategy.num_replicas_in_sync)
    distribution = keras.distribution.distribution()
    if distribution is None or not hasattr(distribution, "batch_dim_name"):
        return 1
    mesh = distribution.device_mesh
    return int(mesh.shape[list(mesh.axis_names).index(distribution.batch_dim_name)])


def check_batches_divide(model, num_examples, batch_size, name="batch_size"):
    """Raises a ValueError when a batch of the fit would not split evenly across the devices.

    `num_examples` None: only `batch_size` is checked (a dataset's first batch).
    """
    devices = num_data_parallel_devices(model)
    if devices == 1:
        return
    sizes = {batch_size}
    if num_examples is not None and num_examples % batch_size:
        sizes.add(num_examples % batch_size)
    uneven = sorted(s for s in sizes if s % devices)
    if uneven:
        raise ValueError(
            f"`{name}`: every batch must split evenly across the {devices} data-parallel "
            f"devices, got batches of {', '.join(map(str, uneven))} example(s) "
            f"({num_examples if num_examples is not None else 'a dataset'}, batch_size "
            f"{batch_size}). Use a batch_size that is a multiple of {devices} and a number "
            "of examples that leaves a last batch that is one too (or none)."
        )
