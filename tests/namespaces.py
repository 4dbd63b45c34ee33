"""Real small or read-only filesystems for fault tests: a tmpfs mounted in a private mount
namespace (``unshare -m``), so nothing changes outside the child process."""
import functools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import pytest


@functools.lru_cache(maxsize=1)
def tmpfs_reason():
    """None when a private tmpfs can be mounted here, else why not."""
    if not shutil.which('unshare'):
        return 'unshare(1) is not installed'
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.run(['unshare', '-m', 'sh', '-c',
                               f'mount -t tmpfs -o size=1m tmpfs {shlex.quote(d)}'],
                              capture_output=True, text=True)
    if proc.returncode:
        return f'cannot mount a tmpfs in a private mount namespace: {proc.stderr.strip()}'
    return None


def require_tmpfs():
    reason = tmpfs_reason()
    if reason:
        pytest.skip(reason)


def run_with_tmpfs(mountpoint, size, script, read_only=False, env=None, timeout=900):
    """Run shell ``script`` with a fresh tmpfs of ``size`` (e.g. '4m') at ``mountpoint``;
    ``$PY`` is this interpreter. The tmpfs disappears with the process: the script must
    report (print) everything the test checks."""
    require_tmpfs()
    options = f'size={size}' + (',ro' if read_only else '')
    full = (f'set -u; mount -t tmpfs -o {options} tmpfs {shlex.quote(str(mountpoint))} || '
            f'exit 99\n{script}')
    env = dict(os.environ, PY=sys.executable, PYTHONWARNINGS='ignore', **(env or {}))
    return subprocess.run(['unshare', '-m', 'sh', '-c', full], capture_output=True, text=True,
                          env=env, timeout=timeout)
