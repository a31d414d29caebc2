"""`keras-vi presets`: the bundled presets as a table."""


def list_presets():
    """Prints the bundled presets as a table."""
    import os

    from keras_vi.zoo import presets

    print("| preset | class | dataset | metric | MB |")
    print("|---|---|---|---|---|")
    for name, meta in presets.bundled_presets().items():
        folder = os.path.join(presets.BUNDLED, name)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 2**20
        evaluation = meta.get("evaluation", {})
        metric = evaluation.get("metric")
        value = meta.get("metrics", {}).get(metric)
        print(f"| {name} | {meta['class_name']} | {evaluation.get('dataset', '?')} | "
              f"{metric} = {value} | {size:.1f} |")
