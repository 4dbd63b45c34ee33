"""Model-zoo names for weights, and the ``zoo://NAME`` checkpoint scheme.

A config names shared weights by zoo name, ``init_cfg=dict(type='Pretrained',
checkpoint='zoo://uniformer_small_in1k')``, the same way in detection, segmentation, pose and
video configs. The name resolves to a file in the cache (``$UNIFORMER_DENSE_CACHE`` or
``~/.cache/uniformer_dense/checkpoints``), downloaded on first use.

How a file arrives (:func:`fetch`, :func:`download`; modules ``download`` and ``cache``):

- an entry lists one or more sources (:class:`Mirror`): the authors' Hugging Face
  repositories, OpenMMLab's re-hosted files, other public re-uploads of the same model, and
  the authors' Google Drive; they are tried in order until one gives a valid file, and if all
  fail the error lists each URL and why it failed. ``$UNIFORMER_DENSE_MIRROR`` (base URLs,
  comma-separated) puts your own mirrors first: ``BASE/FILE_NAME``;
- bytes go to ``FILE.part`` (resumed with an HTTP Range request after an interruption, with a
  progress bar) and are renamed to the final name only once they are a checkpoint: a PyTorch
  zip or pickle file that loads with safe loading (``weights_only=True``) and matches the
  SHA-256 where one is published (:attr:`Mirror.sha256`). An HTML page, a JSON error or a
  truncated body is discarded with an error saying what arrived and what to do;
- Google Drive answers large files with an HTML "can't scan this file for viruses" page and
  status 200: its confirm step is followed with ``gdown``'s parser of that page, then the
  file is fetched like any other (resume, progress bar, validation);
- every verified download is recorded (SHA-256, size, URL) in ``manifest.json`` next to the
  cached files; ``python tools/download.py --verify`` checks the cache against it;
- a cached file is checked on use (its first bytes, zip directory and recorded size): a bad
  one, e.g. an HTML page stored by an older version, is moved aside (renamed
  ``FILE.bad-DATE``, not deleted), reported, and downloaded again.

With ``UNIFORMER_DENSE_OFFLINE=1`` nothing is downloaded and a missing file is an error
naming it.

Loading (``zoo://NAME`` through MMEngine's checkpoint loader, :func:`load`) converts the
authors' formats where needed: their MMDetection 2.x / MMSegmentation 0.x files (keys
unchanged, mmcv 1.x container) and their SlowFast video files, whose classifier is re-indexed
by class name from the authors' class order to MMAction2's. The two class lists of each
dataset are fetched once like the weights (pinned commits, SHA-256 checked, see
:data:`CLASS_LISTS`).

The package, from the bottom up: ``errors`` (kinds of failure), ``catalog`` (the entries as
data, :data:`WEIGHTS`), ``download`` (one URL, mirrors in order), ``cache`` (manifest, bad
files moved aside, :func:`resolve`, :func:`verify`), ``load`` (``zoo://``) and ``docs``
(``model_zoo.md``). Files are told apart and read safely by :mod:`uniformer_dense.safe_load`.
"""
from __future__ import annotations

from ..safe_load import checkpoint_problem, describe_bytes, safe_load_problem, torch_error_line
from .cache import (cache_dir, cached_problem, class_list_files, fetch, forget, manifest_path,
                    move_aside, offline, read_manifest, record, resolve, user_mirrors, verify)
from .catalog import (CLASS_LISTS, ENTRIES, GDRIVE, HF, HF_ANDY, HF_ANNOTATORS, HF_VIDEO,
                      MMACTION, MMPOSE, WEIGHTS, ClassListFile, Mirror, ZooWeights, get_entry,
                      host_label, imagenet_entry, is_google_drive)
from .docs import markdown
from .download import download, download_first, sha256_of
from .errors import AllSourcesFailed, SourceError, StorageError, ZooError
from .load import load, register_scheme, to_loadable

__all__ = [
    'AllSourcesFailed', 'CLASS_LISTS', 'ClassListFile', 'ENTRIES', 'GDRIVE', 'HF', 'HF_ANDY',
    'HF_ANNOTATORS', 'HF_VIDEO', 'MMACTION', 'MMPOSE', 'Mirror', 'SourceError', 'StorageError',
    'WEIGHTS', 'ZooError', 'ZooWeights', 'cache_dir', 'cached_problem', 'checkpoint_problem',
    'class_list_files', 'describe_bytes', 'download', 'download_first', 'fetch', 'forget',
    'get_entry', 'host_label', 'imagenet_entry', 'is_google_drive', 'load', 'manifest_path',
    'markdown', 'move_aside', 'offline', 'read_manifest', 'record', 'register_scheme',
    'resolve', 'safe_load_problem', 'sha256_of', 'to_loadable', 'torch_error_line',
    'user_mirrors', 'verify']
