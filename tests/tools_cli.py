"""Run the project's command-line tools as a user would: a real subprocess."""
import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from uniformer_dense.analysis import save_initial_checkpoint as untrained_checkpoint  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def run_tool(tool: str, *args, cwd=None, timeout=900, check=True, env=None):
    env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / tool), *map(str, args)],
                          cwd=cwd or REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{tool} {args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def read_json(path):
    return json.loads(Path(path).read_text())


def free_port() -> int:
    """A TCP port nobody listens on now (for a torch.distributed rendezvous)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def default_scopes_kept():
    """MMEngine's default scopes (process-global: every Runner, ``init_default_scope`` and
    ``analysis.build_model`` leaves one) as they were before the block. conftest gives each
    test and module back its own; a session fixture uses this so that a scope it sets does not
    reach every later test of the worker (the long-video toy's 'mmaction' once made an
    MMPretrain head build MMAction2's CrossEntropyLoss)."""
    from mmengine.registry import DefaultScope
    before = DefaultScope._instance_dict.copy()
    try:
        yield
    finally:
        DefaultScope._instance_dict.clear()
        DefaultScope._instance_dict.update(before)
