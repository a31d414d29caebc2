"""Presets: trained zoo models in keras-hub's directory layout, loaded in one line.

A preset is a directory of `config.json` (the model's Keras serialization),
`model.weights.h5` and `metadata.json` (what it is: class, description, data, metrics,
recipe, parameter count, versions, and the sha256 of the other two files). Handles:
a bundled preset's name (`keras_vi/presets/NAME/`, package data), a local directory,
`hf://owner/repo` (through `huggingface_hub`) and `kaggle://owner/model/keras/variant`
(through `kagglehub`), both optional dependencies. Loading runs no code from the preset:
Keras' `safe_mode` stays on, and a config naming a class from outside keras and keras_vi
is refused before anything is deserialized.
"""

import datetime
import hashlib
import json
import os

import keras

CONFIG, WEIGHTS, METADATA = "config.json", "model.weights.h5", "metadata.json"
BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "presets")
_ALLOWED_MODULES = ("keras", "keras_vi")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_presets():
    """name -> metadata of every preset shipped with keras_vi."""
    presets = {}
    if os.path.isdir(BUNDLED):
        for name in sorted(os.listdir(BUNDLED)):
            path = os.path.join(BUNDLED, name, METADATA)
            if os.path.isfile(path):
                with open(path) as f:
                    presets[name] = json.load(f)
    return presets


def save_to_preset(model, directory, **metadata):
    """Writes `model` as a preset directory; `metadata` (description, dataset, metrics, recipe, ...) is kept."""
    import keras_vi

    if not model.built:
        raise ValueError("`model` must be built (trained, or called on data) before `save_to_preset`.")
    os.makedirs(directory, exist_ok=True)
    # the model without its training state: no compile config, no optimizer variables
    config = _public_names(keras.saving.serialize_keras_object(model))
    config.pop("compile_config", None)
    bare = type(model).from_config(model.get_config())
    bare.build_from_config(model.get_build_config())
    bare.set_weights(model.get_weights())
    with open(os.path.join(directory, CONFIG), "w") as f:
        json.dump(config, f, indent=2)
    bare.save_weights(os.path.join(directory, WEIGHTS))
    record = {
        "class_name": type(model).__name__,
        "parameter_count": int(model.count_params()),
        "keras_version": keras.__version__,
        "keras_vi_version": keras_vi.__version__,
        "saved_from_backend": keras.backend.backend(),
        "date": datetime.date.today().isoformat(),
        **metadata,
        "sha256": {name: _sha256(os.path.join(directory, name)) for name in (CONFIG, WEIGHTS)},
    }
    with open(os.path.join(directory, METADATA), "w") as f:
        json.dump(record, f, indent=2)
    return directory


def _public_names(config):
    """`config` with Keras' functional models named by the public `keras.Model`.

    Keras' serializer names a functional model by its internal class `Functional` and that
    class's module; `keras.Model.from_config` rebuilds the same model from the same config, so
    the file names only public API and loads on any Keras that keeps it.
    """
    if isinstance(config, dict):
        config = {key: _public_names(value) for key, value in config.items()}
        if "module" in config and config.get("class_name") == "Functional":
            config.update(module="keras", class_name="Model", registered_name=None)
        return config
    if isinstance(config, list):
        return [_public_names(value) for value in config]
    return config


def resolve(preset):
    """The local directory of a preset handle (downloading `hf://` and `kaggle://` ones)."""
    if not isinstance(preset, str):
        raise ValueError(f"`preset` must be a preset name, a directory or a hf:// or kaggle:// handle, got {preset!r}.")
    if preset.startswith("hf://"):
        try:
            import huggingface_hub
        except ImportError:
            raise ValueError("`preset` is a hf:// handle: install huggingface_hub to download it.") from None
        return huggingface_hub.snapshot_download(repo_id=preset[len("hf://"):])
    if preset.startswith("kaggle://"):
        try:
            import kagglehub
        except ImportError:
            raise ValueError("`preset` is a kaggle:// handle: install kagglehub to download it.") from None
        return kagglehub.model_download(preset[len("kaggle://"):])
    if os.path.isdir(preset):
        return preset
    if preset in bundled_presets():
        return os.path.join(BUNDLED, preset)
    raise ValueError(f"`preset` {preset!r} is neither a bundled preset ({sorted(bundled_presets()) or 'none'}), "
                     "a directory, nor a hf:// or kaggle:// handle.")


