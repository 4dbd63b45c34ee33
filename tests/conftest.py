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
    """Modules holding long tests first: with ``-n 2`` (pytest-xdist) the two workers then
    finish together instead of one running the last long test alone. Each module stays in
    one piece, in its own order, so that a run in one process builds its module-scoped
    fixtures once (sorting single tests split modules). Under xdist a worker still tears a
    module fixture down whenever its queue runs empty, so it may be built more than once."""
    slow_modules = {item.module for item in items if item.get_closest_marker('slow')}
    items.sort(key=lambda item: item.module not in slow_modules)
