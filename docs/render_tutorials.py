"""Runs the tutorials in examples/ and renders each to docs/tutorials/NAME.md.

As keras.io's autogen does: the script's triple-quoted blocks become markdown,
its code becomes code blocks, each followed by what it printed and the
pictures (and WAV files, as <audio> players) it wrote. Each tutorial runs in
its own process (`--one NAME`), block by block in one namespace, with `--out`
pointing at a scratch directory; only its PNG, GIF and WAV files are kept,
under docs/tutorials/NAME/.

    python docs/render_tutorials.py [NAME ...] [--data-dir DIR] [--backend B] [--smoke]
"""

import argparse
import ast
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")
TUTORIALS = os.path.join(REPO, "docs", "tutorials")
# the backend each tutorial renders on by default: the fastest here for its models (the
# small MLPs on the digits compile and run fastest on JAX, the conv nets on PyTorch)
FASTEST_BACKEND = {"latent_variable_models": "jax", "vae_from_scratch_to_zoo": "jax"}
DEFAULT_BACKEND = "torch"
HEADER_FIELDS = ("Title", "Author", "Date created", "Last modified", "Description", "Accelerator")


def split_blocks(source):
    """[(kind, text)] with kind "markdown" (module-level strings) or "code", in order."""
    lines = source.splitlines()
    blocks, start = [], 0
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            code = "\n".join(lines[start: node.lineno - 1]).strip("\n")
            if code.strip():
                blocks.append(("code", code))
            blocks.append(("markdown", node.value.value))
            start = node.end_lineno
    code = "\n".join(lines[start:]).strip("\n")
    if code.strip():
        blocks.append(("code", code))
    return blocks


def parse_header(text):
    """The keras.io header fields of the first block, as a dict; an error names a missing one."""
    fields = {}
    for line in text.strip().splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    missing = [f for f in HEADER_FIELDS if f not in fields]
    if missing:
        raise ValueError(f"tutorial header lacks {', '.join(missing)}")
    return fields


MEDIA = (".png", ".wav", ".gif")  # pictures, and sounds the page plays in an HTML <audio> player


def _pngs(directory):
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith(MEDIA):
                path = os.path.join(root, name)
                found[os.path.relpath(path, directory)] = os.stat(path).st_mtime_ns
    return found


def render_one(name, data_dir, smoke, out_dir=TUTORIALS):
    """Runs examples/NAME.py block by block in this process; writes OUT_DIR/NAME.md and OUT_DIR/NAME/."""
    path = os.path.join(EXAMPLES, name + ".py")
    with open(path) as f:
        source = f.read()
    blocks = split_blocks(source)
    header = parse_header(blocks[0][1])
    figures_dir = os.path.join(out_dir, name)
    shutil.rmtree(figures_dir, ignore_errors=True)
    os.makedirs(figures_dir)
    scratch = tempfile.mkdtemp(prefix=f"tutorial_{name}_")
    takes_data = '"--data-dir"' in source
    sys.argv = [path, "--out", scratch, *(["--data-dir", data_dir] if data_dir and takes_data else []),
                *(["--smoke"] if smoke else [])]
    namespace = {"__name__": "__main__", "__file__": path, "__doc__": blocks[0][1]}
    seen = _pngs(scratch)
    out = [f"# {header['Title']}", ""]
    out += [f"**Author:** {header['Author']}<br>", f"**Date created:** {header['Date created']}<br>",
            f"**Last modified:** {header['Last modified']}<br>", f"**Description:** {header['Description']}",
            ""]
    start = time.perf_counter()
    for kind, text in blocks[1:]:
        if kind == "markdown":
            out += [textwrap.dedent(text).strip(), ""]
            continue
        out += ["```python", text, "```", ""]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(text, path, "exec"), namespace)  # noqa: S102 - the repo's own tutorial
        if printed.getvalue().strip():
            out += ["```text", printed.getvalue().rstrip(), "```", ""]
        now = _pngs(scratch)
        for figure in sorted(f for f in now if seen.get(f) != now[f]):
            target = figure.replace(os.sep, "_")
            shutil.copy(os.path.join(scratch, figure), os.path.join(figures_dir, target))
            if figure.endswith(".wav"):
                # raw HTML is not rewritten by MkDocs: the page is served as NAME/index.html, beside its files
                out += [f'<audio controls src="../{name}/{target}"></audio> [{figure}]({name}/{target})', ""]
            else:
                out += [f"![{figure}]({name}/{target})", ""]
        seen = now
    seconds = time.perf_counter() - start
    import keras

    out += ["---", "",
            f"Rendered by `make tutorials` (`python docs/render_tutorials.py {name}`): "
            f"`examples/{name}.py`{' --smoke' if smoke else ''} run top to bottom on the "
            f"{keras.backend.backend()} backend in {seconds:.0f} s, Keras {keras.__version__}.", ""]
    with open(os.path.join(out_dir, name + ".md"), "w") as f:
        f.write("\n".join(out))
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{os.path.join(out_dir, name)}.md: {seconds:.0f} s", file=sys.__stdout__)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Renders the tutorials of examples/ into docs/tutorials/.")
    parser.add_argument("names", nargs="*", help="tutorials (file names without .py); default: all")
    parser.add_argument("--data-dir", default=None, help="directory of the IDX files, passed to each tutorial")
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                        help="one backend for all (default: FASTEST_BACKEND, else torch)")
    parser.add_argument("--smoke", action="store_true", help="tiny runs (to check the renderer)")
    parser.add_argument("--out-dir", default=TUTORIALS, help="where the pages go (default: docs/tutorials)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return render_one(args.one, args.data_dir, args.smoke, args.out_dir)
    available = sorted(f[:-3] for f in os.listdir(EXAMPLES) if f.endswith(".py"))
    names = args.names or available
    unknown = sorted(set(names) - set(available))
    if unknown:
        parser.error(f"unknown tutorials {unknown}; available: {available}")
    os.makedirs(args.out_dir, exist_ok=True)
    for name in names:
        command = [sys.executable, os.path.abspath(__file__), "--one", name, "--out-dir", args.out_dir]
        command += ["--data-dir", args.data_dir] if args.data_dir else []
        command += ["--smoke"] if args.smoke else []
        backend = args.backend or FASTEST_BACKEND.get(name, DEFAULT_BACKEND)
        subprocess.run(command, check=True, env={**os.environ, "KERAS_BACKEND": backend})
    return None


if __name__ == "__main__":
    main()
