import os
import sys
from pathlib import Path

# tests/ helpers (reference.py, toy data) import as plain modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


def _threads_per_worker() -> int:
    """Under pytest-xdist each worker gets its share of the cores (at least one): a torch
    left at its default takes every core in each worker, and OpenMP threads that spin
    while waiting for a core slow every worker down."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0'))
    return max(1, (os.cpu_count() or 1) // workers) if workers else 0


def pytest_configure(config):
    threads = _threads_per_worker()
    if threads:
        # the environment first, so that tool subprocesses the tests start inherit it
        os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = str(threads)
        import torch
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _default_scope_of_its_own():
    """MMEngine's default scope is process-global and every Runner, inferencer and
    ``init_default_scope`` call leaves one behind; a test that builds from a registry by
    name then depends on which test ran before it on the same worker (seen under xdist:
    MMDetection's registry building MMAction2's UniFormer). Each test gets back the scopes
    it started with. A module fixture's scope still reaches the tests of its module, so a
    test that builds by name names its scope (``_scope_`` or
    ``DefaultScope.overwrite_default_scope``); a session fixture keeps the scopes it found
    (``tools_cli.default_scopes_kept``)."""
    from tools_cli import default_scopes_kept
    with default_scopes_kept():
        yield


@pytest.fixture(autouse=True, scope='module')
def _default_scope_of_its_own_module():
    """The same for each module: its module fixtures' scopes end with it."""
    from tools_cli import default_scopes_kept
    with default_scopes_kept():
        yield


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
