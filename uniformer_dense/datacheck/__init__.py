"""Check a config's datasets before a run starts, and its samples while they are loaded.

The toolboxes find bad data late and deep: a wrong ``data_root`` surfaces as an assertion in
a dataset class, a malformed COCO JSON as a bare ``JSONDecodeError`` without the file name,
a missing image inside a dataloader worker, an out-of-range label as ``IndexError: Target 7
is out of bounds`` in the loss. :func:`check_datasets` runs before the runner is built and
turns each of these into one :class:`DatasetError` that names the config key, the file and
what to do; the pipeline steps of :mod:`.transforms` do the same for what only loading a
sample finds.

One module per kind of data, under the one that walks the config:

- ``check``: :func:`check_datasets`, the paths of every dataset and evaluator, then each
  dataset's annotations by the format it reads;
- ``coco``: COCO annotation files and the images they list (detection, pose);
- ``seg_folders``: MMSegmentation's image and label-map folders;
- ``image_folders``: MMPretrain's classification data, a list file or one folder per class;
- ``token_labels``: token labeling's dense label maps (LV-ViT's format, read and checked) and
  the pipeline steps that carry them;
- ``video_lists``: MMAction2's ``PATH LABEL`` video and ``DIR TOTAL_FRAMES LABEL``
  raw-frame lists, and the table of the dataset types that read them (modules that define
  such a type register it there);
- ``videofile``: video container headers (MP4/MOV boxes, AVI RIFF size, Matroska
  signature), a few bytes per file;
- ``transforms``: the checking pipeline steps, MMSegmentation's ``CheckSegLabels`` and
  MMAction2's checking decoders;
- ``common``: :class:`DatasetError` and how a config's dataset entries are read.
"""
from .check import check_dataset, check_datasets
from .common import DatasetError

__all__ = ['DatasetError', 'check_dataset', 'check_datasets']
