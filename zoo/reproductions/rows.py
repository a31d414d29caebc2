"""The reproduction card's rows: each paper's protocol as data, and its networks from `keras.layers`.

`run.py` trains and evaluates a row; `card.py` writes the card from their results.
"""

# Tomczak and Welling's training protocol (their experiment.py: lr 5e-4 by default); the
# VampPrior row, which pythae reproduced, takes the and pythae's lr 1e-4 instead
_TOMCZAK = dict(epochs=2000, batch_size=100, learning_rate=5e-4, lr_milestones=(), warmup_epochs=100,
                patience=50)

ROWS = {
    # pythae's examples/scripts/reproducibility/vae.py: MLP 784-400-40 (ReLU), Bernoulli,
    # Adam 1e-4 divided by 10^0.2 at epochs 200 and 350, batch 100, 500 epochs, the
    # weights of the best validation loss
    "vae": dict(
        title="VAE", networks="mlp", hidden_units=(400,), latent_dim=40, prior=("standard_normal", {}),
        epochs=500, batch_size=100, learning_rate=1e-4, lr_milestones=(200, 350), warmup_epochs=0,
        patience=None, published=89.9, source="Rezende and Mohamed (2015), as pythae cites it",
        pythae=89.78),
    # Tomczak and Welling (2018) and their code (jmtomczak/vae_vampprior): gated MLP 300-300
    # each way, 40 latents, log-variance clipped to [-6, 2], KL warm-up over 100 epochs,
    # batch 100, up to 2,000 epochs, early stopping after 50 epochs without a better
    # validation loss; lr 1e-4 as pythae's reproduction (theirs: 5e-4)
    "vamp_prior": dict(
        title="VAE + VampPrior (K=500)", networks="gated", hidden_units=(300, 300), latent_dim=40,
        prior=("vamp_prior", {"num_pseudo_inputs": 500}), **(_TOMCZAK | dict(learning_rate=1e-4)),
        published=85.57,
        source="Tomczak and Welling (2018)", pythae=85.79),
    "mog_prior": dict(
        title="VAE + mixture of Gaussians prior (K=500)", networks="gated", hidden_units=(300, 300),
        latent_dim=40, prior=("mixture_of_gaussians", {"num_components": 500}), **_TOMCZAK,
        published=None, source="Tomczak and Welling (2018)", pythae=None),
    # the same protocol; HVAE_2level.py's networks (z1 and z2 of 40 each)
    "hvae": dict(
        title="HierarchicalVAE", networks="gated", hidden_units=(300, 300), latent_dims=(40, 40),
        prior=("standard_normal", {}), **_TOMCZAK, published=None, source="Tomczak and Welling (2018)",
        pythae=None),
    "hvae_vamp_prior": dict(
        title="HierarchicalVAE + VampPrior (K=500)", networks="gated", hidden_units=(300, 300),
        latent_dims=(40, 40), prior=("vamp_prior", {"num_pseudo_inputs": 500}), **_TOMCZAK,
        published=None, source="Tomczak and Welling (2018)", pythae=None),
    # pythae's examples/scripts/reproducibility/iwae.py after Burda et al. (2016): tanh MLP
    # 200-200, 50 latents, k=50, batch 20, 3,280 epochs, Adam 1e-3 (epsilon 1e-4) divided by
    # 10^(1/7) after 3^i epochs; a GPU row (the card gives this CPU's cost per epoch)
    "iwae_k50": dict(
        title="IWAE (k=50)", networks="tanh", hidden_units=(200, 200), latent_dim=50, num_samples=50,
        prior=("standard_normal", {}), epochs=3280, batch_size=20, learning_rate=1e-3,
        adam_epsilon=1e-4, lr_milestones=(2, 5, 14, 28, 41, 122, 365, 1094), lr_gamma=10 ** (-1 / 7),
        warmup_epochs=0, patience=None, published=87.1, source="Burda et al. (2016), as pythae cites it",
        pythae=86.82),
}
LR_GAMMA = 10 ** (-1 / 5)  # pythae's MultiStepLR factor (the VAE row)


VARIANTS = {
    # PyTorch's nn.Linear initialization (kernel and bias uniform in +-1/sqrt(fan_in)) in place
    # of Keras' (Glorot uniform kernel, zero bias): what pythae's networks start from
    "torch_init": "PyTorch's nn.Linear initialization",
}


