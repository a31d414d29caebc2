"""The zoo's default networks are made of Keras' own layers (and the field's concept layers)."""

import keras
import pytest

from keras_vi import layers as vi_layers
from tests.test_conformance import MODELS

# keras_vi's layers that are concepts of this field, not substitutes for a Keras layer
CONCEPT_LAYERS = tuple(getattr(vi_layers, name) for name in vi_layers.__all__
                       if isinstance(getattr(vi_layers, name), type))


def all_layers(layer, seen=None):
    """`layer` and every layer it holds, found through public attributes and `Model.layers`."""
    seen = set() if seen is None else seen
    if id(layer) in seen:
        return
    seen.add(id(layer))
    yield layer
    children = list(layer.layers) if isinstance(layer, keras.Model) else []
    for value in vars(layer).values():
        values = value if isinstance(value, (list, tuple)) else [value]
        children += [v for v in values if isinstance(v, keras.layers.Layer)]
    for child in children:
        yield from all_layers(child, seen)


@pytest.mark.parametrize("name,cls,kwargs,x", MODELS, ids=[case[0] for case in MODELS])
def test_default_networks_hold_only_keras_layers(name, cls, kwargs, x):
    model = cls(**kwargs)
    model.build(x.shape)
    networks = [getattr(model, attr) for attr in ("encoder", "decoder", "discriminator")
                if isinstance(getattr(model, attr, None), keras.layers.Layer)]
    found = [layer for net in networks for layer in all_layers(net)]
    keras_bases = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
                   keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
    assert not networks or any(isinstance(layer, keras_bases) for layer in found)
    for layer in found:
        if isinstance(layer, keras.Model) and type(layer).__module__.startswith("keras_vi"):
            continue  # a zoo model used as a network (ARVAE's PixelCNN decoder): its layers are checked
        assert type(layer).__module__.startswith("keras.") or isinstance(layer, CONCEPT_LAYERS), (
            f"{name}: {type(layer).__module__}.{type(layer).__name__}")
    # and no keras_vi layer stands in for one of Keras': none subclasses Keras' Dense or conv layers
    subs = [type(layer).__name__ for layer in found
            if isinstance(layer, keras_bases) and not type(layer).__module__.startswith("keras.")]
    assert subs in ([], ["MaskedConv2D"] * len(subs)), subs  # a masked convolution is PixelCNN's own
