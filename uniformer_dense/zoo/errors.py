"""What can go wrong getting a zoo file, as kinds that code branches on (never message text)."""
from __future__ import annotations

from typing import List, Tuple

from ..checkpoint import CheckpointError


class ZooError(CheckpointError):
    """A download or cache problem; the message says what happened and what to do. A kind
    of :class:`~uniformer_dense.checkpoint.CheckpointError` (a checkpoint that cannot be
    had), so the loader reports it without importing this package."""


class StorageError(ZooError):
    """The disk, not the source, is at fault (full, read-only): no other mirror helps, so
    the sources are not tried further, and the message is not re-worded."""


class SourceError(ZooError):
    """One URL did not give the file (unreachable, an error page, a cut transfer, the
    wrong bytes); the next mirror may."""


class AllSourcesFailed(ZooError):
    """Every source of a file failed; ``failures`` are ``(mirror, why)`` in the order tried,
    for the caller to word its message."""

    def __init__(self, failures: List[Tuple[object, str]]):
        super().__init__('; '.join(f'{source.url}: {why}' for source, why in failures))
        self.failures = failures
