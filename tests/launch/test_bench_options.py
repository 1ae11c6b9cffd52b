"""`make bench` runs every benchmark bare; options go only to the benchmark BENCH names,
since each script refuses the others' options."""

from __future__ import annotations

import pytest

from govsocial.launch.commands import benchmarks
from govsocial.launch.common import REPO_ROOT, LaunchError


def test_without_arguments_every_benchmark_runs_without_options() -> None:
    chosen = benchmarks([])

    assert {script.name for script, _ in chosen} >= {"archive.py", "publish.py"}
    assert all(options == [] for _, options in chosen)


def test_options_go_to_the_benchmark_named_first_only() -> None:
    chosen = benchmarks(["publish", "--posts", "100"])

    assert chosen == [(REPO_ROOT / "bench" / "publish.py", ["--posts", "100"])]


def test_options_without_a_benchmark_are_refused_with_the_way_to_name_one() -> None:
    with pytest.raises(LaunchError, match=r'BENCH=publish ARGS="--posts 100"'):
        benchmarks(["--posts", "100"])


def test_an_unknown_benchmark_is_refused_naming_the_known_ones() -> None:
    known = "benchmarks: api, archive, archive_export, inbox, publish"
    with pytest.raises(LaunchError, match=known):
        benchmarks(["publsh"])