def build_model(row, seed, variant=None):
    """The row's model, with the networks of its protocol, from `keras.layers` only."""
    import keras

    from keras_vi import priors, zoo

    units = row["hidden_units"]
    layers = keras.layers
    if variant == "torch_init":
        class _Layers:  # keras.layers with Dense initialized as nn.Linear
            def __getattr__(self, name):
                return getattr(keras.layers, name)

            @staticmethod
            def Dense(units, **kwargs):
                return _TorchDense(units, **kwargs)

        class _TorchDense:
            def __init__(self, units, **kwargs):
                self.units, self.kwargs = units, kwargs

            def __call__(self, h):
                limit = h.shape[-1] ** -0.5
                init = keras.initializers.RandomUniform(-limit, limit)
                return keras.layers.Dense(self.units, kernel_initializer=init, bias_initializer=init,
                                          **self.kwargs)(h)

        layers = _Layers()

    def block(h, n):  # Tomczak and Welling's GatedDense: h(x) * sigmoid(g(x)), or a Dense layer
        if row["networks"] == "gated":
            return layers.Multiply()([layers.Dense(n)(h), layers.Dense(n, activation="sigmoid")(h)])
        return layers.Dense(n, activation="tanh" if row["networks"] == "tanh" else "relu")(h)

    def gaussian(h, dim, name):  # [mean, log_var]; gated protocols clip log_var to [-6, 2]
        mean, log_var = layers.Dense(dim)(h), layers.Dense(dim)(h)
        if row["networks"] == "gated":  # hardtanh(-6, 2), from Keras layers
            log_var = layers.Rescaling(1.0, offset=6.0)(log_var)
            log_var = layers.ReLU(max_value=8.0)(log_var)
            log_var = layers.Rescaling(1.0, offset=-6.0)(log_var)
        return [layers.Identity(name=f"{name}_mean")(mean), layers.Identity(name=f"{name}_log_var")(log_var)]

    def stack(h):
        for n in units:
            h = block(h, n)
        return h

    prior_name, prior_kwargs = row["prior"]
    prior = priors.PRIORS[prior_name](seed=seed, **prior_kwargs) if prior_kwargs else prior_name
    x = keras.Input((784,), name="x")
    if "latent_dims" not in row:
        dim = row["latent_dim"]
        encoder = keras.Model(x, gaussian(stack(x), dim, "q_z"), name="encoder")
        z = keras.Input((dim,), name="z")
        decoder = keras.Model(z, layers.Dense(784, name="logits")(stack(z)), name="decoder")
        if "num_samples" in row:
            return zoo.IWAE(latent_dim=dim, num_samples=row["num_samples"], encoder=encoder,
                            decoder=decoder, likelihood="bernoulli", prior=prior, seed=seed)
        return zoo.VAE(latent_dim=dim, encoder=encoder, decoder=decoder, likelihood="bernoulli",
                       prior=prior, seed=seed)
    # the two-level model of Tomczak and Welling's HVAE_2level.py, z = [z1, z2]
    dim1, dim2 = row["latent_dims"]
    z2 = keras.Input((dim2,), name="z2")
    encoder = keras.Model(x, gaussian(stack(x), dim2, "q_z2"), name="encoder")
    joint = layers.Concatenate()([block(x, units[0]), block(z2, units[0])])
    bottom = keras.Model([x, z2], gaussian(block(joint, units[0]), dim1, "q_z1"), name="bottom_encoder")
    conditional = keras.Model(z2, gaussian(stack(z2), dim1, "p_z1"), name="conditional_prior")
    z = keras.Input((dim1 + dim2,), name="z")
    joint = layers.Concatenate()([block(z[:, :dim1], units[0]), block(z[:, dim1:], units[0])])
    decoder = keras.Model(z, layers.Dense(784, name="logits")(block(joint, units[0])), name="decoder")
    return zoo.HierarchicalVAE(latent_dims=(dim1, dim2), encoder=encoder, bottom_encoder=bottom,
                               conditional_prior=conditional, decoder=decoder, likelihood="bernoulli",
                               prior=prior, seed=seed)


def optimizer(row, steps_per_epoch):
    import keras

    lr, epsilon = row["learning_rate"], row.get("adam_epsilon", 1e-7)  # 1e-7: Keras' default
    if not row["lr_milestones"]:
        return keras.optimizers.Adam(lr, epsilon=epsilon)
    boundaries = [m * steps_per_epoch for m in row["lr_milestones"]]
    values = [lr * row.get("lr_gamma", LR_GAMMA) ** i for i in range(len(boundaries) + 1)]
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    return keras.optimizers.Adam(schedule, epsilon=epsilon)
