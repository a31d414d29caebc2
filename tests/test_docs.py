"""The documentation's sources: the tutorial renderer, the rendered pages, the site's nav.

`make docs` (called by .ci/run) builds the site itself with mkdocs --strict.
"""

import importlib.util
import os
import re

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.numpy_only


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "docs", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cards():
    """The zoo's results cards: the folders of zoo/ that have a README.md."""
    return sorted(name for name in os.listdir(os.path.join(REPO, "zoo"))
                  if os.path.isfile(os.path.join(REPO, "zoo", name, "README.md")))


def test_blocks_alternate_markdown_and_code_in_order():
    render = _load("render_tutorials")
    source = '"""\nTitle: T\n"""\n\n"""\n## Setup\n"""\n\nx = 1\ny = """not a block"""\n\n"""\nText.\n"""\nprint(x)\n'
    blocks = render.split_blocks(source)
    assert [kind for kind, _ in blocks] == ["markdown", "markdown", "code", "markdown", "code"]
    assert blocks[2][1] == 'x = 1\ny = """not a block"""'
    assert blocks[4][1] == "print(x)"
    with pytest.raises(ValueError, match="Accelerator"):
        render.parse_header("Title: T\nAuthor: A\nDate created: D\nLast modified: D\nDescription: D\n")


def test_every_tutorial_has_its_header_and_is_rendered_at_full_size_with_its_figures():
    render = _load("render_tutorials")
    examples = sorted(f[:-3] for f in os.listdir(os.path.join(REPO, "examples")) if f.endswith(".py"))
    for name in examples:
        with open(os.path.join(REPO, "examples", name + ".py")) as f:
            render.parse_header(render.split_blocks(f.read())[0][1])  # raises naming a missing field
        path = os.path.join(REPO, "docs", "tutorials", name + ".md")
        assert os.path.isfile(path), f"{name}: run `make tutorials`"
        with open(path) as f:
            page = f.read()
        assert "Rendered by `make tutorials`" in page and " --smoke run top to bottom" not in page, name
        figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
        assert figures, name
        for figure in figures:
            assert os.path.isfile(os.path.join(REPO, "docs", "tutorials", figure)), figure


def test_the_site_lists_every_module_tutorial_and_card():
    pages = _load("gen_pages")
    with open(os.path.join(REPO, "mkdocs.yml")) as f:
        nav = f.read()
    for module in pages.public_modules():
        assert f"api/{module}.md" in nav, module
    for name in os.listdir(os.path.join(REPO, "examples")):
        assert f"tutorials/{name[:-3]}.md" in nav, name
    for name in _cards():
        assert f"cards/{name}.md" in nav, name


def test_every_results_card_opens_with_its_table_and_a_three_line_reading():
    cards = _cards()
    assert len(cards) >= 7
    for name in cards:
        with open(os.path.join(REPO, "zoo", name, "README.md")) as f:
            sections = re.split(r"(?m)^## ", f.read())
        assert sections[1].startswith("Results\n"), f"{name}: the first section is not Results"
        results = sections[1]
        table = re.search(r"(?m)^\|[-| ]+\|$", results)
        assert table, f"{name}: no table in its first section"
        reading = results.split("**In three lines.**\n", 1)
        assert len(reading) == 2 and reading[0].find(table.group()) >= 0, f"{name}: no reading after the table"
        bullets = [line for line in reading[1].strip().splitlines() if line.startswith("- ")]
        assert len(bullets) == 3, f"{name}: {len(bullets)} points in its reading"
        assert "## Recipe" not in sections[0], name  # the method comes after


