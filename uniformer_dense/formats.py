"""The checkpoint file formats this package reads, and the command that converts one.

One vocabulary for the model zoo's entries (``ZooWeights.source_format``) and the converter
(``convert.RENAMES``, ``tools/convert_checkpoint.py --source``), so an entry cannot name a
format the converter does not know. Plain strings, not an ``enum.Enum``: the format is stored
in converted checkpoints' ``meta`` and must unpickle under safe loading.
"""
from __future__ import annotations

from typing import Optional


class SourceFormat:
    """How a released checkpoint file is laid out."""
    IMAGENET = 'imagenet'  # the authors' ImageNet classifier: bare keys under 'model'
    MMDET2 = 'mmdet2'  # the authors' MMDetection 2.x file (mmcv 1.x container)
    MMSEG0 = 'mmseg0'  # the authors' MMSegmentation 0.x file (mmcv 1.x container)
    MMPOSE0 = 'mmpose0'  # the authors' MMPose 0.x file: head named keypoint_head
    MMPOSE1 = 'mmpose1'  # OpenMMLab's MMPose 1.x re-release: loads as is
    SLOWFAST = 'slowfast'  # the authors' video file: bare backbone keys, their class order
    MMACTION = 'mmaction'  # MMAction2's conversion of the authors' video files: loads as is

    # What tools/convert_checkpoint.py converts from (its --source choices, in this order).
    CONVERTIBLE = (MMDET2, MMSEG0, MMPOSE0, SLOWFAST, MMACTION, IMAGENET)
    # Video recognisers: their classifier rows are classes, re-indexed by class name.
    VIDEO = (SLOWFAST, MMACTION)
    # Files whose keys or container differ from what this package's models load: a
    # ``zoo://`` load converts them (the last with the dataset's two class lists).
    # ImageNet files become an MMPretrain ImageClassifier's (keys under ``backbone.``, which a
    # backbone's init strips again).
    CONVERTED_ON_LOAD = (IMAGENET, MMDET2, MMSEG0, MMPOSE0, SLOWFAST)
    ALL = (IMAGENET, MMDET2, MMSEG0, MMPOSE0, MMPOSE1, SLOWFAST, MMACTION)


# The authors' Kinetics-400 class list ('name<TAB>index', their classifier's row order), as
# the file is spelled in their repository.
AUTHORS_K400_CLASSES = 'kinetics_400_categroies.txt'

CONVERT_TOOL = 'python tools/convert_checkpoint.py'


def reindex_options(src_classes: str = 'AUTHORS_LIST', dst_classes: str = 'MMACTION2_LIST') -> str:
    """The options that re-index a video classifier between two class lists."""
    return f'--src-classes {src_classes} --dst-classes {dst_classes}'


def convert_command(src, dst, src_classes: str = 'AUTHORS_LIST',
                    dst_classes: str = 'MMACTION2_LIST', config: Optional[str] = None) -> str:
    """The command line that converts an authors' video file ``src`` to ``dst``, for the
    fix-it part of messages."""
    line = f'{CONVERT_TOOL} {src} {dst} {reindex_options(src_classes, dst_classes)}'
    return f'{line} --config {config}' if config else line
