"""Writes the generated pages of the documentation site before `mkdocs build`.

- docs/api/NAME.md: one page per public module of keras_vi (its docstrings,
  through mkdocstrings), found from the package's folders, so none goes stale;
- docs/cards/NAME.md (+ their pictures): the zoo's results cards, copied;
- docs/benchmarks.md: benchmarks/README.md and benchmarks/RESULTS.md.

The tutorials (docs/tutorials/) are rendered by `make tutorials`, not here.
All generated paths are git-ignored; `make docs` runs this, then mkdocs.
"""

import os
import shutil

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
PACKAGE = os.path.join(REPO, "keras_vi")
# modules documented on their own page beside their package's
SUBMODULES = {"metrics": ["metrics.disentanglement"], "zoo": ["zoo.networks"]}


def public_modules():
    names = []
    for name in sorted(os.listdir(PACKAGE)):
        path = os.path.join(PACKAGE, name)
        if name.startswith("_") or name in ("api_export.py", "utils.py"):
            continue
        if os.path.isdir(path) and os.path.exists(os.path.join(path, "__init__.py")):
            names.append(name)
            names += SUBMODULES.get(name, [])
    return names


def write_api_pages():
    api = os.path.join(DOCS, "api")
    shutil.rmtree(api, ignore_errors=True)
    os.makedirs(api)
    modules = public_modules()
    for name in modules:
        with open(os.path.join(api, name + ".md"), "w") as f:
            f.write(f"# keras_vi.{name}\n\n::: keras_vi.{name}\n")
    return modules


def copy_cards():
    cards = os.path.join(DOCS, "cards")
    shutil.rmtree(cards, ignore_errors=True)
    os.makedirs(cards)
    names, copied = [], {}
    for name in sorted(os.listdir(os.path.join(REPO, "zoo"))):
        folder = os.path.join(REPO, "zoo", name)
        if not os.path.isfile(os.path.join(folder, "README.md")):
            continue
        shutil.copy(os.path.join(folder, "README.md"), os.path.join(cards, name + ".md"))
        # the pictures (and GIFs) a card shows, at the same relative paths: its links resolve on the site
        for root, _, files in os.walk(folder):
            for picture in files:
                if picture.endswith((".png", ".gif")):
                    relative = os.path.relpath(os.path.join(root, picture), folder)
                    target = os.path.join(cards, relative)
                    if relative in copied:
                        raise ValueError(f"zoo/{name}/{relative} and zoo/{copied[relative]}/{relative} "
                                         "would both be docs/cards/" + relative + ": rename one.")
                    copied[relative] = name
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copy(os.path.join(root, picture), target)
        names.append(name)
    return names


def write_benchmarks():
    with open(os.path.join(REPO, "benchmarks", "README.md")) as f:
        readme = f.read()
    with open(os.path.join(REPO, "benchmarks", "RESULTS.md")) as f:  # its headings one level down
        results = "\n".join("#" + line if line.startswith("#") else line for line in f.read().splitlines())
    # links relative to benchmarks/ in the repository, made relative to the site's docs/
    readme = readme.replace("](../docs/", "](")
    with open(os.path.join(DOCS, "benchmarks.md"), "w") as f:
        f.write(readme.rstrip() + "\n\n" + results + "\n")


def main():
    modules = write_api_pages()
    cards = copy_cards()
    write_benchmarks()
    print(f"docs: {len(modules)} API pages, {len(cards)} results cards, benchmarks")


if __name__ == "__main__":
    main()
