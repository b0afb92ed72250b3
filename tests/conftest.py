"""Shared fixtures: the real datasets in ../shared/data, a private cache per test session."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _data_dir() -> Path | None:
    for candidate in (
        os.environ.get("NORMLAB_DATA_DIR"),
        ROOT.parent / "shared" / "data",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder with the canonical MNIST and CIFAR-10 files (skips when absent)."""
    d = _data_dir()
    if d is None:
        pytest.skip(
            "real datasets not found: set NORMLAB_DATA_DIR or provide ../shared/data"
        )
    return d


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory):
    """Tests never read a cache left by earlier runs, and never download.

    ``NORMLAB_DOWNLOAD=0`` for the whole session: a test that lost its data
    fails at once instead of reaching for the network; the download tests
    re-enable it against their server on 127.0.0.1.
    """
    names = ("NORMLAB_CACHE_DIR", "NORMLAB_DOWNLOAD")
    old = {k: os.environ.get(k) for k in names}
    os.environ["NORMLAB_CACHE_DIR"] = str(tmp_path_factory.mktemp("normlab-cache"))
    os.environ["NORMLAB_DOWNLOAD"] = "0"
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def with_data(data_dir, monkeypatch):
    """NORMLAB_DATA_DIR pointing at the real datasets, for experiments."""
    monkeypatch.setenv("NORMLAB_DATA_DIR", str(data_dir))
    return data_dir