def test_no_list_is_glued_to_the_paragraph_above_it_and_every_fence_closes():
    # Python-Markdown (the site) needs a blank line before a list; GitHub does not, so a
    # glued list reads right in the repository and as one run-on paragraph on the site
    sources = [os.path.join(REPO, "README.md"), os.path.join(REPO, "benchmarks", "README.md")]
    for folder in ("docs/guide", "docs/tutorials", "docs/upstream"):
        sources += [os.path.join(REPO, folder, f) for f in os.listdir(os.path.join(REPO, folder)) if f.endswith(".md")]
    sources += [os.path.join(REPO, "zoo", name, "README.md") for name in _cards()]
    glued, unclosed = [], []
    for path in sources:
        with open(path) as f:
            lines = f.read().split("\n")
        if sum(line.startswith("```") for line in lines) % 2:  # the rest of the page would be code
            unclosed.append(os.path.relpath(path, REPO))
        fenced = False
        for i in range(1, len(lines)):
            fenced ^= lines[i - 1].startswith("```")
            above = lines[i - 1]
            if (not fenced and re.match(r"(- |\* |1\. )", lines[i]) and above.strip()
                    and not re.match(r"\s*(- |\* |\d+\. )", above) and not above.startswith("  ")):
                glued.append(f"{os.path.relpath(path, REPO)}:{i + 1}")
    assert not glued, glued
    assert not unclosed, f"a code fence is not closed in {unclosed}"


def test_the_gallery_draws_every_bundled_preset(tmp_path):
    from keras_vi.zoo import presets

    gallery = _load("gallery")
    assert gallery.main(["--out", str(tmp_path), "--num-samples", "4"]) == 0
    for name, meta in presets.bundled_presets().items():
        assert (tmp_path / f"{name}_samples.png").stat().st_size > 0, name
        if meta["evaluation"]["dataset"] == "dsprites":
            assert (tmp_path / f"{name}_traversals.png").stat().st_size > 0, name
    with pytest.raises(SystemExit, match="no bundled preset 'nope'"):
        gallery.main(["--out", str(tmp_path), "--presets", "nope"])


def test_the_renderer_runs_a_tutorial_block_by_block(tmp_path):
    import subprocess
    import sys

    from tests.conftest import BACKEND

    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "docs", "render_tutorials.py"), "vae_from_scratch_to_zoo",
         "--smoke", "--backend", BACKEND, "--out-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    page = (tmp_path / "vae_from_scratch_to_zoo.md").read_text()
    assert page.startswith("# A VAE from scratch") and "**Author:** keras_vi developers" in page
    assert "## The KL term in closed form, checked by Monte Carlo" in page  # a markdown block
    assert "```python\ndef kl_closed_form(mean, log_var):" in page  # a code block
    assert "```text\nKL closed form" in page  # what that code printed, after it
    assert page.index("def kl_closed_form") < page.index("KL closed form ") \
        < page.index("![kl_monte_carlo.png](vae_from_scratch_to_zoo/kl_monte_carlo.png)")
    assert (tmp_path / "vae_from_scratch_to_zoo" / "kl_monte_carlo.png").stat().st_size > 0
    assert f" --smoke run top to bottom on the {BACKEND} backend" in page


def test_version_matches_the_package_metadata_and_the_changelog():
    import tomllib

    import keras_vi

    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert keras_vi.__version__ == project["version"]
    assert isinstance(project["license"], str)  # the SPDX form; the table form is deprecated
    with open(os.path.join(REPO, "CHANGELOG.md")) as f:
        assert f"## {keras_vi.__version__}" in f.read()


def test_the_site_checker_finds_broken_links_and_images(tmp_path):
    check = _load("check_site")
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "index.html").write_text('<h2 id="ok">t</h2>')
    (tmp_path / "index.html").write_text(
        '<a href="guide/">g</a><a href="guide/#ok">g</a><a href="https://keras.io">k</a>'
        '<a href="guide/#gone">x</a><img src="missing.png"><a href="#top">t</a><p id="top"></p>')
    broken, pages = check.broken_links(str(tmp_path))
    assert pages == 2
    assert broken == ["index.html: guide/#gone (no id 'gone')", "index.html: missing.png (no missing.png)"]
