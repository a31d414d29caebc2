"""The split of a backend's suite into shards (tests/conftest.py, used by `make test`)."""

import pytest

from tests.conftest import parse_shard, shard_files


@pytest.mark.numpy_only
def test_shards_split_the_files_into_groups_of_about_equal_time():
    tests_per_file = {f"test_{name}.py": 3 for name in "abcdefg"}
    seconds = {"a": 100, "b": 60, "c": 50, "d": 40, "e": 10}  # f and g: 2 s a test
    for n in (1, 2, 3):
        groups = shard_files(tests_per_file, n, seconds)
        assert len(groups) == n
        assert sorted(f for g in groups for f in g) == sorted(tests_per_file)  # each file once
    loads = [sum(seconds.get(f[5:-3], 6) for f in g) for g in shard_files(tests_per_file, 2, seconds)]
    assert sorted(loads) == [132, 140]  # a+d | b+c+e+f+g, longest first to the lighter group
    assert shard_files(tests_per_file, 2, seconds) == shard_files(dict(reversed(tests_per_file.items())), 2,
                                                                 seconds)  # the same in every process


@pytest.mark.numpy_only
@pytest.mark.parametrize("text", ["2/1", "0/2", "1", "a/b", "1/2/3", ""])
def test_a_bad_shard_is_named(text):
    with pytest.raises(ValueError, match="KERAS_VI_TEST_SHARD must be i/n"):
        parse_shard(text)
    assert parse_shard("2/3") == (2, 3)
