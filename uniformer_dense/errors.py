"""Errors in what a user gives the package (data, config, checkpoint, names), and how the
tools end on them.

:data:`USER_ERRORS` are the exceptions whose message already says what is wrong and what to
do (the file, key or value, and the fix): the data checks' ``DatasetError`` (a label map not
in its format among them), a checkpoint that cannot be read or does not fit
(``CheckpointError``, the zoo's errors), an unknown variant or a network argument out of
range (``ConfigError``), an LVU file not in its format, a non-finite loss, a tool option this
machine cannot honour (``UsageError``). Each of those classes also derives from the built-in
error it has always been (``ValueError``, ``RuntimeError``, ``KeyError``), so callers that
catch those still do.

:func:`run_cli` runs a tool's ``main``: one of them prints ``<tool>: error: <message>`` to
stderr and exits with status 2, without a traceback; ``--debug`` (or
``UNIFORMER_DENSE_DEBUG=1``) lets it raise as usual. Other exceptions (bugs) always show
their traceback.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from .datacheck.common import DatasetError

DEBUG_ENV = 'UNIFORMER_DENSE_DEBUG'


class UserError(Exception):
    """An error in the user's input whose message says what to do."""


class ConfigError(UserError, ValueError):
    """A config value the package cannot take: an unknown variant or classifier name, an
    architecture argument out of range."""


#: What :func:`run_cli` ends with a message: UserError, and the data checks' DatasetError
#: (the data-check package imports nothing above it, so it cannot derive from UserError).
USER_ERRORS = (UserError, DatasetError)


class UsageError(UserError, RuntimeError):
    """A tool option this machine or config cannot honour (e.g. ``--amp`` without a GPU)."""


def run_cli(main: Callable, argv: Optional[Sequence[str]] = None):
    """Run ``main(argv)`` (``argv`` defaults to the command line without ``--debug``); end a
    :class:`UserError` with its message and exit status 2 unless debugging."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = '--debug' in args or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    args = [a for a in args if a != '--debug']
    try:
        return main(args)
    except USER_ERRORS as exc:
        if debug:
            raise
        tool = Path(sys.argv[0]).name or 'uniformer_dense'
        print(f'{tool}: error: {exc}\n(run with --debug or {DEBUG_ENV}=1 for the traceback)',
              file=sys.stderr)
        sys.exit(2)
