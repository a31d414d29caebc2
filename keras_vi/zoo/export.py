"""SavedModel export of a latent variable model: encode, decode, sample, serve."""

import keras



def export_saved_model(model, filepath, verbose=True):
    """Writes a TF SavedModel with `encode`, `decode`, `sample` and `serve`.

    Endpoints (float32): `encode(x)` -> {"mean", "log_var"}; `decode(z)` ->
    mean of p(x|z); `sample(noise)` -> examples decoded from
    `prior.sample_from_noise(noise)`, with noise ~ N(0, I) of shape
    (n, prior.noise_dim) (for the standard normal prior, noise is z and
    noise_dim is latent_dim); `serve(x)` -> reconstructions. Works on the
    TensorFlow and JAX backends.
    """
    if keras.backend.backend() not in ("tensorflow", "jax"):
        raise ValueError(
            "SavedModel export needs the TensorFlow or JAX backend, got "
            f"{keras.backend.backend()!r}. Save with model.save('model.keras'), "
            "then load it under KERAS_BACKEND=tensorflow with "
            "keras.saving.load_model('model.keras') and call .export(path)."
        )
    if not model.built:
        raise ValueError("The model must be built (call fit or the model) before `export`.")
    archive = keras.export.ExportArchive()
    archive.track(model)
    x_spec = [keras.InputSpec(shape=(None, *model.data_shape), dtype="float32")]
    z_spec = [keras.InputSpec(shape=(None, model.latent_dim), dtype="float32")]
    noise_spec = [keras.InputSpec(shape=(None, model.prior.noise_dim), dtype="float32")]

    def encode(x):
        mean, log_var = model.encode(x)
        return {"mean": mean, "log_var": log_var}

    def sample(noise):
        return model.decode(model.prior.sample_from_noise(noise))

    archive.add_endpoint("encode", encode, input_signature=x_spec)
    archive.add_endpoint("decode", model.decode, input_signature=z_spec)
    archive.add_endpoint("sample", sample, input_signature=noise_spec)
    archive.add_endpoint("serve", model.reconstruct, input_signature=x_spec)
    archive.write_out(filepath, verbose=verbose)
