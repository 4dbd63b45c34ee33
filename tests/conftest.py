import sys
from pathlib import Path

# tests/ helpers (reference.py, toy data) import as plain modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty model-zoo cache for one test, online, with no user mirrors."""
    path = tmp_path / 'cache'
    monkeypatch.setenv('UNIFORMER_DENSE_CACHE', str(path))
    monkeypatch.delenv('UNIFORMER_DENSE_OFFLINE', raising=False)
    monkeypatch.delenv('UNIFORMER_DENSE_MIRROR', raising=False)
    return path


def pytest_collection_modifyitems(config, items):
    """Long tests first: with ``-n 2`` (pytest-xdist) the two workers then finish together
    instead of one running the last long test alone. The order of the others is kept."""
    items.sort(key=lambda item: item.get_closest_marker('slow') is None)
