"""Times the README's quickstart as printed, import included, on the current backend.

    KERAS_BACKEND=tensorflow python -m benchmarks.quickstart

It prints the active units the block prints (10 of 10 when the model learns) and the
seconds; the model file goes to a temporary directory.
"""

import os
import re
import tempfile
import time

if __name__ == "__main__":
    start = time.perf_counter()
    import keras_vi  # noqa: F401  (the block's import, timed here)

    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    with open(readme) as f:
        block = next(b for b in re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
                     if "BetaVAE(latent_dim=10)" in b)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        exec(compile(block, "README.md", "exec"), {})
    print(f"{os.environ.get('KERAS_BACKEND', 'tensorflow')}: {time.perf_counter() - start:.1f} s, import included")