def _check_classes(config, path="config"):
    """Refuses a serialized class from outside keras and keras_vi, by name, before deserializing."""
    if isinstance(config, dict):
        module = config.get("module")
        if isinstance(module, str) and "class_name" in config and module.split(".")[0] not in _ALLOWED_MODULES:
            raise ValueError(f"The preset's {CONFIG} names class {config['class_name']!r} from module "
                             f"{module!r} (at {path}): only keras and keras_vi classes are loaded.")
        registered = config.get("registered_name")
        if isinstance(registered, str) and ">" in registered and registered.split(">")[0] not in _ALLOWED_MODULES:
            raise ValueError(f"The preset's {CONFIG} names registered class {registered!r} (at {path}): "
                             "only keras and keras_vi classes are loaded.")
        for key, value in config.items():
            _check_classes(value, f"{path}.{key}")
    elif isinstance(config, list):
        for i, value in enumerate(config):
            _check_classes(value, f"{path}[{i}]")


def load_preset(preset, cls=None):
    """The model of a preset handle (see the module's docstring); `cls`: the class it must be."""
    import keras_vi  # noqa: F401  (registers keras_vi's classes for deserialization)

    directory = resolve(preset)
    paths = {name: os.path.join(directory, name) for name in (CONFIG, WEIGHTS, METADATA)}
    for name, path in paths.items():
        if not os.path.isfile(path):
            raise FileNotFoundError(f"`preset` {preset!r}: {path} is missing (a preset holds {CONFIG}, {WEIGHTS}, {METADATA}).")
    with open(paths[METADATA]) as f:
        metadata = json.load(f)
    for name, expected in metadata.get("sha256", {}).items():
        actual = _sha256(os.path.join(directory, name))
        if actual != expected:
            raise ValueError(f"`preset` {preset!r}: {name} has sha256 {actual}, its metadata says {expected}: "
                             "a damaged or changed file.")
    if cls is not None and metadata.get("class_name") != cls.__name__ and not (
            metadata.get("class_name") in {c.__name__ for c in _subclasses(cls)}):
        raise ValueError(f"`preset` {preset!r} is a {metadata.get('class_name')} preset, not a {cls.__name__}: "
                         f"load it with keras_vi.zoo.{metadata.get('class_name')}.from_preset or zoo.load_preset.")
    with open(paths[CONFIG]) as f:
        config = json.load(f)
    _check_classes(config)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if not model.built:
        raise ValueError(f"`preset` {preset!r}: its config has no build shape, so the weights cannot be loaded.")
    model.load_weights(paths[WEIGHTS])
    return model


def _subclasses(cls):
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def upload_preset(uri, directory):
    """Uploads a preset directory to `hf://owner/repo` or `kaggle://owner/model/keras/variant`."""
    for name in (CONFIG, WEIGHTS, METADATA):
        if not os.path.isfile(os.path.join(directory, name)):
            raise FileNotFoundError(f"`directory` {directory!r} holds no {name}: not a preset.")
    if uri.startswith("hf://"):
        try:
            import huggingface_hub
        except ImportError:
            raise ValueError("`uri` is a hf:// handle: install huggingface_hub to upload.") from None
        repo = uri[len("hf://"):]
        huggingface_hub.create_repo(repo, exist_ok=True)
        return huggingface_hub.upload_folder(repo_id=repo, folder_path=directory)
    if uri.startswith("kaggle://"):
        try:
            import kagglehub
        except ImportError:
            raise ValueError("`uri` is a kaggle:// handle: install kagglehub to upload.") from None
        return kagglehub.model_upload(uri[len("kaggle://"):], directory)
    raise ValueError(f"`uri` must start with hf:// or kaggle://, got {uri!r}.")
