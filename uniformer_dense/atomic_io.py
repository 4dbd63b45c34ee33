"""Files written all-or-nothing, and the MMEngine file backend that saves checkpoints so.

A training run killed or out of disk while it saves must not leave a half-written checkpoint
under the final name (``--resume`` would then fail on it) nor a ``last_checkpoint`` pointing
at one: :func:`atomic_write` writes beside the target and renames, and
:class:`AtomicLocalBackend` (``backend='atomic_local'``, given to ``CheckpointHook`` by the
harness) routes MMEngine's saves through it.
"""
from __future__ import annotations

import os

from mmengine.fileio import LocalBackend, register_backend


def atomic_write(path, data: bytes, chunk_size: int = 16 << 20) -> None:
    """Write ``data`` to ``path`` all-or-nothing.

    The bytes go to a temporary file in the same directory, are flushed to disk, and only
    then renamed over ``path`` (``os.replace`` is atomic on POSIX). A crash, kill or full disk
    during the write leaves ``path`` as it was and no partial file behind (a kill leaves at
    most the hidden temporary, never the target).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    _remove_stale_temporaries(directory, os.path.basename(path))
    tmp = os.path.join(directory, f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            view = memoryview(data)
            for start in range(0, len(view), chunk_size):
                f.write(view[start:start + chunk_size])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            raise OSError(exc.errno, f'{exc.strerror} while writing {path}; nothing was '
                          f'replaced: the previous {os.path.basename(path)} (if any) is '
                          f'intact. Free space or choose another --work-dir, then continue '
                          f'with --resume', path) from exc
        raise


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Delete what a writer killed mid-write left of ``name`` (its process is gone)."""
    prefix = f'.{name}.'
    for entry in os.listdir(directory):
        pid = entry[len(prefix):-len('.tmp')]
        if not (entry.startswith(prefix) and entry.endswith('.tmp') and pid.isdigit()):
            continue
        try:
            os.kill(int(pid), 0)
            continue  # a live process is writing it
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except FileNotFoundError:
            pass


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with :func:`atomic_write` for ``put``/``put_text``.

    Registered as ``backend='atomic_local'``; the harness gives it to CheckpointHook, so
    checkpoints and ``last_checkpoint`` are never half-written."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write(filepath, obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj.encode(encoding))


def register_atomic_backend():
    """Make ``backend='atomic_local'`` known to MMEngine's file I/O (again: idempotent)."""
    register_backend('atomic_local', AtomicLocalBackend, force=True)
