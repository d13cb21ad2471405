"""Test-wide fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _run_outside_the_source_tree(tmp_path_factory, monkeypatch):
    """Run every test (and the subprocesses it starts) outside the repository, so that
    ``python -m cerebellum`` imports the installed package, not the source folder."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
