"""Every docstring example in keras_vi runs, on the backend of this run."""

import doctest
import importlib
import pkgutil

import pytest

import keras_vi


def _examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for info in pkgutil.walk_packages(keras_vi.__path__, "keras_vi."):
        if ".cli." in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for test in finder.find(module, info.name, globs={}):
            if test.examples and test.name not in found:
                found[test.name] = test
    return found


EXAMPLES = _examples()


def test_examples_were_found():
    assert len(EXAMPLES) >= 15, sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_example(name):
    test = EXAMPLES[name]
    test.globs = {}  # an example imports what it uses
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)
